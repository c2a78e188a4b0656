package outbox

import (
	"fmt"
	"mime"
	"path"
	"strings"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"

	"ticketgate/domain"
)

// A mail with files (a portal comment's) is
//
//	multipart/mixed
//	├── multipart/alternative (text/plain, text/html: what it says)
//	└── one part per file: its media type, Content-Disposition:
//	    attachment, base64 in lines of 76 characters
//
// A file's name is given in both Content-Type (name=, which older
// Outlooks read) and Content-Disposition (filename=): a plain quoted
// string when it is short ASCII, else an ASCII stand-in followed by the
// RFC 2231 form (filename*0*=utf-8''…; filename*1*=…), cut into pieces
// so that the header folds into lines of at most 78 characters whatever
// the name.

// mixed makes h the header of a multipart/mixed, keeping the boundary
// that header gave it.
func mixed(h *gomail.Header) {
	_, params, _ := h.ContentType()
	h.SetContentType("multipart/mixed", map[string]string{"boundary": params["boundary"]})
}

// alternativeHeader is the header of the text and HTML part of a mail with
// files, whose header is h: its boundary is h's after "alt-" (never h's
// with something after it: a reader would take that line for h's
// boundary).
func alternativeHeader(h gomail.Header) message.Header {
	_, params, _ := h.ContentType()
	var ah message.Header
	ah.SetContentType("multipart/alternative", map[string]string{"boundary": "alt-" + params["boundary"]})
	return ah
}

// writeFile writes f as an attachment part of w.
func writeFile(w *message.Writer, f domain.Attachment) error {
	mt, params, err := mime.ParseMediaType(f.ContentType)
	if err != nil || strings.HasPrefix(mt, "multipart/") || strings.HasPrefix(mt, "message/") {
		// A file is bytes to the recipient: never a structure of the mail
		// (a message/rfc822 or multipart part would be read as one).
		mt, params = "application/octet-stream", nil
	}
	ct := mt
	// go-message writes utf-8 and us-ascii text only (it would convert
	// the bytes of any other charset); a file in another one goes without
	// its charset: the recipient opens it as a file, bytes unchanged.
	if cs := strings.ToLower(params["charset"]); strings.HasPrefix(mt, "text/") && (cs == "utf-8" || cs == "us-ascii") {
		ct += "; charset=" + cs
	}
	var ph message.Header
	ph.Set("Content-Type", ct+fileParam("name", f.Name))
	ph.Set("Content-Disposition", "attachment"+fileParam("filename", f.Name))
	ph.Set("Content-Transfer-Encoding", "base64")
	pw, err := w.CreatePart(ph)
	if err != nil {
		return fmt.Errorf("file %q: %w", f.Name, err)
	}
	if _, err := pw.Write(f.Content); err != nil {
		return fmt.Errorf("file %q: %w", f.Name, err)
	}
	return pw.Close()
}

// rfc2231Piece is the most characters of one piece of an RFC 2231 value:
// with its name (filename*12*=) and "; " a piece stays under 78.
const rfc2231Piece = 60

// fileParam is "; key=value" for a file's name: a quoted string when name
// is printable ASCII and short, else an ASCII stand-in and the name in
// RFC 2231 pieces.
func fileParam(key, name string) string {
	if name == "" {
		name = "attachment"
	}
	if plainASCII(name) && len(name) <= rfc2231Piece {
		return "; " + key + "=" + quoted(name)
	}
	var b strings.Builder
	b.WriteString("; " + key + "=" + quoted(asciiStandIn(name)))
	enc := "utf-8''" + pctEncode(name)
	for i := 0; enc != ""; i++ {
		n := min(rfc2231Piece, len(enc))
		// never cut a %XX in two
		if j := strings.LastIndexByte(enc[:n], '%'); j >= 0 && j+3 > n {
			n = j
		}
		fmt.Fprintf(&b, "; %s*%d*=%s", key, i, enc[:n])
		enc = enc[n:]
	}
	return b.String()
}

func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// quoted is s as an RFC 2045 quoted-string.
func quoted(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// asciiStandIn is name for readers without RFC 2231: its printable ASCII,
// "_" for the rest, at most rfc2231Piece bytes with the extension kept.
func asciiStandIn(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r >= ' ' && r <= '~' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	if len(s) > rfc2231Piece {
		ext := path.Ext(s)
		if len(ext) > 10 {
			ext = ""
		}
		s = s[:rfc2231Piece-len(ext)] + ext
	}
	return s
}

// pctEncode is s in RFC 2231's percent encoding: attribute-chars as they
// are, every other byte as %XX.
func pctEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > ' ' && c < 0x7f && !strings.ContainsRune(`*'%()<>@,;:\"/[]?=`, rune(c)) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
