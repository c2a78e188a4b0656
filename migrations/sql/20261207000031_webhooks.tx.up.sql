-- Webhooks (issue 19): URLs admins register with a secret and the event
-- kinds they want (webhook_kinds, one row a kind), and the durable queue of
-- their deliveries, one row per (webhook, event). A trigger on events
-- writes the deliveries in the transaction of the event, whichever
-- statement inserts it (AppendEvents, CreateTicket's CTE on PostgreSQL,
-- seeding), and only for enabled webhooks subscribed to the event's kind:
-- with no webhook it inserts nothing. failing_since is when the webhook's
-- current run of failures began (NULL while it works); disabled_at and
-- disabled_reason say why the worker turned it off (docs/webhooks.md).
CREATE TABLE webhooks (
    id              {{.ID}},
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    enabled         BOOLEAN NOT NULL,
    failing_since   {{.Time}},
    disabled_at     {{.Time}},
    disabled_reason TEXT NOT NULL DEFAULT '',
    created_at      {{.Time}} NOT NULL,
    updated_at      {{.Time}} NOT NULL
);
--bun:split
CREATE TABLE webhook_kinds (
    kind       TEXT NOT NULL,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    PRIMARY KEY (kind, webhook_id)
);
--bun:split
CREATE INDEX webhook_kinds_webhook ON webhook_kinds (webhook_id);
--bun:split
-- status is queued or sent; a queued row whose next_attempt_at is in the
-- future is waiting for a retry or leased by a worker. payload is the body
-- as first sent, so that every attempt signs the same bytes.
CREATE TABLE webhook_deliveries (
    id              {{.ID}},
    webhook_id      BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    ticket_id       BIGINT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {{.Time}} NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    last_status     INTEGER NOT NULL DEFAULT 0,
    payload         TEXT NOT NULL DEFAULT '',
    created_at      {{.Time}} NOT NULL,
    sent_at         {{.Time}}
);
--bun:split
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries (webhook_id, event_id);
--bun:split
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
--bun:split
-- For the "earlier delivery of the same ticket still queued" check.
CREATE INDEX webhook_deliveries_ticket ON webhook_deliveries (webhook_id, ticket_id, status, id);
--bun:split
CREATE INDEX webhook_deliveries_event_id ON webhook_deliveries (event_id);
--bun:split
{{if .Postgres}}
CREATE FUNCTION webhook_events_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries (webhook_id, event_id, ticket_id, status, next_attempt_at, created_at)
    SELECT k.webhook_id, n.id, n.ticket_id, 'queued', n.at, n.at
    FROM new_rows AS n JOIN webhook_kinds AS k ON k.kind = n.kind JOIN webhooks AS w ON w.id = k.webhook_id
    WHERE w.enabled ORDER BY n.id, k.webhook_id;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER webhook_events_ins AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION webhook_events_ins();
{{else}}
CREATE TRIGGER webhook_events_ins AFTER INSERT ON events BEGIN
    INSERT INTO webhook_deliveries (webhook_id, event_id, ticket_id, status, next_attempt_at, created_at)
    SELECT k.webhook_id, NEW.id, NEW.ticket_id, 'queued', NEW.at, NEW.at
    FROM webhook_kinds AS k JOIN webhooks AS w ON w.id = k.webhook_id
    WHERE k.kind = NEW.kind AND w.enabled ORDER BY k.webhook_id;
END;
{{end}}
