// Package inbox takes mail in: the IMAP poller (go-imap v2), the built-in
// SMTP/LMTP receiver (go-smtp), and MIME parsing into what domain decides on
// (go-message). It imports domain only; cmd/ticketgate wires it into serve.
package inbox
