-- The tickets whose category an admin picked, in triage or later (issue
-- 16): one row per ticket, its latest pick. seq is the examples version
-- (the settings row examples_version) that the pick's transaction bumped;
-- that row's lock orders the picks of concurrent transactions by commit,
-- so a classifier that has read the picks up to N and later sees a
-- version above N reads the ones after N and misses none, on every
-- instance, whatever their clocks. The writer keeps the newest 10,000.
CREATE TABLE admin_picks (
    seq       BIGINT PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE
);
--bun:split
CREATE UNIQUE INDEX admin_picks_ticket ON admin_picks (ticket_id);
