package inbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	// go-message's own readers (mail.CreateReader elsewhere in the binary)
	// find their charsets through the reader this package registers.
	_ "github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// mediaType parses a Content-Type (or Content-Disposition) value. It is
// lenient: when mime.ParseMediaType refuses the value (duplicate or
// unquoted parameters, a missing quote...), the type and parameters are
// picked out by hand. RFC 2231 parameters are handled by mime, encoded
// words in parameters (what Outlook sends for file names) are decoded here.
//
// Only the first maxMediaTypeBytes of v are read (up to the last ";"
// before them): its parameters would cost maps of any size.
func mediaType(v string, warn func(string)) (string, map[string]string) {
	if v == "" {
		return "", nil
	}
	if len(v) > maxMediaTypeBytes {
		warn("Content-Type or Content-Disposition longer than " + sizeName(maxMediaTypeBytes) + "; the rest ignored")
		v = v[:maxMediaTypeBytes]
		if i := strings.LastIndexByte(v, ';'); i > 0 {
			v = v[:i]
		}
	}
	t, params, err := mime.ParseMediaType(v)
	if err != nil {
		if err != mime.ErrInvalidMediaParameter || t == "" {
			t, params = looseMediaType(v)
		}
		warn("malformed header parameters: " + truncate(v, 80))
		if t == "" {
			return "", params
		}
		if p2 := looseParams(v); len(p2) > len(params) {
			params = p2
		}
	}
	if strings.Contains(v, "*=") {
		params = extendedParams(v, params, warn)
	}
	for k, pv := range params {
		if strings.Contains(pv, "=?") {
			params[k] = decodeWords(pv, warn)
		} else if !utf8.ValidString(pv) {
			params[k] = latin1(pv)
		}
	}
	return strings.ToLower(t), params
}

// extendedParams fills the RFC 2231 parameters (name*=charset'lang'value,
// name*0*=…) that mime.ParseMediaType leaves out because their charset is
// neither UTF-8 nor ASCII, such as filename*=iso-8859-1'fr'caf%E9.txt.
func extendedParams(v string, params map[string]string, warn func(string)) map[string]string {
	type segment struct {
		n       int
		val     string
		encoded bool
	}
	segs := map[string][]segment{}
	for k, val := range looseParams(v) {
		base, rest, ok := strings.Cut(k, "*")
		if !ok || base == "" {
			continue
		}
		if _, have := params[base]; have {
			continue
		}
		num := strings.TrimSuffix(rest, "*")
		n := 0
		if num != "" {
			var err error
			if n, err = strconv.Atoi(num); err != nil || n < 0 || n > 100 {
				continue
			}
		}
		segs[base] = append(segs[base], segment{n, val, rest == "" || strings.HasSuffix(rest, "*")})
	}
	for base, ss := range segs {
		slices.SortFunc(ss, func(a, b segment) int { return a.n - b.n })
		cs := ""
		var b []byte
		for i, sg := range ss {
			val := sg.val
			if !sg.encoded {
				b = append(b, val...)
				continue
			}
			if i == 0 {
				if parts := strings.SplitN(val, "'", 3); len(parts) == 3 {
					cs, val = parts[0], parts[2]
				}
			}
			b = append(b, percentDecode(val)...)
		}
		if params == nil {
			params = map[string]string{}
		}
		params[base] = decodeCharset(b, cs, warn)
	}
	return params
}

func percentDecode(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return b
}

func looseMediaType(v string) (string, map[string]string) {
	t, _, _ := strings.Cut(v, ";")
	t = strings.ToLower(strings.TrimSpace(t))
	if i := strings.IndexAny(t, " \t,\""); i >= 0 {
		t = t[:i]
	}
	return t, looseParams(v)
}

// looseParams reads name=value pairs after the first ';' with no grammar
// beyond "value may be quoted".
func looseParams(v string) map[string]string {
	_, rest, ok := strings.Cut(v, ";")
	if !ok {
		// "application/pdf name=a.pdf": parameters without the semicolon
		if _, rest, ok = strings.Cut(strings.TrimSpace(v), " "); !ok {
			return nil
		}
	}
	params := map[string]string{}
	for rest != "" {
		rest = strings.TrimLeft(rest, " \t;")
		name, after, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		name = strings.ToLower(strings.TrimSpace(name))
		after = strings.TrimLeft(after, " \t")
		var val string
		if strings.HasPrefix(after, `"`) {
			end := strings.IndexByte(after[1:], '"')
			if end < 0 {
				val, rest = after[1:], ""
			} else {
				val, rest = after[1:1+end], after[2+end:]
			}
		} else {
			val, rest, _ = strings.Cut(after, ";")
			val = strings.TrimSpace(val)
		}
		if _, dup := params[name]; !dup && name != "" {
			params[name] = val
		}
	}
	return params
}

