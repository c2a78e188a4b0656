package inbox

import (
	"strconv"
	"strings"

	"ticketgate/domain"
)

func (p *parser) attachment(h header, mt string, params map[string]string, content []byte, filename, disp string) {
	inline := disp == "inline" || (disp == "" && h.get("content-id") != "")
	if mt == "text/plain" || mt == "text/html" {
		// keep the charset so the file opens right
		if cs := params["charset"]; cs != "" {
			mt += "; charset=" + strings.ToLower(cs)
		}
	}
	p.in.Attachments = append(p.in.Attachments, domain.InboundAttachment{
		Name:        safeName(filename, mt, len(p.in.Attachments)),
		ContentType: mt,
		Content:     content,
		Inline:      inline,
	})
}

// safeName makes an attachment name fit to show and store: no directory
// parts or control characters, at most 255 bytes, never empty.
func safeName(name, mt string, n int) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 32 || r == 127 {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		name = "attachment-" + strconv.Itoa(n+1) + extension(mt)
	}
	return truncateUTF8(name, 255)
}

func extension(mt string) string {
	mt, _, _ = strings.Cut(mt, ";")
	switch mt {
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	case "application/pdf":
		return ".pdf"
	case "text/plain":
		return ".txt"
	case "text/html":
		return ".html"
	case "text/calendar":
		return ".ics"
	case "application/ms-tnef", "application/vnd.ms-tnef":
		return ".dat"
	case "message/rfc822":
		return ".eml"
	}
	return ".bin"
}
