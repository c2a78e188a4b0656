package outbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/base32"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"

	"ticketgate/domain"
	"ticketgate/domain/i18n"
)

//go:embed templates/*
var templateFS embed.FS

// composedKinds are the mails this package has templates for. The others of
// domain.MailKind come with the features that send them.
var composedKinds = []domain.MailKind{
	domain.MailTicketReceived,
	domain.MailComment,
	domain.MailResolved,
	domain.MailRefusal,
	domain.MailApprovalNeeded,
	domain.MailApprovalReminder,
	domain.MailRejected,
	domain.MailUnreadableReply,
	domain.MailApprovalExpired,
	domain.MailPasswordLink,
	domain.MailTriageNotice,
	domain.MailAssigned,
	domain.MailAssignedRequester,
	domain.MailMailboxReauth,
	domain.MailNote,
	domain.MailWebhookDisabled,
	domain.MailMerged,
	domain.MailSLAAtRisk,
	domain.MailSLABreached,
}

// approvalKinds are mails to approvers: threads of their own, answered by
// a decision word, with no portal link (approvers need no account).
var approvalKinds = []domain.MailKind{domain.MailApprovalNeeded, domain.MailApprovalReminder}

// ComposerConfig is what every mail shows of the helpdesk.
type ComposerConfig struct {
	From            string // MAIL_FROM: the From address
	FromName        string // HELPDESK_NAME: the From display name
	HelpdeskAddress string // HELPDESK_ADDRESS: replies go here; its domain ends Message-IDs
	BaseURL         string // BASE_URL: links to the portal

	// Catalog is the translations (nil: i18n.Load()); DefaultLanguage
	// (DEFAULT_LANGUAGE) is the language of a mail whose Language is
	// empty, DefaultTimeZone (DEFAULT_TIMEZONE) its time zone.
	Catalog         *i18n.Catalog
	DefaultLanguage string
	DefaultTimeZone string

	// Now and Rand make output reproducible in tests; nil means the wall
	// clock and crypto/rand.
	Now  func() time.Time
	Rand io.Reader
}

// Composer renders domain.Mail into complete RFC 5322 messages: a
// multipart/alternative with a text and an HTML part from the kind's
// embedded templates, inside a multipart/mixed with the mail's files when
// it has some. It implements domain.Composer.
type Composer struct {
	cfg    ComposerConfig
	domain string
	// text and html are each language's templates of each kind: the
	// template functions (t, word, when) are bound to the language.
	text map[string]map[domain.MailKind]*texttemplate.Template
	html map[string]map[domain.MailKind]*htmltemplate.Template
}

var _ domain.Composer = (*Composer)(nil)

// NewComposer parses every template once; a missing or broken one is an
// error here rather than at the first mail.
func NewComposer(cfg ComposerConfig) (*Composer, error) {
	from, err := mail.ParseAddress(cfg.From)
	if err != nil || hasControl(cfg.From) {
		return nil, fmt.Errorf("composer: from address %q: %w", cfg.From, errors.Join(err, domain.ErrInvalid))
	}
	cfg.From = from.Address
	help, err := mail.ParseAddress(cfg.HelpdeskAddress)
	if err != nil || hasControl(cfg.HelpdeskAddress) {
		return nil, fmt.Errorf("composer: helpdesk address %q: %w", cfg.HelpdeskAddress, errors.Join(err, domain.ErrInvalid))
	}
	cfg.HelpdeskAddress = help.Address
	cfg.FromName = oneLine(cfg.FromName)
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Catalog == nil {
		cat, err := i18n.Load()
		if err != nil {
			return nil, fmt.Errorf("composer: %w", err)
		}
		cfg.Catalog = cat
	}
	cfg.DefaultLanguage = i18n.Choose(cfg.DefaultLanguage)
	c := &Composer{cfg: cfg, domain: domain.EmailDomain(strings.ToLower(help.Address)),
		text: map[string]map[domain.MailKind]*texttemplate.Template{}, html: map[string]map[domain.MailKind]*htmltemplate.Template{}}
	for _, lang := range i18n.Supported() {
		l := cfg.Catalog.For(lang, nil)
		c.text[lang], c.html[lang] = map[domain.MailKind]*texttemplate.Template{}, map[domain.MailKind]*htmltemplate.Template{}
		for _, k := range composedKinds {
			tt, err := texttemplate.New("").Funcs(textFuncs(l)).ParseFS(templateFS, "templates/footer.txt", "templates/"+string(k)+".txt")
			if err != nil {
				return nil, fmt.Errorf("composer: text template of %s: %w", k, err)
			}
			c.text[lang][k] = tt.Lookup(string(k) + ".txt")
			ht, err := htmltemplate.New("").Funcs(htmlFuncs(l)).ParseFS(templateFS, "templates/layout.html", "templates/"+string(k)+".html")
			if err != nil {
				return nil, fmt.Errorf("composer: HTML template of %s: %w", k, err)
			}
			c.html[lang][k] = ht.Lookup("layout")
			if c.text[lang][k] == nil || c.html[lang][k] == nil {
				return nil, fmt.Errorf("composer: templates of %s are incomplete", k)
			}
		}
	}
	return c, nil
}

