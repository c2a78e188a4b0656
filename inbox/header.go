package inbox

import (
	"bytes"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// field is one header field: the key in lower case and the unfolded raw
// value (RFC 2047 words not yet decoded).
type field struct {
	key, value string
}

// header is a header block in order. It is a slice, not a map: most blocks
// are small and a linear scan allocates nothing.
type header []field

func (h header) get(key string) string {
	for _, f := range h {
		if f.key == key {
			return f.value
		}
	}
	return ""
}

func (h header) has(key string) bool {
	for _, f := range h {
		if f.key == key {
			return true
		}
	}
	return false
}

func (h header) values(key string) []string {
	var vs []string
	for _, f := range h {
		if f.key == key {
			vs = append(vs, f.value)
		}
	}
	return vs
}

// readHeader splits b into its header block and body. It is lenient where
// real mail is broken: LF or CRLF endings, continuation lines, a key with
// spaces before the colon, an mbox "From " line. When b does not start with
// a field, h is empty and body is all of b. A later line that is not a field
// ends the block (with a warning) and starts the body, as most MUAs do.
// Fields past maxHeaderBytes are skipped up to the end of the block, and
// reported to cut. Folded values are joined in one buffer, so a field of
// any number of lines costs time linear in its size.
func readHeader(b []byte, warn, cut func(string)) (h header, body []byte) {
	r := headerReader{}
	rest := b
	for len(rest) > 0 {
		line, next := cutLine(rest)
		trimmed := bytes.TrimRight(line, "\r\n")
		if r.over {
			// Past the limit: find the end of the block, keep nothing.
			switch {
			case len(trimmed) == 0:
				return r.done(), next
			case trimmed[0] == ' ' || trimmed[0] == '\t' || isFieldLine(trimmed):
				rest = next
				continue
			}
			return r.done(), rest
		}
		if used := len(b) - len(rest); used+len(trimmed) > maxHeaderBytes {
			r.over = true
			cut("a header block is longer than " + sizeName(maxHeaderBytes))
			// used counts the line breaks too: it may be past the limit
			// already when the text before was not.
			if trimmed = trimmed[:max(maxHeaderBytes-used, 0)]; len(trimmed) == 0 {
				continue // the same line again, skipped
			}
		}
		switch {
		case len(trimmed) == 0:
			return r.done(), next
		case trimmed[0] == ' ' || trimmed[0] == '\t':
			if len(r.h) == 0 {
				if len(bytes.TrimSpace(trimmed)) != 0 {
					warn("header starts with a continuation line")
				}
				rest = next
				continue
			}
			r.fold(bytes.TrimSpace(trimmed))
			rest = next
			continue
		case len(r.h) == 0 && isMboxFrom(trimmed):
			rest = next // mbox separator
			continue
		}
		colon := bytes.IndexByte(trimmed, ':')
		key := ""
		if colon > 0 {
			key = string(bytes.TrimRight(trimmed[:colon], " \t"))
		}
		if !validKey(key) {
			if len(r.h) == 0 {
				return nil, b
			}
			if nl, _ := cutLine(next); isFieldLine(nl) {
				// A broken fold in the middle of the header: skip the line.
				warn("malformed header line skipped")
				rest = next
				continue
			}
			warn("malformed header line; the body starts there")
			return r.done(), rest
		}
		r.add(field{key: strings.ToLower(key), value: strings.TrimSpace(string(trimmed[colon+1:]))})
		rest = next
	}
	return r.done(), nil
}

// headerReader collects fields; the value of the last one is built in buf
// while continuation lines come.
type headerReader struct {
	h       header
	buf     []byte
	folding bool // buf holds the last field's value
	over    bool // past maxHeaderBytes
}

func (r *headerReader) add(f field) {
	r.flush()
	r.h = append(r.h, f)
}

// fold appends a continuation line (trimmed, not empty) to the last field.
func (r *headerReader) fold(v []byte) {
	if len(v) == 0 {
		return
	}
	if !r.folding {
		r.buf = append(r.buf[:0], r.h[len(r.h)-1].value...)
		r.folding = true
	}
	if len(r.buf) > 0 {
		r.buf = append(r.buf, ' ')
	}
	r.buf = append(r.buf, v...)
}

func (r *headerReader) flush() {
	if r.folding {
		r.h[len(r.h)-1].value = string(r.buf)
		r.folding = false
	}
}

func (r *headerReader) done() header {
	r.flush()
	return r.h
}

// isFieldLine reports whether line starts a header field ("Key: value").
func isFieldLine(line []byte) bool {
	colon := bytes.IndexByte(line, ':')
	return colon > 0 && validKey(string(bytes.TrimRight(line[:colon], " \t")))
}

func isMboxFrom(line []byte) bool {
	return bytes.HasPrefix(line, []byte("From ")) && !bytes.HasPrefix(bytes.TrimLeft(line[5:], " \t"), []byte(":"))
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

// cutLine returns the first line of b including its "\n", and the rest.
func cutLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i+1], b[i+1:]
	}
	return b, nil
}

// decodeWords decodes RFC 2047 encoded words in every charset
// go-message/charset knows. Raw 8-bit bytes that are not UTF-8 (mail that
// ignores RFC 2047) are read as Windows-1252, the usual culprit.
func decodeWords(s string, warn func(string)) string {
	if !utf8.ValidString(s) {
		warn("header with raw 8-bit bytes read as windows-1252")
		s = latin1(s)
	}
	if !strings.Contains(s, "=?") {
		return s
	}
	dec := mime.WordDecoder{CharsetReader: charsetReader}
	out, err := dec.DecodeHeader(s)
	if err != nil {
		warn("undecodable encoded word: " + err.Error())
		return s
	}
	if !utf8.ValidString(out) {
		out = strings.ToValidUTF8(out, "\uFFFD")
	}
	return out
}

// latin1 reads s as Windows-1252 (a superset of ISO-8859-1's printable
// range).
func latin1(s string) string {
	out, err := charmap.Windows1252.NewDecoder().String(s)
	if err != nil {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return out
}
