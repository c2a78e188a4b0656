-- The dashboard's figures, maintained by triggers in the transaction of
-- every write (docs/portal.md "How the dashboard's figures are kept"):
--
-- dashboard_counts holds one count per (metric, k, category_id, assignee_id):
--   ticket     k = status, with the category and assignee (0: none)
--   created    k = the UTC day (YYYY-MM-DD) of tickets.created_at
--   resolved   k = the UTC day of each event of kind resolved
--   outbox     k = outbox status
--   quarantine one row
--   waiting    one row: the rows of dashboard_waiting
-- dashboard_waiting is the set of approvals that wait (pending, of the level
-- their ticket awaits), ordered by age for the "oldest" list.
--
-- On SQLite, which has one writer at a time, the triggers add to
-- dashboard_counts directly. On PostgreSQL several instances write at once,
-- and one counter row updated by every intake transaction would serialize
-- them (and deadlock two that touch two rows in opposite orders): there the
-- triggers only append rows to dashboard_deltas, which lock nothing, and
-- serve's dashboard job folds them into dashboard_counts every few seconds.
-- A reader adds both tables in one statement, so it sees exactly what is
-- committed. dashboard_medians is the snapshot of the two medians that the
-- same job recomputes (one instance per period).
CREATE TABLE dashboard_counts (
    metric      TEXT NOT NULL,
    k           TEXT NOT NULL DEFAULT '',
    category_id BIGINT NOT NULL DEFAULT 0,
    assignee_id BIGINT NOT NULL DEFAULT 0,
    n           BIGINT NOT NULL,
    PRIMARY KEY (metric, k, category_id, assignee_id)
);
--bun:split
CREATE TABLE dashboard_deltas (
    id          {{.ID}},
    metric      TEXT NOT NULL,
    k           TEXT NOT NULL DEFAULT '',
    category_id BIGINT NOT NULL DEFAULT 0,
    assignee_id BIGINT NOT NULL DEFAULT 0,
    n           BIGINT NOT NULL
);
--bun:split
CREATE TABLE dashboard_waiting (
    approval_id BIGINT PRIMARY KEY,
    ticket_id   BIGINT NOT NULL,
    created_at  {{.Time}} NOT NULL
);
--bun:split
CREATE INDEX dashboard_waiting_age ON dashboard_waiting (created_at, approval_id);
--bun:split
CREATE INDEX dashboard_waiting_ticket ON dashboard_waiting (ticket_id);
--bun:split
CREATE TABLE dashboard_medians (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    since             {{.Time}},
    computed_at       {{.Time}},
    claimed_until     {{.Time}} NOT NULL,
    to_assigned_secs  BIGINT NOT NULL DEFAULT 0,
    assigned_n        BIGINT NOT NULL DEFAULT 0,
    to_resolved_secs  BIGINT NOT NULL DEFAULT 0,
    resolved_n        BIGINT NOT NULL DEFAULT 0
);
--bun:split
INSERT INTO dashboard_medians (id, claimed_until) VALUES (1, '2000-01-01 00:00:00+00:00');
{{if .Postgres}}
--bun:split
-- Every trigger appends to dashboard_deltas. Inserts and deletes are
-- statement triggers over the transition tables (a bulk insert writes one
-- delta per key, not per row); updates are row triggers whose WHEN skips
-- every update that changes nothing counted.
CREATE FUNCTION dashboard_tickets_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_deltas (metric, k, category_id, assignee_id, n)
    SELECT 'ticket', status, COALESCE(category_id, 0), COALESCE(assignee_id, 0), COUNT(*) FROM new_rows GROUP BY 2, 3, 4
    UNION ALL
    SELECT 'created', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), 0, 0, COUNT(*) FROM new_rows GROUP BY 2;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER dashboard_tickets_ins AFTER INSERT ON tickets REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_tickets_ins();
--bun:split
CREATE FUNCTION dashboard_tickets_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_deltas (metric, k, category_id, assignee_id, n)
    SELECT 'ticket', status, COALESCE(category_id, 0), COALESCE(assignee_id, 0), -COUNT(*) FROM old_rows GROUP BY 2, 3, 4
    UNION ALL
    SELECT 'created', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), 0, 0, -COUNT(*) FROM old_rows GROUP BY 2;
    DELETE FROM dashboard_waiting WHERE ticket_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER dashboard_tickets_del AFTER DELETE ON tickets REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_tickets_del();