// view is what a template sees.
type view struct {
	HelpdeskName    string
	HelpdeskAddress string
	Title           string
	ToName          string
	Ref             string // "" for mail about no ticket
	Subject         string // the ticket's subject
	Status          string
	Category        string
	Assignee        string
	Link            string // the ticket in the portal
	Next            string // what happens next, for the requester
	Approval        bool   // a mail to an approver
	Internal        bool   // an internal note, to the team: replies are notes too
	Body            string // the ticket's text, for approvers
	Requester       string
	Vars            map[string]string
	Lines           []line // a list: the tickets of a triage digest
	TriageLink      string // the admin's list of tickets in triage
	MailboxesLink   string // the admin page of mailboxes (Mail → Mailboxes)
	// Unwatch is a watcher's link to stop following the ticket, on their
	// copy of a mail (Vars "unwatch_token"); "" otherwise.
	Unwatch      string
	WebhooksLink string // the admin page of webhooks
	// SolvedYes and SolvedNo are the requester's links that answer "was
	// it solved?" on a resolution mail (Vars "satisfaction_yes" and
	// "satisfaction_no"); "" otherwise.
	SolvedYes, SolvedNo string
	// Problem and Instructions are what an unreadable reply's mail says
	// went wrong and how to answer, in the mail's language.
	Problem      string
	Instructions string
	// Since is the time of Vars "Since" or "since" (RFC 3339) in the
	// recipient's language and time zone.
	Since string
	// Target, Due and Priority are an SLA mail's target, due time (Vars
	// "DueAt", RFC 3339, else "Due" as written) and priority, in the
	// recipient's language and time zone.
	Target, Due, Priority string
	// Total is how many tickets a triage digest counts.
	Total int
	// Fields are the ticket's answers to its category's questions.
	Fields []domain.TicketField
	// Questions are the questions an acknowledgement asks (Mail.Questions).
	Questions []string
}

// line is one entry of a mail's list, as a template sees it.
type line struct {
	Ref, Subject, Note, Link string
}

