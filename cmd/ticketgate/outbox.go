package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/emersion/go-message/mail"
	"github.com/prometheus/client_golang/prometheus"

	"ticketgate/domain"
	"ticketgate/domain/mailauth"
	"ticketgate/outbox"
	"ticketgate/storage"
)

// mailOption is the Desk's Composer, built from the configuration: every
// command's Desk renders mail the same way, and writes it queued when a
// relay is configured (relay), held otherwise.
func mailOption(c *Config, relay bool) (domain.Option, error) {
	comp, err := outbox.NewComposer(outbox.ComposerConfig{From: c.MailFrom, FromName: c.HelpdeskName,
		HelpdeskAddress: c.HelpdeskAddress, BaseURL: c.BaseURL, DefaultLanguage: c.DefaultLanguage, DefaultTimeZone: c.DefaultTimeZone})
	if err != nil {
		return nil, err
	}
	return domain.WithComposer(comp, relay), nil
}

// defaultRelayMailbox is the row of the mailboxes table that stands for
// SMTP_URL when SMTP_URL is not set: HELPDESK_ADDRESS's mailbox, enabled
// and with an smtp_url (a Microsoft 365 or Google mailbox has no password
// to put in SMTP_URL). nil when SMTP_URL is set or there is no such row.
func defaultRelayMailbox(ctx context.Context, c *Config, st domain.MailboxStore) (*domain.Mailbox, error) {
	if c.SMTPURL != "" {
		return nil, nil
	}
	m, err := st.GetMailboxByAddress(ctx, c.HelpdeskAddress)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case !m.Enabled || m.SMTPURL == "":
		return nil, nil
	}
	return m, nil
}

// startOutbox starts the outbox worker when there is a relay (SMTP_URL, or
// the smtp_url of HELPDESK_ADDRESS's row of the mailboxes table), after
// turning held mail back to queued, and returns a function that stops it
// and waits for it. Without a relay mail stays held and nothing runs.
//
// Each mailbox of the table sends its mail through its own relay when it
// has an smtp_url (mailboxSenders).
func startOutbox(ctx context.Context, c *Config, lookupEnv func(string) (string, bool), st *storage.Store, desk *domain.Desk,
	log *slog.Logger, reg prometheus.Registerer) (func(), error) {
	metrics, err := outbox.NewMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("outbox metrics: %w", err)
	}
	def, err := defaultRelayMailbox(ctx, c, st)
	if err != nil {
		return nil, err
	}
	if c.SMTPURL == "" && def == nil {
		log.Warn("SMTP_URL is not set: outgoing mail is held until serve runs with a relay")
		return func() {}, nil
	}
	outLog := log.With(slog.String("component", "outbox"))
	senders := &mailboxSenders{desk: desk, st: st, secrets: mailboxSecrets{lookupEnv: lookupEnv, baseURL: c.BaseURL, microsoftLogin: c.MicrosoftLoginURL},
		caFile: c.TLSCAFile, local: domain.EmailDomain(c.HelpdeskAddress), log: outLog}
	if c.SecretKey != "" {
		if senders.secrets.sealer, err = mailauth.NewSealer([]byte(c.SecretKey)); err != nil {
			return nil, fmt.Errorf("SECRET_KEY: %v", err)
		}
	}
	var relay *outbox.SMTP
	if def != nil {
		relay, err = senders.build(def)
	} else {
		relay, err = outbox.NewSMTP(outbox.SMTPConfig{URL: c.SMTPURL, CAFile: c.TLSCAFile,
			LocalName: domain.EmailDomain(c.HelpdeskAddress)})
	}
	if err != nil {
		return nil, err
	}
	senders.relay = relay
	n, err := desk.ReleaseHeldMail(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		log.Info("held mail queued", slog.Int("count", n))
	}
	w := outbox.NewWorker(outbox.WorkerConfig{Store: st, Transport: relay, From: c.MailFrom, Senders: senders,
		MaxAttempts: c.OutboxMaxAttempts, Log: outLog, Metrics: metrics})
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { supervise(ctx, log, "outbox", w.Run) })
	log.Info("sending mail", slog.String("relay", relay.String()))
	return func() { cancel(); wg.Wait() }, nil
}