--bun:split
CREATE FUNCTION dashboard_tickets_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IS DISTINCT FROM NEW.status OR OLD.category_id IS DISTINCT FROM NEW.category_id
            OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id THEN
        INSERT INTO dashboard_deltas (metric, k, category_id, assignee_id, n) VALUES
            ('ticket', OLD.status, COALESCE(OLD.category_id, 0), COALESCE(OLD.assignee_id, 0), -1),
            ('ticket', NEW.status, COALESCE(NEW.category_id, 0), COALESCE(NEW.assignee_id, 0), 1);
    END IF;
    IF OLD.created_at IS DISTINCT FROM NEW.created_at THEN
        INSERT INTO dashboard_deltas (metric, k, n) VALUES
            ('created', to_char(OLD.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), -1),
            ('created', to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), 1);
    END IF;
    -- Only a ticket awaiting approval has waiting approvals: any other
    -- change leaves the set as it is.
    IF (OLD.status = 'awaiting_approval' OR NEW.status = 'awaiting_approval')
            AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.approval_level IS DISTINCT FROM NEW.approval_level) THEN
        DELETE FROM dashboard_waiting WHERE ticket_id = OLD.id;
        INSERT INTO dashboard_waiting (approval_id, ticket_id, created_at)
        SELECT a.id, a.ticket_id, a.created_at FROM approvals AS a
        WHERE NEW.status = 'awaiting_approval' AND a.ticket_id = NEW.id AND a.level = NEW.approval_level
            AND a.decision = 'pending';
    END IF;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER dashboard_tickets_upd AFTER UPDATE ON tickets FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.category_id IS DISTINCT FROM NEW.category_id
        OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id OR OLD.created_at IS DISTINCT FROM NEW.created_at
        OR (OLD.approval_level IS DISTINCT FROM NEW.approval_level AND NEW.status = 'awaiting_approval'))
    EXECUTE FUNCTION dashboard_tickets_upd();
--bun:split
-- Events: row triggers whose WHEN keeps every event but a resolution from
-- calling anything (tickets get a handful of events each, few resolved).
CREATE FUNCTION dashboard_events_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_deltas (metric, k, n) VALUES ('resolved', to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), 1);
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER dashboard_events_ins AFTER INSERT ON events FOR EACH ROW
    WHEN (NEW.kind = 'resolved') EXECUTE FUNCTION dashboard_events_ins();
--bun:split
CREATE FUNCTION dashboard_events_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_deltas (metric, k, n) VALUES ('resolved', to_char(OLD.at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), -1);
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER dashboard_events_del AFTER DELETE ON events FOR EACH ROW
    WHEN (OLD.kind = 'resolved') EXECUTE FUNCTION dashboard_events_del();
--bun:split
CREATE FUNCTION dashboard_events_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_deltas (metric, k, n)
    SELECT 'resolved', to_char(OLD.at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), -1 WHERE OLD.kind = 'resolved'
    UNION ALL
    SELECT 'resolved', to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), 1 WHERE NEW.kind = 'resolved';
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER dashboard_events_upd AFTER UPDATE ON events FOR EACH ROW
    WHEN ((OLD.kind = 'resolved' OR NEW.kind = 'resolved') AND (OLD.kind <> NEW.kind OR OLD.at <> NEW.at))
    EXECUTE FUNCTION dashboard_events_upd();
--bun:split
CREATE FUNCTION dashboard_approvals_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_waiting (approval_id, ticket_id, created_at)
    SELECT a.id, a.ticket_id, a.created_at FROM new_rows AS a JOIN tickets AS t ON t.id = a.ticket_id
    WHERE a.decision = 'pending' AND t.status = 'awaiting_approval' AND t.approval_level = a.level;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER dashboard_approvals_ins AFTER INSERT ON approvals REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_approvals_ins();