// Compose renders m. It does no I/O besides reading randomness. What the
// mail says and its subject come from viewOf; its headers from header;
// the MIME message from assemble.
func (c *Composer) Compose(_ context.Context, m domain.Mail) (*domain.OutboxMessage, error) {
	lang := i18n.Choose(c.cfg.DefaultLanguage, m.Language)
	tt, ht := c.text[lang][m.Kind], c.html[lang][m.Kind]
	if tt == nil || ht == nil {
		return nil, fmt.Errorf("compose: %w: no template for mail kind %q", domain.ErrInvalid, m.Kind)
	}
	loc, _ := i18n.Location(m.TimeZone, c.cfg.DefaultTimeZone)
	l := c.cfg.Catalog.For(lang, loc)
	to, err := mail.ParseAddress(m.To)
	if err != nil || hasControl(m.To) {
		return nil, fmt.Errorf("compose %s: %w: recipient %q", m.Kind, domain.ErrInvalid, m.To)
	}
	v, ticketID := c.viewOf(m, l)
	var text, html bytes.Buffer
	if err := tt.Execute(&text, v); err != nil {
		return nil, fmt.Errorf("compose %s: text part: %w", m.Kind, err)
	}
	if err := ht.Execute(&html, v); err != nil {
		return nil, fmt.Errorf("compose %s: HTML part: %w", m.Kind, err)
	}
	msgID := m.MessageID
	if msgID == "" {
		if msgID, err = c.MessageID(m); err != nil {
			return nil, err
		}
	} else if !validMsgID(msgID) {
		return nil, fmt.Errorf("compose %s: %w: Message-ID %q", m.Kind, domain.ErrInvalid, msgID)
	}
	h, err := c.header(m, v, to.Address, msgID)
	if err != nil {
		return nil, err
	}
	rcpt, err := c.copyHeaders(&h, m, to.Address)
	if err != nil {
		return nil, err
	}
	raw, err := assemble(h, text.Bytes(), html.Bytes(), m.Attachments)
	if err != nil {
		return nil, fmt.Errorf("compose %s: %w", m.Kind, err)
	}
	return &domain.OutboxMessage{TicketID: ticketID, Kind: string(m.Kind), To: rcpt, Subject: v.Title,
		MessageID: msgID, Raw: raw}, nil
}