// splitMultipart cuts a multipart body into its parts. A delimiter is a line
// that starts with "--boundary" and has nothing after it but blanks or "--".
// A missing close delimiter ends the last part at the end of the body; text
// before the first delimiter (the preamble) and after the last (the epilogue)
// is dropped.
func splitMultipart(body []byte, boundary string, max int) (parts [][]byte, closed bool) {
	delim := make([]byte, 0, len(boundary)+2)
	delim = append(delim, "--"...)
	delim = append(delim, boundary...)
	start := -1 // start of the current part's content
	pos := 0
	for pos < len(body) {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			break
		}
		i += pos
		if i > 0 && body[i-1] != '\n' {
			// Not at the start of a line: not a delimiter. Checked before
			// looking for the line's end, so a long line full of
			// "--boundary" costs one scan.
			pos = i + len(delim)
			continue
		}
		after := body[i+len(delim):]
		eol := bytes.IndexByte(after, '\n')
		var tail []byte
		if eol < 0 {
			tail = after
		} else {
			tail = after[:eol]
		}
		isClose := bytes.HasPrefix(tail, []byte("--"))
		if isClose {
			tail = tail[2:]
		}
		if len(bytes.TrimSpace(tail)) != 0 {
			pos = i + len(delim)
			continue
		}
		if start >= 0 {
			end := i
			// The line break before a delimiter belongs to the delimiter.
			if end > start && body[end-1] == '\n' {
				end--
				if end > start && body[end-1] == '\r' {
					end--
				}
			}
			parts = append(parts, body[start:end])
			if len(parts) >= max {
				return parts, true
			}
		}
		if isClose {
			return parts, true
		}
		if eol < 0 {
			start = len(body)
			pos = len(body)
		} else {
			start = i + len(delim) + eol + 1
			pos = start
		}
	}
	if start >= 0 && start < len(body) {
		parts = append(parts, body[start:])
	}
	return parts, false
}

// guessBoundary finds a boundary for a multipart whose Content-Type has
// none: the first line that looks like "--something" and occurs again. Only
// the first few candidates are tried, each costing a scan of the body.
func guessBoundary(body []byte) string {
	rest := body
	for n, tries := 0, 0; len(rest) > 0 && n < 200 && tries < 5; n++ {
		line, next := cutLine(rest)
		line = bytes.TrimRight(line, "\r\n \t")
		if len(line) > 2 && len(line) < 200 && line[0] == '-' && line[1] == '-' {
			tries++
			if bytes.Contains(next, line) {
				return string(line[2:])
			}
		}
		rest = next
	}
	return ""
}

// decodeCharset turns text in the named charset into UTF-8, using every
// charset go-message/charset knows. Unknown or wrong charsets fall back to
// UTF-8 when the bytes are valid UTF-8, else to Windows-1252, with a
// warning: some text is better than none. The output is at most three
// bytes per input byte.
func decodeCharset(b []byte, cs string, warn func(string)) string {
	cs = strings.ToLower(strings.Trim(strings.TrimSpace(cs), `"'`))
	switch cs {
	case "", "utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968", "x-unknown", "unknown", "unknown-8bit", "default":
		if utf8.Valid(b) {
			return string(b)
		}
		if cs == "utf-8" || cs == "utf8" {
			warn("text declared UTF-8 is not; read as windows-1252")
		} else {
			warn("8-bit text without a charset read as windows-1252")
		}
		return latin1(string(b))
	}
	enc, err := charsetEncoding(cs)
	if err != nil {
		warn("unknown charset " + truncate(cs, 40) + "; best effort")
		if utf8.Valid(b) {
			return string(b)
		}
		return latin1(string(b))
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		warn("charset " + truncate(cs, 40) + ": " + err.Error())
	}
	s := string(out)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// charsetEncoding finds a charset the way go-message/charset.Reader does
// (its quirks, then the IANA names, then the WHATWG ones), but returns the
// encoding: a decoder over a byte slice costs a few hundred bytes, where
// charset.Reader's stream costs 8 KiB, per encoded word.
func charsetEncoding(name string) (encoding.Encoding, error) {
	name = strings.ToLower(name)
	switch name {
	case "ansi_x3.110-1983":
		return charmap.ISO8859_1, nil
	case "x-utf_8j":
		return unicode.UTF8, nil
	}
	enc, err := ianaindex.MIME.Encoding(name)
	if enc == nil {
		enc, err = ianaindex.MIME.Encoding("cs" + name)
	}
	if enc == nil {
		enc, err = htmlindex.Get(name)
	}
	if err != nil {
		return nil, fmt.Errorf("charset %q: %w", name, err)
	}
	if enc == nil {
		return nil, fmt.Errorf("charset %q: %w", name, errUnsupportedCharset)
	}
	return enc, nil
}

var errUnsupportedCharset = errors.New("unsupported charset")

// charsetReader is mime.WordDecoder's CharsetReader: it decodes the
// (short) encoded word at once.
func charsetReader(name string, input io.Reader) (io.Reader, error) {
	enc, err := charsetEncoding(name)
	if err != nil {
		return nil, err
	}
	var src []byte
	if r, ok := input.(*bytes.Reader); ok {
		src = make([]byte, r.Len())
		if _, err := io.ReadFull(r, src); err != nil {
			return nil, err
		}
	} else if src, err = io.ReadAll(input); err != nil {
		return nil, err
	}
	out, err := enc.NewDecoder().Bytes(src)
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(out), nil
}

// truncate cuts s to at most n bytes at a character boundary, marking the
// cut with "…".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return truncateUTF8(s, n) + "…"
}
