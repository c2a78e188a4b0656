-- The "New ticket" assistant (issue 21). A category's questions are read
-- and written with the category as a whole (a JSON array, like its
-- approval levels); a ticket's answers likewise (a JSON array of
-- question/answer pairs, '' for none). public_answer (an admin's mark) and
-- share_ok (its requester's consent) let a resolved ticket's text be shown
-- to other employees as a similar ticket; the partial index holds only
-- those tickets once resolved or closed, so the assistant's candidates are a short index range per
-- category, newest first, whatever the number of tickets. deflections
-- counts the "This solved it" answers: no ticket was opened.
ALTER TABLE categories ADD COLUMN questions TEXT NOT NULL DEFAULT '[]';
--bun:split
ALTER TABLE tickets ADD COLUMN fields TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE tickets ADD COLUMN public_answer BOOLEAN NOT NULL DEFAULT FALSE;
--bun:split
ALTER TABLE tickets ADD COLUMN share_ok BOOLEAN NOT NULL DEFAULT FALSE;
--bun:split
CREATE INDEX tickets_shareable ON tickets (category_id, id) WHERE (public_answer OR share_ok) AND status IN ('resolved', 'closed');
--bun:split
CREATE TABLE deflections (
    id          {{.ID}},
    user_id     BIGINT NOT NULL,
    category_id BIGINT NOT NULL,
    ticket_id   BIGINT NOT NULL,
    created_at  {{.Time}} NOT NULL
);
--bun:split
CREATE INDEX deflections_created_at ON deflections (created_at);