// viewOf is what m's templates see, its subject (Title) included, and the
// ticket it is about (0: none). The subject is the threading policy: one
// subject per ticket thread, an approval's its own thread.
func (c *Composer) viewOf(m domain.Mail, l *i18n.Localizer) (view, int64) {
	name, addr := c.cfg.FromName, c.cfg.HelpdeskAddress
	if m.From != "" {
		// A mailbox of its own (issue 14): the mail speaks for it.
		addr = m.From
		if m.FromName != "" {
			name = oneLine(m.FromName)
		}
	}
	v := view{HelpdeskName: name, HelpdeskAddress: addr, ToName: oneLine(m.ToName), Vars: m.Vars,
		TriageLink:    c.cfg.BaseURL + "/admin/tickets?status=" + string(domain.StatusTriage),
		MailboxesLink: c.cfg.BaseURL + "/admin/mail/mailboxes", WebhooksLink: c.cfg.BaseURL + "/admin/webhooks"}
	for _, q := range m.Questions {
		v.Questions = append(v.Questions, oneLine(q))
	}
	for _, l := range m.Lines {
		v.Lines = append(v.Lines, line{Ref: oneLine(l.Ref), Subject: oneLine(l.Subject), Note: oneLine(l.Note),
			Link: c.cfg.BaseURL + "/admin/tickets/" + url.PathEscape(l.Ref)})
	}
	if v.Vars == nil {
		v.Vars = map[string]string{}
	}
	if tok := v.Vars["unwatch_token"]; tok != "" && m.Ticket != nil && validToken(tok) {
		v.Unwatch = c.cfg.BaseURL + domain.UnwatchPath + tok
	}
	if yes, no := v.Vars["satisfaction_yes"], v.Vars["satisfaction_no"]; m.Ticket != nil && validToken(yes) && validToken(no) {
		v.SolvedYes, v.SolvedNo = c.cfg.BaseURL+domain.SatisfactionPath+yes, c.cfg.BaseURL+domain.SatisfactionPath+no
	}
	for _, k := range []string{"Since", "since"} {
		if at, err := time.Parse(time.RFC3339, v.Vars[k]); err == nil {
			v.Since = l.DateTime(at)
		} else if v.Vars[k] != "" {
			v.Since = v.Vars[k]
		}
	}
	if m.Kind == domain.MailSLAAtRisk || m.Kind == domain.MailSLABreached {
		v.Due = v.Vars["Due"]
		if at, err := time.Parse(time.RFC3339, v.Vars["DueAt"]); err == nil {
			v.Due = l.DateTime(at)
		}
		v.Target = labelOr(l, "mail.sla.target."+strings.ReplaceAll(v.Vars["Target"], " ", "_"), v.Vars["Target"])
		v.Priority = labelOr(l, "priority."+v.Vars["Priority"], v.Vars["Priority"])
	}
	if m.Kind == domain.MailUnreadableReply {
		v.Problem, v.Instructions = v.Vars["Problem"], v.Vars["Instructions"]
		if v.Vars["NoWord"] != "" {
			words := []any{"approve", wordOr(l, "approve"), "reject", wordOr(l, "reject")}
			v.Problem, v.Instructions = l.T("mail.unreadable.no_word", words...), l.T("mail.unreadable.instructions", words...)
		}
	}
	var subject string
	var ticketID int64
	if t := m.Ticket; t != nil {
		ticketID = t.ID
		v.Ref, v.Subject, v.Status, v.Category, v.Assignee = t.Ref(), oneLine(t.Subject), string(t.Status), t.Category, t.Assignee
		v.Link = c.cfg.BaseURL + "/tickets/" + t.Ref()
		v.Next = nextStep(t, l)
		v.Requester = t.Requester
		for _, f := range t.Fields {
			v.Fields = append(v.Fields, domain.TicketField{Question: oneLine(f.Question), Answer: oneLine(f.Answer)})
		}
		v.Internal = m.Kind == domain.MailNote
		// One subject for the whole thread: Gmail splits a conversation
		// whose subject changes. What the mail is about is in its body.
		subject = l.T("mail.subject.ticket", "ref", t.Ref(), "subject", v.Subject)
		if slices.Contains(approvalKinds, m.Kind) {
			// An approval is a thread of its own with its approver.
			v.Approval, v.Link, v.Body = true, "", t.Body
			subject = l.T("mail.subject.approval", "ref", t.Ref(), "subject", v.Subject)
		}
		switch m.Kind { // to the team, each a thread of its own (issue 18)
		case domain.MailSLAAtRisk:
			subject = l.T("mail.subject.sla_at_risk", "subject", subject)
		case domain.MailSLABreached:
			subject = l.T("mail.subject.sla_breached", "subject", subject)
		}
		if m.InReplyTo != "" {
			// "Re:" in every language: mail programs thread by it.
			subject = "Re: " + subject
		}
	} else if m.Kind == domain.MailTriageNotice {
		// The digest of what waits in triage, to an admin.
		n := v.Vars["total"]
		if n == "" {
			n = strconv.Itoa(len(m.Lines))
		}
		count, err := strconv.Atoi(oneLine(n))
		if err != nil {
			count = len(m.Lines)
		}
		v.Total = count
		subject = l.T("mail.subject.triage", "count", count, "helpdesk", c.cfg.FromName)
	} else if m.Kind == domain.MailMailboxReauth {
		subject = l.T("mail.subject.reauth", "mailbox", oneLine(v.Vars["mailbox"]), "helpdesk", c.cfg.FromName)
	} else if m.Kind == domain.MailWebhookDisabled {
		subject = l.T("mail.subject.webhook", "url", oneLine(v.Vars["url"]), "helpdesk", c.cfg.FromName)
	} else if m.Kind == domain.MailPasswordLink {
		subject = l.T("mail.subject.password", "helpdesk", c.cfg.FromName)
		if v.Vars["purpose"] == "invite" {
			subject = l.T("mail.subject.invite", "helpdesk", c.cfg.FromName)
		}
	} else {
		// A mail about no ticket (the refusal) answers a mail that may be
		// forged: it echoes nothing of it, so that a spammer cannot have
		// us mail their subject to a third party. It names only the
		// helpdesk.
		subject = l.T("mail.subject.refusal", "helpdesk", c.cfg.FromName)
	}
	v.Title = oneLine(subject)
	return v, ticketID
}

