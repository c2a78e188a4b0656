package inbox

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"ticketgate/domain"
)

// ErrUnreadable is wrapped by Parse's error for input that is not a mail
// at all (no header fields). The caller quarantines such input.
var ErrUnreadable = errors.New("not a mail")

// Parse reads one raw RFC 5322 message into what Desk decides on. It works
// around broken MIME rather than refusing it: each workaround is a line in
// Warnings. It returns an error (wrapping ErrUnreadable) only for input that
// has no header fields at all. Parse never panics on any input, runs in
// time linear in the size of raw, and bounds what it returns by the limits
// of limits.go: what it leaves out at a limit is listed in Inbound.Cut, and
// Text ends with a marker line per cut.
func Parse(raw []byte) (*domain.Inbound, error) {
	in := &domain.Inbound{Size: int64(len(raw))}
	p := &parser{in: in, dsn: addressSet{what: "a delivery report"}}
	data := bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")) // a UTF-8 BOM
	if bytes.IndexByte(data, '\n') < 0 && bytes.IndexByte(data, '\r') >= 0 {
		// Classic Mac line endings: CR alone.
		data = bytes.ReplaceAll(data, []byte{'\r'}, []byte{'\n'})
	}
	h, body := readHeader(data, p.warn, p.cut)
	if len(h) == 0 {
		return nil, fmt.Errorf("parse mail: %w: no header fields", ErrUnreadable)
	}
	p.envelope(h, raw)
	p.walk(h, body, 0, false, "")
	p.finish()
	if h.has("x-amz-sns-message-id") {
		p.sesNotification()
	}
	return in, nil
}

// parser holds the state of one Parse call.
type parser struct {
	in          *domain.Inbound
	parts       int
	plain, html []string
	plainBytes  int  // bytes in plain
	textCut     bool // a text part was left out or cut at maxTextBytes
	tooMany     bool
	dsn         addressSet // Auto.DSNRecipients
}

// cut records that something was left out at a limit: in Inbound.Cut, so
// the raw mail is kept with the ticket, and in Warnings.
func (p *parser) cut(what string) {
	for _, x := range p.in.Cut {
		if x == what {
			return
		}
	}
	p.in.Cut = append(p.in.Cut, what)
	p.warn(what)
}

func (p *parser) warn(msg string) {
	w := p.in.Warnings
	for _, x := range w {
		if x == msg {
			return
		}
	}
	if len(w) < maxWarnings {
		p.in.Warnings = append(w, msg)
	}
}

// walk visits one MIME entity. textOff is set under a multipart/alternative
// branch that was not chosen for the text: its attachments still count.
// defaultType is the type of a part without Content-Type (message/rfc822
// inside a digest, else text/plain).
func (p *parser) walk(h header, body []byte, depth int, textOff bool, defaultType string) {
	p.parts++
	if p.parts > maxParts {
		if !p.tooMany {
			p.tooMany = true
			p.cut("the mail has more than " + strconv.Itoa(maxParts) + " MIME parts; the rest were not read")
		}
		return
	}
	ctRaw := h.get("content-type")
	mt, params := mediaType(ctRaw, p.warn)
	if !strings.Contains(mt, "/") {
		switch {
		case mt == "multipart" || (mt == "" && params["boundary"] != ""):
			mt = "multipart/mixed"
		case mt == "text":
			mt = "text/plain"
		case defaultType != "" && mt == "":
			mt = defaultType
		case mt == "":
			mt = "text/plain"
		default:
			mt = "application/octet-stream" // a type without subtype
		}
		if ctRaw != "" {
			p.warn("Content-Type without subtype: " + truncate(ctRaw, 60))
		}
	}
	p.in.Auto.ContentTypes = appendUnique(p.in.Auto.ContentTypes, mt)
	disp, dparams := mediaType(h.get("content-disposition"), p.warn)
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	cte := h.get("content-transfer-encoding")

	switch {
	case strings.HasPrefix(mt, "multipart/"):
		p.multipart(mt, params, body, depth, textOff)
	case mt == "message/rfc822" || mt == "message/global":
		if p.attachmentRoom() {
			p.attachedMessage(decodeTransfer(cte, body, -1, p.warn), filename, disp)
		}
	case mt == "message/delivery-status" || mt == "message/global-delivery-status":
		p.deliveryStatus(decodeTransfer(cte, body, maxTextSource, p.warn))
	case mt == "text/rfc822-headers" || mt == "message/global-headers":
		oh, _ := readHeader(decodeTransfer(cte, body, maxTextSource, p.warn), ignore, ignore)
		p.original(oh)
	case mt == "message/disposition-notification", mt == "message/feedback-report",
		mt == "message/global-disposition-notification":
		// Machine-readable report fields: the kind is in ContentTypes, the
		// human-readable part is the text.
	case isBodyText(mt) && disp != "attachment" && filename == "":
		if textOff {
			return
		}
		if mt == "text/html" {
			p.html = append(p.html, p.decodeText(decodeTransfer(cte, body, maxTextSource+1, p.warn), params["charset"]))
		} else {
			p.addPlain(body, cte, params["charset"])
		}
	default:
		if p.attachmentRoom() {
			p.attachment(h, mt, params, decodeTransfer(cte, body, -1, p.warn), filename, disp)
		}
	}
}