func (a *app) cmdOutbox(args []string) error {
	if len(args) == 0 {
		return usagef("want list, show, retry or discard")
	}
	switch args[0] {
	case "list":
		return a.outboxList(args[1:])
	case "show":
		return a.outboxShow(args[1:])
	case "retry":
		return a.outboxRetry(args[1:])
	case "discard":
		return a.outboxDiscard(args[1:])
	}
	return usagef("unknown action %q: want list, show, retry or discard", args[0])
}

// outboxJSON is a mail as `outbox list --json` prints it (docs/design.md "JSON
// of the commands").
type outboxJSON struct {
	ID            int64   `json:"id"`
	Ticket        *string `json:"ticket"`
	Kind          string  `json:"kind"`
	To            string  `json:"to"`
	Subject       string  `json:"subject"`
	Status        string  `json:"status"`
	Attempts      int     `json:"attempts"`
	NextAttemptAt *string `json:"next_attempt_at"`
	LastError     *string `json:"last_error"`
	CreatedAt     string  `json:"created_at"`
	SentAt        *string `json:"sent_at"`
	// Mailbox is the mailbox the mail goes out from and through:
	// HELPDESK_ADDRESS for the default (as a ticket's mailbox).
	Mailbox string `json:"mailbox"`
}

// toOutboxJSON is m as the JSON prints it; helpdesk is HELPDESK_ADDRESS.
func toOutboxJSON(m *domain.OutboxMessage, helpdesk string) outboxJSON {
	j := outboxJSON{ID: m.ID, Kind: m.Kind, To: m.To, Subject: m.Subject, Status: string(m.Status),
		Attempts: m.Attempts, LastError: optString(m.LastError), CreatedAt: rfc3339(m.CreatedAt),
		Mailbox: cmp.Or(m.Mailbox, helpdesk)}
	if m.TicketID != 0 {
		j.Ticket = optString(domain.FormatRef(m.TicketID))
	}
	// A sent or dead mail has no next attempt.
	if m.Status == domain.OutboxQueued || m.Status == domain.OutboxHeld {
		j.NextAttemptAt = optString(rfc3339(m.NextAttemptAt))
	}
	if m.SentAt != nil {
		j.SentAt = optString(rfc3339(*m.SentAt))
	}
	return j
}

func parseOutboxStatus(s string) (domain.OutboxStatus, error) {
	for _, st := range []domain.OutboxStatus{domain.OutboxQueued, domain.OutboxHeld, domain.OutboxSent, domain.OutboxDead} {
		if s == string(st) {
			return st, nil
		}
	}
	return "", usagef("--status %q: want queued, held, sent or dead", s)
}

func (a *app) outboxList(args []string) error {
	f := a.newFlags("outbox list", "outbox list [--status S] [--limit N] [--json]")
	status := f.String("status", "", "only mail in this status: queued, held, sent or dead")
	limit := f.Int("limit", 0, "at most this many, newest first (0: all)")
	asJSON := f.Bool("json", false, "print a JSON array")
	f.markOwn()
	if _, err := f.parse(args); err != nil {
		return err
	}
	var st domain.OutboxStatus
	if *status != "" {
		var err error
		if st, err = parseOutboxStatus(*status); err != nil {
			return err
		}
	}
	if *limit < 0 {
		return usagef("--limit must not be negative")
	}
	e, err := a.open(f, nil)
	if err != nil {
		return err
	}
	defer e.Close()
	ms, err := e.d.Outbox(a.ctx, st, *limit)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]outboxJSON, len(ms))
		for i := range ms {
			out[i] = toOutboxJSON(&ms[i], e.c.HelpdeskAddress)
		}
		return writeJSON(a.stdout, out)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTICKET\tKIND\tSTATUS\tATTEMPTS\tCREATED\tTO\tLAST ERROR")
	for _, m := range ms {
		ref := "-"
		if m.TicketID != 0 {
			ref = domain.FormatRef(m.TicketID)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", m.ID, ref, m.Kind, m.Status, m.Attempts,
			m.CreatedAt.UTC().Format("2006-01-02 15:04"), m.To, orDash(cut(m.LastError, 60)))
	}
	return tw.Flush()
}