// header is the header of m, rendered as v, to address to with msgID.
func (c *Composer) header(m domain.Mail, v view, to, msgID string) (gomail.Header, error) {
	var h gomail.Header
	h.SetDate(c.cfg.Now())
	// The From of a mailbox's mail is that mailbox (whose address is
	// polled), with its display name when it has one (v.HelpdeskName);
	// else MAIL_FROM, whose answers must reach HELPDESK_ADDRESS.
	from, helpdesk := c.cfg.From, c.cfg.HelpdeskAddress
	if m.From != "" {
		a, err := mail.ParseAddress(m.From)
		if err != nil || hasControl(m.From) {
			return h, fmt.Errorf("compose %s: %w: from %q", m.Kind, domain.ErrInvalid, m.From)
		}
		from, helpdesk = a.Address, a.Address
	}
	h.SetAddressList("From", []*gomail.Address{{Name: v.HelpdeskName, Address: from}})
	h.SetAddressList("To", []*gomail.Address{{Name: v.ToName, Address: to}})
	replyTo := m.ReplyTo
	if replyTo == "" && !strings.EqualFold(from, helpdesk) {
		replyTo = helpdesk // answers must reach the helpdesk to thread
	}
	if replyTo != "" {
		rt, err := mail.ParseAddress(replyTo)
		if err != nil || hasControl(replyTo) {
			return h, fmt.Errorf("compose %s: %w: reply-to %q", m.Kind, domain.ErrInvalid, replyTo)
		}
		h.SetAddressList("Reply-To", []*gomail.Address{{Name: v.HelpdeskName, Address: rt.Address}})
	}
	h.SetSubject(v.Title)
	h.SetMessageID(msgID)
	if m.InReplyTo != "" {
		if !validMsgID(m.InReplyTo) {
			return h, fmt.Errorf("compose %s: %w: In-Reply-To %q", m.Kind, domain.ErrInvalid, m.InReplyTo)
		}
		h.SetMsgIDList("In-Reply-To", []string{m.InReplyTo})
	}
	var refs []string
	for _, r := range m.References {
		if !validMsgID(r) {
			return h, fmt.Errorf("compose %s: %w: reference %q", m.Kind, domain.ErrInvalid, r)
		}
		refs = append(refs, r)
	}
	h.SetMsgIDList("References", refs)
	h.Set("Auto-Submitted", "auto-generated")
	h.Set("X-Auto-Response-Suppress", "All")
	boundary, err := c.random(12)
	if err != nil {
		return h, err
	}
	h.SetContentType("multipart/alternative", map[string]string{"boundary": "tg-" + boundary})
	return h, nil
}

// copyHeaders adds m's Cc (a ticket's watchers) to h, and returns who the
// message is delivered to: the To, or on a watcher's copy (m.CopyTo) that
// watcher alone.
func (c *Composer) copyHeaders(h *gomail.Header, m domain.Mail, to string) (string, error) {
	var cc []*gomail.Address
	for _, a := range m.Cc {
		p, err := mail.ParseAddress(a)
		if err != nil || hasControl(a) {
			return "", fmt.Errorf("compose %s: %w: cc %q", m.Kind, domain.ErrInvalid, a)
		}
		cc = append(cc, &gomail.Address{Address: p.Address})
	}
	if len(cc) > 0 {
		h.SetAddressList("Cc", cc)
	}
	if m.CopyTo == "" {
		return to, nil
	}
	p, err := mail.ParseAddress(m.CopyTo)
	if err != nil || hasControl(m.CopyTo) {
		return "", fmt.Errorf("compose %s: %w: copy to %q", m.Kind, domain.ErrInvalid, m.CopyTo)
	}
	return p.Address, nil
}

