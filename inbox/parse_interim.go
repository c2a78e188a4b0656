package inbox

// Interim parser until the parser branch lands (parse.go): the same API,
// the basic path only (headers, text/plain or HTML, attachments).

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // every charset go-message knows
	"github.com/emersion/go-message/mail"

	"ticketgate/domain"
)

// Parse reads one raw mail.
func Parse(raw []byte) (*domain.Inbound, error) {
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return nil, err
	}
	if mr == nil {
		return nil, errors.New("no message")
	}
	h := mr.Header
	in := &domain.Inbound{Size: int64(len(raw))}
	in.MessageID, _ = h.MessageID()
	if in.MessageID == "" {
		in.MessageID = domain.HashMessageID(raw)
	}
	in.InReplyTo, _ = h.MsgIDList("In-Reply-To")
	in.References, _ = h.MsgIDList("References")
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		in.From, _ = domain.NormalizeEmail(from[0].Address)
		in.FromName = from[0].Name
	}
	in.Subject, _ = h.Subject()
	in.Date, _ = h.Date()
	in.ReturnPath = strings.TrimSpace(h.Get("Return-Path"))
	in.Auto.AutoSubmitted = strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted")))
	in.Auto.XAutoreply = h.Has("X-Autoreply") || h.Has("X-Autorespond")
	in.Auto.Precedence = strings.ToLower(strings.TrimSpace(h.Get("Precedence")))
	in.Auto.ListID = h.Get("List-Id")
	if ct, params, _ := h.ContentType(); ct == "multipart/report" {
		in.Auto.ReportType = strings.ToLower(params["report-type"])
	}
	var html string
	for {
		p, err := mr.NextPart()
		if err == io.EOF || (err != nil && p == nil) {
			break
		}
		body, _ := io.ReadAll(p.Body)
		switch ph := p.Header.(type) {
		case *mail.InlineHeader:
			ct, _, _ := ph.ContentType()
			switch {
			case ct == "text/html" && html == "":
				html = string(body)
			case (ct == "text/plain" || ct == "") && in.Text == "":
				in.Text = string(body)
			}
		case *mail.AttachmentHeader:
			name, _ := ph.Filename()
			ct, _, _ := ph.ContentType()
			in.Attachments = append(in.Attachments, domain.InboundAttachment{Name: name, ContentType: ct, Content: body})
		}
	}
	if in.Text == "" && html != "" {
		in.Text = html
	}
	in.NewText = in.Text
	return in, nil
}