// ignore is a warn or cut function for what is read only for a detail.
func ignore(string) {}

// attachmentRoom reports whether one more attachment may be kept.
func (p *parser) attachmentRoom() bool {
	if len(p.in.Attachments) < maxAttachments {
		return true
	}
	p.cut("the mail has more than " + strconv.Itoa(maxAttachments) + " attachments; the rest were not kept")
	return false
}

// addPlain decodes a text/plain part into p.plain, unless the text kept
// is full already.
func (p *parser) addPlain(body []byte, cte, cs string) {
	if p.plainBytes > maxTextBytes {
		p.textCut = true
		return
	}
	text := p.decodeText(decodeTransfer(cte, body, maxTextSource+1, p.warn), cs)
	p.plainBytes += len(text)
	p.plain = append(p.plain, text)
}

// decodeText decodes at most maxTextSource bytes of a text part from its
// charset: more could not be kept.
func (p *parser) decodeText(b []byte, cs string) string {
	if len(b) > maxTextSource {
		b = b[:maxTextSource]
		p.textCut = true
	}
	return decodeCharset(b, cs, p.warn)
}

// isBodyText reports whether a part of type mt (without a file name) is
// the mail's text rather than an attachment.
func isBodyText(mt string) bool {
	return mt == "text/plain" || mt == "text/html" || mt == "text/enriched" || mt == "text/x-plain"
}

// multipart splits a multipart body and walks its parts. Under
// multipart/alternative only one branch gives the text: the first
// non-empty text/plain, else the last alternative.
func (p *parser) multipart(mt string, params map[string]string, body []byte, depth int, textOff bool) {
	if depth >= maxDepth {
		p.cut("the mail's MIME parts are nested deeper than " + strconv.Itoa(maxDepth) + " levels; the inner ones were not read")
		return
	}
	sub := strings.TrimPrefix(mt, "multipart/")
	if sub == "report" && p.in.Auto.ReportType == "" {
		p.in.Auto.ReportType = strings.ToLower(params["report-type"])
	}
	boundary := params["boundary"]
	if boundary == "" {
		boundary = guessBoundary(body)
		if boundary == "" {
			p.warn(mt + " without boundary; read as text")
			if !textOff {
				p.addPlain(body, "", params["charset"])
			}
			return
		}
		p.warn(mt + " without boundary parameter; boundary guessed")
	}
	raw, closed := splitMultipart(body, boundary, maxParts-p.parts+1)
	if !closed {
		p.warn(mt + " without closing boundary")
	}
	if len(raw) == 0 {
		p.warn("empty " + mt)
		return
	}
	childDefault := ""
	if sub == "digest" {
		childDefault = "message/rfc822"
	}
	type part struct {
		h    header
		body []byte
	}
	parts := make([]part, len(raw))
	for i, r := range raw {
		parts[i].h, parts[i].body = readHeader(r, p.warn, p.cut)
	}
	chosen := -1
	if sub == "alternative" && !textOff {
		// Plain text is preferred; else the last (richest) alternative.
		for i, pt := range parts {
			t, _ := mediaType(pt.h.get("content-type"), func(string) {})
			if (t == "text/plain" || t == "") && len(bytes.TrimSpace(pt.body)) > 0 &&
				!strings.HasPrefix(strings.ToLower(pt.h.get("content-disposition")), "attachment") {
				chosen = i
				break
			}
		}
		if chosen < 0 {
			chosen = len(parts) - 1
		}
	}
	for i, pt := range parts {
		off := textOff || (chosen >= 0 && i != chosen)
		p.walk(pt.h, pt.body, depth+1, off, childDefault)
	}
}

// finish builds Text and NewText from the collected body parts. Text is
// cut at maxTextBytes, and ends with a marker line per cut (see
// Inbound.Cut), so whoever reads it knows to look at the raw mail.
func (p *parser) finish() {
	var text string
	switch {
	case len(p.plain) > 0:
		text = strings.Join(p.plain, "\n\n")
	case len(p.html) > 0:
		parts := make([]string, 0, len(p.html))
		room := maxTextBytes + 1 // one byte more tells a cut
		for _, h := range p.html {
			if room <= 0 {
				p.textCut = true
				break
			}
			t := htmlText(h, room)
			room -= len(t) + 2
			parts = append(parts, t)
		}
		text = strings.Join(parts, "\n\n")
	}
	text = normalizeNewlines(text)
	text = strings.TrimRight(strings.TrimLeft(text, "\n"), " \t\n")
	if len(text) > maxTextBytes || p.textCut {
		text = strings.TrimRight(truncateUTF8(text, maxTextBytes), " \t\n")
		p.cut(textCut)
	}
	if len(p.in.Cut) > 0 {
		var b strings.Builder
		b.WriteString(text)
		for _, c := range p.in.Cut {
			if b.Len() > 0 {
				b.WriteString("\n\n")
			}
			b.WriteString(cutMarker(c))
		}
		text = b.String()
	}
	p.in.Text = text
	p.in.NewText = NewText(text)
	if strings.HasSuffix(p.in.NewText, cutMarker(linesCut)) {
		p.cut(linesCut)
	}
}

// truncateUTF8 cuts s to at most n bytes, at a character boundary.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}
