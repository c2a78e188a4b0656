-- Satisfaction ratings (issue 18): the requester's answer to "was your
-- problem solved?" after a resolution, from a signed link of the
-- resolution mail or the portal's resolved ticket page. resolution_id is
-- the id of the ticket's resolved event the answer is about: its unique
-- index makes the question one-shot (the second answer to one resolution
-- is a conflict, whichever link or form it comes from); a ticket
-- reopened and resolved again asks again. rating is 'yes' or 'no'. A
-- ticket's last rating is read by (ticket_id, id); the dashboard's score
-- of the last 30 days counts an index range of (created_at, rating),
-- whatever the number of tickets.
CREATE TABLE satisfaction_ratings (
    id            {{.ID}},
    ticket_id     BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    resolution_id BIGINT NOT NULL,
    requester     TEXT NOT NULL,
    rating        TEXT NOT NULL CHECK (rating IN ('yes', 'no')),
    comment       TEXT NOT NULL DEFAULT '',
    via           TEXT NOT NULL,
    created_at    {{.Time}} NOT NULL
);
--bun:split
CREATE UNIQUE INDEX satisfaction_ratings_resolution ON satisfaction_ratings (resolution_id);
--bun:split
CREATE INDEX satisfaction_ratings_ticket ON satisfaction_ratings (ticket_id, id);
--bun:split
CREATE INDEX satisfaction_ratings_created ON satisfaction_ratings (created_at, rating);
