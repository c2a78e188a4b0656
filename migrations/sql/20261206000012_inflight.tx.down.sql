DROP INDEX mail_in_flight_instance;
--bun:split
DROP TABLE mail_in_flight;
