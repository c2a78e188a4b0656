DROP INDEX tickets_queue_due;
