package storage

import (
	"bufio"
	"bytes"

	gomessage "github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// An outbox row's subject and Message-ID are also in its rendered mail,
// whose headers stay when OUTBOX_RETENTION drops the body. A row stores
// them once: its subject and message_id columns are empty when the mail's
// own Subject and Message-ID headers say the same (always, for mail the
// composer rendered), and are read back from the mail then. A value the
// headers do not give back exactly (a row written before, or a message
// without those headers) is stored as it is. So an empty column means
// "as in the mail": a row given an empty subject for a mail whose header
// has one reads that header's.

// mailHeaders returns the decoded Subject and the Message-ID (without
// angle brackets) of a message's header section; empty when missing or
// unreadable.
func mailHeaders(raw []byte) (subject, messageID string) {
	th, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(headerSection(raw))))
	if err != nil {
		return "", ""
	}
	h := gomail.Header{Header: gomessage.Header{Header: th}}
	if s, err := h.Subject(); err == nil {
		subject = s
	}
	if id, err := h.MessageID(); err == nil {
		messageID = id
	}
	return subject, messageID
}

// headerSection is raw up to and including the blank line that ends its
// headers (all of raw when there is none).
func headerSection(raw []byte) []byte {
	end := len(raw)
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if i := bytes.Index(raw[:end], []byte(sep)); i >= 0 {
			end = i + len(sep)
		}
	}
	return raw[:end]
}

// storedHeaders returns what the subject and message_id columns of a row
// hold for a mail raw with this subject and Message-ID: each empty when
// raw's headers give it back exactly.
func storedHeaders(subject, messageID string, raw []byte) (string, string) {
	s, id := mailHeaders(raw)
	if subject == s {
		subject = ""
	}
	if messageID == id {
		messageID = ""
	}
	return subject, messageID
}

// fromHeaders fills an empty subject or Message-ID of a row from its
// (unpacked) mail.
func fromHeaders(subject, messageID string, raw []byte) (string, string) {
	if subject != "" && messageID != "" {
		return subject, messageID
	}
	s, id := mailHeaders(raw)
	if subject == "" {
		subject = s
	}
	if messageID == "" {
		messageID = id
	}
	return subject, messageID
}
