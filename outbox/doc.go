// Package outbox sends mail out: composing each mail (go-message), the
// durable send queue worker over the outbox table, and the SMTP client
// (go-smtp). It imports domain only; cmd/ticketgate wires it into serve.
package outbox
