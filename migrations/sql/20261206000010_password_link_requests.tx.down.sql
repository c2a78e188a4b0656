DROP TABLE password_link_requests;
