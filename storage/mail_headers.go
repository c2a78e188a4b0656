package storage

import (
	"bytes"
	"io"
	"mime"
	"strings"
)

// An outbox row's subject and Message-ID are also in its rendered mail,
// whose headers stay when OUTBOX_RETENTION drops the body. A row stores
// them once: its subject and message_id columns are empty when the mail's
// own Subject and Message-ID headers say the same (always, for mail the
// composer rendered), and are read back from the mail then. A value the
// headers do not give back exactly (a row written before, a subject in a
// charset other than UTF-8, or a message without those headers) is stored
// as it is. So an empty column means "as in the mail": a row given an
// empty subject for a mail whose header has one reads that header's.
//
// Writes check what reads will find with the same function (mailHeaders),
// so what it does not understand costs bytes, never a wrong value.

// mailHeaders returns the Subject (RFC 2047 words decoded) and the
// Message-ID (without angle brackets) of a message's header section: the
// first of each, unfolded; empty when missing.
func mailHeaders(raw []byte) (subject, messageID string) {
	hs := headerSection(raw)
	var gotSubject, gotID bool
	for len(hs) > 0 && !(gotSubject && gotID) {
		line := hs
		if i := bytes.IndexByte(hs, '\n'); i >= 0 {
			line, hs = hs[:i+1], hs[i+1:]
		} else {
			hs = nil
		}
		var name string
		switch {
		case !gotSubject && hasPrefixFold(line, "subject:"):
			name, gotSubject = "subject:", true
		case !gotID && hasPrefixFold(line, "message-id:"):
			name, gotID = "message-id:", true
		default:
			continue
		}
		// The value and its continuation lines, unfolded: a line break
		// before white space is taken out (RFC 5322 §2.2.3).
		var v strings.Builder
		v.Write(trimEOL(line[len(name):]))
		for len(hs) > 0 && (hs[0] == ' ' || hs[0] == '\t') {
			next := hs
			if i := bytes.IndexByte(hs, '\n'); i >= 0 {
				next, hs = hs[:i+1], hs[i+1:]
			} else {
				hs = nil
			}
			v.Write(trimEOL(next))
		}
		value := strings.TrimSpace(v.String())
		if name == "subject:" {
			if d, err := new(mime.WordDecoder).DecodeHeader(value); err == nil {
				subject = d
			}
		} else if len(value) > 2 && value[0] == '<' && value[len(value)-1] == '>' {
			messageID = value[1 : len(value)-1]
		}
	}
	return subject, messageID
}

func hasPrefixFold(line []byte, prefix string) bool {
	return len(line) >= len(prefix) && strings.EqualFold(string(line[:len(prefix)]), prefix)
}

func trimEOL(line []byte) []byte {
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r"))
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

// fromHeaders fills an empty subject or Message-ID of a row from its mail
// as stored (packed or not), inflating no more than its header section.
func fromHeaders(subject, messageID string, stored []byte) (string, string) {
	if subject != "" && messageID != "" {
		return subject, messageID
	}
	s, id := mailHeaders(unpackHeaders(stored))
	if subject == "" {
		subject = s
	}
	if messageID == "" {
		messageID = id
	}
	return subject, messageID
}

// unpackHeaders is unpackRaw up to the end of the message's header section
// (or a little past it): the rest is not inflated.
func unpackHeaders(stored []byte) []byte {
	r, ok := packedReader(stored)
	if !ok {
		return stored
	}
	defer packer().readers.Put(r)
	var out []byte
	buf := make([]byte, 1024)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if bytes.Contains(out, []byte("\r\n\r\n")) || bytes.Contains(out, []byte("\n\n")) {
			return out
		}
		if err == io.EOF {
			return out
		}
		if err != nil {
			return stored
		}
	}
}
