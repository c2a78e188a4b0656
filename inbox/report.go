package inbox

import (
	"bytes"
	"encoding/json"
	"strings"

	"ticketgate/domain"
)

// sesNotification reads an Amazon SES event published through SNS to an
// e-mail subscription: a JSON body with notificationType Bounce, Complaint
// or Delivery. It fills the DSN fields as a delivery-status part would.
func (p *parser) sesNotification() {
	a := &p.in.Auto
	a.AutoReplyHeaders = appendUnique(a.AutoReplyHeaders, "X-Amz-Sns-Message-Id")
	var n struct {
		NotificationType string
		Bounce           struct {
			BounceType        string
			BouncedRecipients []struct {
				EmailAddress, Status string
			}
		}
		Delivery struct{ Recipients []string }
	}
	// The JSON comes first; SNS appends an unsubscribe footer.
	if err := json.NewDecoder(strings.NewReader(p.in.Text)).Decode(&n); err != nil {
		return
	}
	add := func(r string) {
		if addr, err := domain.NormalizeEmail(r); err == nil {
			p.dsnRecipient(addr)
		}
	}
	switch strings.ToLower(n.NotificationType) {
	case "bounce":
		a.DSNAction = "failed"
		if strings.EqualFold(n.Bounce.BounceType, "Transient") {
			a.DSNAction = "delayed"
		}
		for _, r := range n.Bounce.BouncedRecipients {
			add(r.EmailAddress)
			if a.DSNStatus == "" {
				a.DSNStatus = firstOr(statusCodes(r.Status), "")
			}
		}
	case "delivery":
		a.DSNAction = "delivered"
		for _, r := range n.Delivery.Recipients {
			add(r)
		}
	case "complaint":
		a.ReportType = "feedback-report"
	}
}

// attachedMessage stores a message/rfc822 part as an attachment (it is not
// read for text: a forwarded or returned mail is not what the sender wrote)
// and remembers its Message-ID for reports.
func (p *parser) attachedMessage(content []byte, filename, disp string) {
	mh, _ := readHeader(content, ignore, ignore)
	if p.in.Auto.ReportType != "" {
		p.original(mh)
	}
	if filename == "" {
		filename = strings.TrimSpace(decodeWords(mh.get("subject"), func(string) {}))
		if filename == "" {
			filename = "message"
		}
		filename += ".eml"
	}
	p.in.Attachments = append(p.in.Attachments, domain.InboundAttachment{
		Name:        safeName(filename, "message/rfc822", len(p.in.Attachments)),
		ContentType: "message/rfc822",
		Content:     content,
		Inline:      disp == "inline",
	})
}

// original records the Message-ID of the mail a report is about.
func (p *parser) original(h header) {
	if p.in.Auto.OriginalMessageID != "" {
		return
	}
	if ids := msgIDs(h.get("message-id")); len(ids) > 0 {
		p.in.Auto.OriginalMessageID = ids[0]
	}
}

// deliveryStatus reads an RFC 3464 message/delivery-status body: per
// recipient block its Action, Status, Final-Recipient (or
// Original-Recipient). A generic x.0.0 status is refined from a more
// precise code of the same class in the Diagnostic-Code. DSNStatus and
// DSNAction are the most severe ones (failure before delay before success).
func (p *parser) deliveryStatus(b []byte) {
	a := &p.in.Auto
	var status, action, final, original string
	var diag []byte // a folded Diagnostic-Code, joined once per block
	commit := func() {
		if status != "" && strings.HasSuffix(status, ".0.0") {
			if codes := statusCodes(string(diag)); len(codes) > 0 {
				for i := len(codes) - 1; i >= 0; i-- {
					if codes[i][0] == status[0] && !strings.HasSuffix(codes[i], ".0.0") {
						status = codes[i]
						break
					}
				}
			}
		}
		if status != "" && (a.DSNStatus == "" || severity(status[0]) > severity(a.DSNStatus[0])) {
			a.DSNStatus = status
		}
		if action != "" && (a.DSNAction == "" || actionSeverity(action) > actionSeverity(a.DSNAction)) {
			a.DSNAction = action
		}
		rcpt := final
		if rcpt == "" {
			rcpt = original
		}
		if addr, err := domain.NormalizeEmail(strings.Trim(strings.TrimSpace(rcpt), "<>")); rcpt != "" && err == nil {
			p.dsnRecipient(addr)
		}
		status, diag, action, final, original = "", diag[:0], "", "", ""
	}
	lastKey := ""
	for len(b) > 0 {
		var line []byte
		line, b = cutLine(b)
		if len(bytes.TrimSpace(line)) == 0 {
			commit()
			lastKey = ""
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if lastKey == "diagnostic-code" && len(diag) < maxHeaderText {
				diag = append(append(diag, ' '), bytes.TrimSpace(line)...)
			}
			continue
		}
		key, val, ok := bytes.Cut(bytes.TrimSpace(line), []byte(":"))
		if !ok {
			continue
		}
		k := strings.ToLower(string(bytes.TrimSpace(key)))
		v := strings.TrimSpace(string(val))
		lastKey = k
		switch k {
		case "status":
			status = firstOr(statusCodes(v), status)
		case "action":
			action = strings.ToLower(strings.Fields(v + " x")[0])
		case "diagnostic-code":
			diag = append(diag[:0], v...)
		case "final-recipient", "original-recipient":
			if _, addr, ok := strings.Cut(v, ";"); ok {
				v = addr
			}
			if k == "final-recipient" {
				final = v
			} else {
				original = v
			}
		}
	}
	commit()
}

// dsnRecipient adds a failed recipient, at most maxAddresses of them.
func (p *parser) dsnRecipient(addr string) {
	p.dsn.add(p, addr)
	p.in.Auto.DSNRecipients = p.dsn.list
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}

func actionSeverity(a string) int {
	switch a {
	case "failed":
		return 3
	case "delayed":
		return 2
	default:
		return 1
	}
}

func severity(c byte) int {
	switch c {
	case '5':
		return 3
	case '4':
		return 2
	default:
		return 1
	}
}

// statusCodes picks the RFC 3463 codes (class.subject.detail) out of a
// Status or Diagnostic-Code value such as "smtp; 550 5.1.1 <a@b>... User
// unknown".
func statusCodes(v string) []string {
	var codes []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '(' || r == ')' || r == ',' || r == ';' || r == '\'' || r == '"' || r == '-' || r == '[' || r == ']' || r == '#'
	}) {
		f = strings.TrimRight(f, ".:")
		parts := strings.Split(f, ".")
		if len(parts) != 3 || len(parts[0]) != 1 || (parts[0] != "2" && parts[0] != "4" && parts[0] != "5") {
			continue
		}
		ok := true
		for _, x := range parts[1:] {
			if x == "" || len(x) > 3 || strings.Trim(x, "0123456789") != "" {
				ok = false
			}
		}
		if ok {
			codes = append(codes, f)
		}
	}
	return codes
}
