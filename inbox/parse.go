package inbox

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"ticketgate/domain"
)

// ErrUnreadable is wrapped by Parse's error for input that is not a mail
// at all (no header fields). The caller quarantines such input.
var ErrUnreadable = errors.New("not a mail")

// maxWarnings bounds Inbound.Warnings; a broken mail can make hundreds.
const maxWarnings = 20

// Parse reads one raw RFC 5322 message into what Desk decides on. It works
// around broken MIME rather than refusing it: each workaround is a line in
// Warnings. It returns an error (wrapping ErrUnreadable) only for input that
// has no header fields at all. Parse never panics on any input, bounds its
// work (see maxDepth and maxParts) and runs in time linear in the size of
// raw.
func Parse(raw []byte) (*domain.Inbound, error) {
	in := &domain.Inbound{Size: int64(len(raw))}
	p := &parser{in: in}
	data := bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")) // a UTF-8 BOM
	if bytes.IndexByte(data, '\n') < 0 && bytes.IndexByte(data, '\r') >= 0 {
		// Classic Mac line endings: CR alone.
		data = bytes.ReplaceAll(data, []byte{'\r'}, []byte{'\n'})
	}
	h, body := readHeader(data, p.warn)
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
	tooMany     bool
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
			p.warn("more than " + strconv.Itoa(maxParts) + " MIME parts; the rest ignored")
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
		p.attachedMessage(decodeTransfer(cte, body, p.warn), filename, disp)
	case mt == "message/delivery-status" || mt == "message/global-delivery-status":
		p.deliveryStatus(decodeTransfer(cte, body, p.warn))
	case mt == "text/rfc822-headers" || mt == "message/global-headers":
		oh, _ := readHeader(decodeTransfer(cte, body, p.warn), func(string) {})
		p.original(oh)
	case mt == "message/disposition-notification", mt == "message/feedback-report",
		mt == "message/global-disposition-notification":
		// Machine-readable report fields: the kind is in ContentTypes, the
		// human-readable part is the text.
	case isBodyText(mt) && disp != "attachment" && filename == "":
		if textOff {
			return
		}
		text := decodeCharset(decodeTransfer(cte, body, p.warn), params["charset"], p.warn)
		if mt == "text/html" {
			p.html = append(p.html, text)
		} else {
			p.plain = append(p.plain, text)
		}
	default:
		p.attachment(h, mt, params, decodeTransfer(cte, body, p.warn), filename, disp)
	}
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
		p.warn("MIME nesting deeper than " + strconv.Itoa(maxDepth) + "; inner parts ignored")
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
				p.plain = append(p.plain, decodeCharset(body, params["charset"], p.warn))
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
		parts[i].h, parts[i].body = readHeader(r, p.warn)
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

// finish builds Text and NewText from the collected body parts.
func (p *parser) finish() {
	var text string
	switch {
	case len(p.plain) > 0:
		text = strings.Join(p.plain, "\n\n")
	case len(p.html) > 0:
		parts := make([]string, len(p.html))
		for i, h := range p.html {
			parts[i] = htmlToText(h)
		}
		text = strings.Join(parts, "\n\n")
	}
	text = normalizeNewlines(text)
	text = strings.TrimRight(strings.TrimLeft(text, "\n"), " \t\n")
	p.in.Text = text
	p.in.NewText = NewText(text)
}

func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}
