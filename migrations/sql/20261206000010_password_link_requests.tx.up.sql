-- "Forgot password" asks, recorded by the request (the same statements for
-- every address, known or not) and turned into a link and its mail by
-- serve's password link job, which deletes the row. See docs/portal.md.
CREATE TABLE password_link_requests (
    id           {{.ID}},
    email        TEXT NOT NULL,
    client_addr  TEXT NOT NULL,
    base_url     TEXT NOT NULL,
    requested_at {{.Time}} NOT NULL
);
