// Package outbox sends mail out: composing each mail (go-message), the
// durable send queue worker over the outbox table, and the SMTP client
// (go-smtp). It imports domain only (and domain/mailauth, whose OAuth2 logins
// the SMTP client can use); cmd/ticketgate wires it into serve.
//
// # Composition
//
// Composer renders a domain.Mail from the kind's embedded templates
// (templates/KIND.txt with text/template, templates/KIND.html with
// html/template inside layout.html: inline styles, no external assets) into a
// multipart/alternative message in UTF-8 with quoted-printable parts and
// RFC 2047 encoded headers. Every mail has the Message-ID
// <tkt-N.KIND.RANDOM@domain-of-HELPDESK_ADDRESS> (N is 0 for mail about no
// ticket), From "HELPDESK_NAME" <MAIL_FROM>, Date, Auto-Submitted:
// auto-generated and X-Auto-Response-Suppress: All, so auto-responders stay
// silent. Mails of a ticket carry the [TKT-N] subject tag and one subject
// for the whole thread ("Re: [TKT-N] subject"), because Gmail splits a
// conversation whose subject changes; domain computes In-Reply-To and
// References, so the Composer stays pure. Reply-To is the flow's (the
// approval plus-address) or, when MAIL_FROM is not HELPDESK_ADDRESS, the
// helpdesk address, so answers reach the helpdesk. Every header value is
// reduced to one line: a subject or name holding CR or LF cannot add a
// header.
//
// # Delivery and retry policy
//
// A mail is a row written in the transaction of the change that causes it
// (domain.Desk.sendMail): it exists exactly when the change commits. The
// Worker polls every Interval, claims up to BatchSize due queued rows (on
// PostgreSQL FOR UPDATE SKIP LOCKED, so several instances never take one
// row twice) and leases them for Lease by pushing their next attempt
// forward; then it sends them over one SMTP session and records each
// outcome. A worker that dies mid-batch leaves its rows leased: they become
// due again when the lease ends, so a mail is sent at least once and, barring
// a crash between the relay's acceptance and the row's update, exactly once.
//
// An error is permanent when the relay answers with a 5xx reply (550 no such
// mailbox, 552 too big, 554 rejected…): the row goes dead at once. Anything
// else is temporary: 4xx replies (421, 450, 451, 452), a connection refused
// or dropped, timeouts, TLS failures, a relay without STARTTLS (a
// configuration error an admin fixes; the mail waits), and any error of
// unknown kind. After the n-th temporary failure the next attempt is due
// after 1 min × 2^(n-1), capped at 1 h, plus a random jitter of up to 10% so
// that mails deferred together do not return together. When the attempts
// reach OUTBOX_MAX_ATTEMPTS (default 10, about 4 h 15 min of retrying) the
// row goes dead. A dead row keeps its last error, and the store writes a
// mail_failed event on its ticket in the same transaction
// (domain.MailFailedEvent); `ticketgate outbox retry` gives it a new round.
// Without SMTP_URL rows are written held and wait; serve started with a
// relay queues them. Nothing is dropped except by `outbox discard`.
//
// # SMTP
//
// SMTP_URL smtp://[user:pass@]host[:587] requires STARTTLS with a verified
// certificate (system roots plus TLS_CA_FILE); ?tls=none allows plaintext;
// smtps://…[:465] is implicit TLS. AUTH PLAIN is used when offered, else AUTH
// LOGIN. Every step (connect, TLS, each command, the data) has a timeout.
//
// With SMTPConfig.SASL the relay is logged in to with OAuth2 instead
// (XOAUTH2 or OAUTHBEARER, see domain/mailauth), with a fresh token for each
// session. A refused token or a grant that must be reauthorized is a
// temporary error: the mail stays queued, whatever reply code the relay
// gave, because a new token (or a reconnected mailbox) can send it.
package outbox