--bun:split
CREATE FUNCTION dashboard_approvals_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM dashboard_waiting WHERE approval_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER dashboard_approvals_del AFTER DELETE ON approvals REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_approvals_del();
--bun:split
CREATE FUNCTION dashboard_approvals_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM dashboard_waiting WHERE approval_id = OLD.id;
    INSERT INTO dashboard_waiting (approval_id, ticket_id, created_at)
    SELECT NEW.id, NEW.ticket_id, NEW.created_at FROM tickets AS t
    WHERE t.id = NEW.ticket_id AND NEW.decision = 'pending' AND t.status = 'awaiting_approval' AND t.approval_level = NEW.level;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER dashboard_approvals_upd AFTER UPDATE ON approvals FOR EACH ROW
    WHEN (OLD.decision IS DISTINCT FROM NEW.decision OR OLD.level IS DISTINCT FROM NEW.level
        OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION dashboard_approvals_upd();
--bun:split
CREATE FUNCTION dashboard_waiting_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_deltas (metric, n) SELECT 'waiting', COUNT(*) FROM new_rows HAVING COUNT(*) > 0;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER dashboard_waiting_ins AFTER INSERT ON dashboard_waiting REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_waiting_ins();
--bun:split
CREATE FUNCTION dashboard_waiting_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_deltas (metric, n) SELECT 'waiting', -COUNT(*) FROM old_rows HAVING COUNT(*) > 0;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER dashboard_waiting_del AFTER DELETE ON dashboard_waiting REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_waiting_del();
--bun:split
CREATE FUNCTION dashboard_outbox_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_deltas (metric, k, n) SELECT 'outbox', status, COUNT(*) FROM new_rows GROUP BY 2;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER dashboard_outbox_ins AFTER INSERT ON outbox REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_outbox_ins();
--bun:split
CREATE FUNCTION dashboard_outbox_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_deltas (metric, k, n) SELECT 'outbox', status, -COUNT(*) FROM old_rows GROUP BY 2;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER dashboard_outbox_del AFTER DELETE ON outbox REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_outbox_del();
--bun:split
CREATE FUNCTION dashboard_outbox_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_deltas (metric, k, n) VALUES ('outbox', OLD.status, -1), ('outbox', NEW.status, 1);
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER dashboard_outbox_upd AFTER UPDATE ON outbox FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION dashboard_outbox_upd();
--bun:split
CREATE FUNCTION dashboard_quarantine_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_deltas (metric, n) SELECT 'quarantine', COUNT(*) FROM new_rows HAVING COUNT(*) > 0;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER dashboard_quarantine_ins AFTER INSERT ON quarantine REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_quarantine_ins();
--bun:split
CREATE FUNCTION dashboard_quarantine_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_deltas (metric, n) SELECT 'quarantine', -COUNT(*) FROM old_rows HAVING COUNT(*) > 0;
    RETURN NULL;
END $$;
--bun:split
CREATE TRIGGER dashboard_quarantine_del AFTER DELETE ON quarantine REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_quarantine_del();
{{else}}
--bun:split
-- SQLite: row triggers adding to dashboard_counts in place.
CREATE TRIGGER dashboard_tickets_ins AFTER INSERT ON tickets BEGIN
    INSERT INTO dashboard_counts (metric, k, category_id, assignee_id, n) VALUES
        ('ticket', NEW.status, COALESCE(NEW.category_id, 0), COALESCE(NEW.assignee_id, 0), 1),
        ('created', substr(NEW.created_at, 1, 10), 0, 0, 1)
    ON CONFLICT (metric, k, category_id, assignee_id) DO UPDATE SET n = n + excluded.n;
END;
--bun:split
CREATE TRIGGER dashboard_tickets_del AFTER DELETE ON tickets BEGIN
    INSERT INTO dashboard_counts (metric, k, category_id, assignee_id, n) VALUES
        ('ticket', OLD.status, COALESCE(OLD.category_id, 0), COALESCE(OLD.assignee_id, 0), -1),
        ('created', substr(OLD.created_at, 1, 10), 0, 0, -1)
    ON CONFLICT (metric, k, category_id, assignee_id) DO UPDATE SET n = n + excluded.n;
    DELETE FROM dashboard_waiting WHERE ticket_id = OLD.id;
END;
--bun:split
CREATE TRIGGER dashboard_tickets_upd AFTER UPDATE OF status, category_id, assignee_id ON tickets
WHEN OLD.status IS NOT NEW.status OR OLD.category_id IS NOT NEW.category_id OR OLD.assignee_id IS NOT NEW.assignee_id
BEGIN
    INSERT INTO dashboard_counts (metric, k, category_id, assignee_id, n) VALUES
        ('ticket', OLD.status, COALESCE(OLD.category_id, 0), COALESCE(OLD.assignee_id, 0), -1),
        ('ticket', NEW.status, COALESCE(NEW.category_id, 0), COALESCE(NEW.assignee_id, 0), 1)
    ON CONFLICT (metric, k, category_id, assignee_id) DO UPDATE SET n = n + excluded.n;
END;
--bun:split
CREATE TRIGGER dashboard_tickets_upd_created AFTER UPDATE OF created_at ON tickets
WHEN substr(OLD.created_at, 1, 10) IS NOT substr(NEW.created_at, 1, 10)
BEGIN
    INSERT INTO dashboard_counts (metric, k, category_id, assignee_id, n) VALUES
        ('created', substr(OLD.created_at, 1, 10), 0, 0, -1),
        ('created', substr(NEW.created_at, 1, 10), 0, 0, 1)
    ON CONFLICT (metric, k, category_id, assignee_id) DO UPDATE SET n = n + excluded.n;
END;
--bun:split
CREATE TRIGGER dashboard_tickets_upd_waiting AFTER UPDATE OF status, approval_level ON tickets
WHEN (OLD.status = 'awaiting_approval' OR NEW.status = 'awaiting_approval')
    AND (OLD.status IS NOT NEW.status OR OLD.approval_level IS NOT NEW.approval_level)
BEGIN
    DELETE FROM dashboard_waiting WHERE ticket_id = OLD.id;
    INSERT INTO dashboard_waiting (approval_id, ticket_id, created_at)
    SELECT a.id, a.ticket_id, a.created_at FROM approvals AS a
    WHERE NEW.status = 'awaiting_approval' AND a.ticket_id = NEW.id AND a.level = NEW.approval_level
        AND a.decision = 'pending';
END;
--bun:split
CREATE TRIGGER dashboard_events_ins AFTER INSERT ON events WHEN NEW.kind = 'resolved' BEGIN
    INSERT INTO dashboard_counts (metric, k, n) VALUES ('resolved', substr(NEW.at, 1, 10), 1)
    ON CONFLICT (metric, k, category_id, assignee_id) DO UPDATE SET n = n + excluded.n;
END;
--bun:split
CREATE TRIGGER dashboard_events_del AFTER DELETE ON events WHEN OLD.kind = 'resolved' BEGIN
    INSERT INTO dashboard_counts (metric, k, n) VALUES ('resolved', substr(OLD.at, 1, 10), -1)
    ON CONFLICT (metric, k, category_id, assignee_id) DO UPDATE SET n = n + excluded.n;
END;
--bun:split
CREATE TRIGGER dashboard_events_upd_old AFTER UPDATE OF kind, at ON events
WHEN OLD.kind = 'resolved' AND (NEW.kind IS NOT 'resolved' OR substr(OLD.at, 1, 10) IS NOT substr(NEW.at, 1, 10))
BEGIN
    INSERT INTO dashboard_counts (metric, k, n) VALUES ('resolved', substr(OLD.at, 1, 10), -1)
    ON CONFLICT (metric, k, category_id, assignee_id) DO UPDATE SET n = n + excluded.n;
END;
--bun:split
CREATE TRIGGER dashboard_events_upd_new AFTER UPDATE OF kind, at ON events
WHEN NEW.kind = 'resolved' AND (OLD.kind IS NOT 'resolved' OR substr(OLD.at, 1, 10) IS NOT substr(NEW.at, 1, 10))
BEGIN
    INSERT INTO dashboard_counts (metric, k, n) VALUES ('resolved', substr(NEW.at, 1, 10), 1)
    ON CONFLICT (metric, k, category_id, assignee_id) DO UPDATE SET n = n + excluded.n;
END;
--bun:split
CREATE TRIGGER dashboard_approvals_ins AFTER INSERT ON approvals WHEN NEW.decision = 'pending' BEGIN
    INSERT INTO dashboard_waiting (approval_id, ticket_id, created_at)
    SELECT NEW.id, NEW.ticket_id, NEW.created_at FROM tickets AS t
    WHERE t.id = NEW.ticket_id AND t.status = 'awaiting_approval' AND t.approval_level = NEW.level;
END;
--bun:split
CREATE TRIGGER dashboard_approvals_del AFTER DELETE ON approvals BEGIN
    DELETE FROM dashboard_waiting WHERE approval_id = OLD.id;
END;
--bun:split
CREATE TRIGGER dashboard_approvals_upd AFTER UPDATE OF decision, level, ticket_id, created_at ON approvals
WHEN OLD.decision IS NOT NEW.decision OR OLD.level IS NOT NEW.level OR OLD.ticket_id IS NOT NEW.ticket_id
    OR OLD.created_at IS NOT NEW.created_at
BEGIN
    DELETE FROM dashboard_waiting WHERE approval_id = OLD.id;
    INSERT INTO dashboard_waiting (approval_id, ticket_id, created_at)
    SELECT NEW.id, NEW.ticket_id, NEW.created_at FROM tickets AS t
    WHERE t.id = NEW.ticket_id AND NEW.decision = 'pending' AND t.status = 'awaiting_approval' AND t.approval_level = NEW.level;
END;
--bun:split
CREATE TRIGGER dashboard_waiting_ins AFTER INSERT ON dashboard_waiting BEGIN
    INSERT INTO dashboard_counts (metric, n) VALUES ('waiting', 1)
    ON CONFLICT (metric, k, category_id, assignee_id) DO UPDATE SET n = n + excluded.n;
END;
--bun:split
CREATE TRIGGER dashboard_waiting_del AFTER DELETE ON dashboard_waiting BEGIN
    INSERT INTO dashboard_counts (metric, n) VALUES ('waiting', -1)
    ON CONFLICT (metric, k, category_id, assignee_id) DO UPDATE SET n = n + excluded.n;
END;
--bun:split
CREATE TRIGGER dashboard_outbox_ins AFTER INSERT ON outbox BEGIN
    INSERT INTO dashboard_counts (metric, k, n) VALUES ('outbox', NEW.status, 1)
    ON CONFLICT (metric, k, category_id, assignee_id) DO UPDATE SET n = n + excluded.n;
END;
--bun:split
CREATE TRIGGER dashboard_outbox_del AFTER DELETE ON outbox BEGIN
    INSERT INTO dashboard_counts (metric, k, n) VALUES ('outbox', OLD.status, -1)
    ON CONFLICT (metric, k, category_id, assignee_id) DO UPDATE SET n = n + excluded.n;
END;
--bun:split
CREATE TRIGGER dashboard_outbox_upd AFTER UPDATE OF status ON outbox WHEN OLD.status IS NOT NEW.status BEGIN
    INSERT INTO dashboard_counts (metric, k, n) VALUES ('outbox', OLD.status, -1), ('outbox', NEW.status, 1)
    ON CONFLICT (metric, k, category_id, assignee_id) DO UPDATE SET n = n + excluded.n;
END;
--bun:split
CREATE TRIGGER dashboard_quarantine_ins AFTER INSERT ON quarantine BEGIN
    INSERT INTO dashboard_counts (metric, n) VALUES ('quarantine', 1)
    ON CONFLICT (metric, k, category_id, assignee_id) DO UPDATE SET n = n + excluded.n;
END;
--bun:split
CREATE TRIGGER dashboard_quarantine_del AFTER DELETE ON quarantine BEGIN
    INSERT INTO dashboard_counts (metric, n) VALUES ('quarantine', -1)
    ON CONFLICT (metric, k, category_id, assignee_id) DO UPDATE SET n = n + excluded.n;
END;
{{end}}
--bun:split
-- The backfill: every figure counted once from the rows (the same SQL as
-- storage's RecountDashboard).
INSERT INTO dashboard_waiting (approval_id, ticket_id, created_at)
SELECT a.id, a.ticket_id, a.created_at FROM approvals AS a JOIN tickets AS t ON t.id = a.ticket_id
WHERE a.decision = 'pending' AND t.status = 'awaiting_approval' AND a.level = t.approval_level;
--bun:split
DELETE FROM dashboard_deltas;
--bun:split
DELETE FROM dashboard_counts;
--bun:split
INSERT INTO dashboard_counts (metric, k, category_id, assignee_id, n)
SELECT 'ticket', status, COALESCE(category_id, 0), COALESCE(assignee_id, 0), COUNT(*) FROM tickets GROUP BY 2, 3, 4
UNION ALL
SELECT 'created', {{if .Postgres}}to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'){{else}}substr(created_at, 1, 10){{end}}, 0, 0, COUNT(*) FROM tickets GROUP BY 2
UNION ALL
SELECT 'resolved', {{if .Postgres}}to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD'){{else}}substr(at, 1, 10){{end}}, 0, 0, COUNT(*) FROM events WHERE kind = 'resolved' GROUP BY 2
UNION ALL
SELECT 'outbox', status, 0, 0, COUNT(*) FROM outbox GROUP BY 2
UNION ALL
SELECT 'quarantine', '', 0, 0, COUNT(*) FROM quarantine
UNION ALL
SELECT 'waiting', '', 0, 0, COUNT(*) FROM dashboard_waiting;