// assemble is the multipart/alternative message of header h with a text
// and an HTML part, each UTF-8 and quoted-printable. With files it is a
// multipart/mixed whose first part is that multipart/alternative and the
// others the files (compose_files.go).
func assemble(h gomail.Header, text, html []byte, files []domain.Attachment) ([]byte, error) {
	var raw bytes.Buffer
	if len(files) > 0 {
		mixed(&h)
	}
	w, err := message.CreateWriter(&raw, h.Header)
	if err != nil {
		return nil, err
	}
	alt := w
	if len(files) > 0 {
		if alt, err = w.CreatePart(alternativeHeader(h)); err != nil {
			return nil, err
		}
	}
	for _, part := range []struct {
		mediaType string
		body      []byte
	}{{"text/plain", text}, {"text/html", html}} {
		var ph message.Header
		ph.SetContentType(part.mediaType, map[string]string{"charset": "utf-8"})
		ph.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := alt.CreatePart(ph)
		if err != nil {
			return nil, err
		}
		if _, err := pw.Write(crlf(part.body)); err != nil {
			return nil, err
		}
		if err := pw.Close(); err != nil {
			return nil, err
		}
	}
	if len(files) > 0 {
		if err := alt.Close(); err != nil {
			return nil, err
		}
		for _, f := range files {
			if err := writeFile(w, f); err != nil {
				return nil, err
			}
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return raw.Bytes(), nil
}

// MessageID makes the Message-ID of m, which Compose gives it when
// m.MessageID is empty: "tkt-ID.KIND.RANDOM@DOMAIN", with the approval
// token in place of the random part on approval mails. It implements
// domain.MessageIDMaker.
func (c *Composer) MessageID(m domain.Mail) (string, error) {
	random, err := c.random(16)
	if err != nil {
		return "", err
	}
	if slices.Contains(approvalKinds, m.Kind) && m.Token == "" {
		return "", fmt.Errorf("compose %s: %w: an approval mail needs its token", m.Kind, domain.ErrInvalid)
	}
	if m.Token != "" {
		if !validToken(m.Token) {
			return "", fmt.Errorf("compose %s: %w: token %q", m.Kind, domain.ErrInvalid, m.Token)
		}
		random = m.Token
	}
	var ticketID int64
	if m.Ticket != nil {
		ticketID = m.Ticket.ID
	}
	return fmt.Sprintf("tkt-%d.%s.%s@%s", ticketID, m.Kind, random, c.domain), nil
}

// validToken accepts what may stand in a Message-ID's left part.
func validToken(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// nextStep tells a requester what happens to their ticket now.
func nextStep(t *domain.Ticket, l *i18n.Localizer) string {
	switch t.Status {
	case domain.StatusAwaitingApproval:
		return l.T("mail.next.awaiting_approval")
	case domain.StatusUnassigned:
		return l.T("mail.next.unassigned")
	case domain.StatusAssigned:
		if t.Assignee != "" {
			return l.T("mail.next.assigned_to", "assignee", t.Assignee)
		}
		return l.T("mail.next.assigned")
	case domain.StatusResolved, domain.StatusClosed, domain.StatusRejected:
		return l.T("mail.next.done", "status", strings.ToLower(l.T("status."+string(t.Status))))
	}
	return l.T("mail.next.triage")
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func (c *Composer) random(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(c.cfg.Rand, b); err != nil {
		return "", fmt.Errorf("compose: random: %w", err)
	}
	return strings.ToLower(idEncoding.EncodeToString(b)), nil
}

// oneLine makes s safe for a header: every control character (CR and LF
// above all, which would start a new header) and run of spaces becomes one
// space.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

// validMsgID accepts a Message-ID without angle brackets: printable ASCII,
// no spaces or brackets, one @.
func validMsgID(id string) bool {
	if id == "" || strings.Count(id, "@") != 1 {
		return false
	}
	for _, r := range id {
		if r <= ' ' || r > '~' || r == '<' || r == '>' {
			return false
		}
	}
	return true
}

// crlf turns template output's line ends into CRLF, as SMTP wants.
func crlf(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}
