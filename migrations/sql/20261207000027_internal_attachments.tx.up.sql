-- Internal notes (issue 17): the files of a NOTE reply are the note's, and
-- like it only agents and admins see them. The notes themselves are events
-- of kind 'note' and need no column.
ALTER TABLE attachments ADD COLUMN internal BOOLEAN NOT NULL DEFAULT FALSE;
