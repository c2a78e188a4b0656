DROP TABLE team_events;
--bun:split
DROP TABLE member_leave;
--bun:split
ALTER TABLE team_members DROP COLUMN manual_until;
--bun:split
ALTER TABLE team_members DROP COLUMN away_source;
--bun:split
ALTER TABLE team_members DROP COLUMN leave_source;