func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func parseOutboxID(pos []string) (int64, error) {
	if len(pos) != 1 {
		return 0, usagef("want one outbox id (see outbox list)")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("%q is not an outbox id", pos[0])
	}
	return id, nil
}

func (a *app) outboxShow(args []string) error {
	f := a.newFlags("outbox show", "outbox show ID")
	e, err := a.open(f, args)
	if err != nil {
		return err
	}
	defer e.Close()
	id, err := parseOutboxID(e.args)
	if err != nil {
		return err
	}
	m, err := e.d.OutboxMessage(a.ctx, id)
	if err != nil {
		return err
	}
	w := a.stdout
	ref := "-"
	if m.TicketID != 0 {
		ref = domain.FormatRef(m.TicketID)
	}
	fmt.Fprintf(w, "id:           %d\nticket:       %s\nkind:         %s\nto:           %s\nsubject:      %s\nmessage-id:   <%s>\nstatus:       %s\nattempts:     %d\ncreated:      %s\n",
		m.ID, ref, m.Kind, m.To, m.Subject, m.MessageID, m.Status, m.Attempts, rfc3339(m.CreatedAt))
	switch {
	case m.SentAt != nil:
		fmt.Fprintf(w, "sent:         %s\n", rfc3339(*m.SentAt))
	case m.Status == domain.OutboxQueued || m.Status == domain.OutboxHeld:
		fmt.Fprintf(w, "next attempt: %s\n", rfc3339(m.NextAttemptAt))
	}
	fmt.Fprintf(w, "last error:   %s\n", orDash(m.LastError))
	raw := strings.ReplaceAll(string(m.Raw), "\r\n", "\n")
	head, _, _ := strings.Cut(raw, "\n\n")
	if m.BodyDroppedAt != nil {
		// OUTBOX_RETENTION kept the headers alone.
		fmt.Fprintf(w, "body:         dropped %s after OUTBOX_RETENTION; the headers are kept\n\n%s\n", rfc3339(*m.BodyDroppedAt), strings.TrimRight(head, "\n"))
		return nil
	}
	fmt.Fprintln(w)
	text, err := textPart(m.Raw)
	if err != nil {
		// Not a message we can read: show it as it is.
		_, err = io.WriteString(w, raw)
		return err
	}
	fmt.Fprintf(w, "%s\n\n%s\n", head, strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n"))
	return nil
}

// textPart returns the decoded text/plain part of a message.
func textPart(raw []byte) (string, error) {
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		return "", err
	}
	for {
		p, err := r.NextPart()
		if err != nil {
			return "", err
		}
		h, ok := p.Header.(*mail.InlineHeader)
		if !ok {
			continue
		}
		if ct, _, _ := h.ContentType(); ct == "text/plain" {
			b, err := io.ReadAll(p.Body)
			return string(b), err
		}
	}
}

func (a *app) outboxRetry(args []string) error {
	f := a.newFlags("outbox retry", "outbox retry ID | outbox retry --dead")
	dead := f.Bool("dead", false, "retry every dead mail")
	f.markOwn()
	e, err := a.open(f, args)
	if err != nil {
		return err
	}
	defer e.Close()
	if *dead {
		if len(e.args) != 0 {
			return usagef("give an id or --dead, not both")
		}
		n, err := e.d.RetryDeadMail(a.ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%d dead mail(s) queued again\n", n)
		return nil
	}
	id, err := parseOutboxID(e.args)
	if err != nil {
		return err
	}
	if err := e.d.RetryMail(a.ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "mail %d queued again\n", id)
	return nil
}

func (a *app) outboxDiscard(args []string) error {
	f := a.newFlags("outbox discard", "outbox discard ID")
	e, err := a.open(f, args)
	if err != nil {
		return err
	}
	defer e.Close()
	id, err := parseOutboxID(e.args)
	if err != nil {
		return err
	}
	if err := e.d.DiscardMail(a.ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "mail %d discarded\n", id)
	return nil
}
