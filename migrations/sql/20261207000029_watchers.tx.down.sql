DROP TABLE ticket_watchers;
