package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"ticketgate/adminui"
	"ticketgate/domain"
	"ticketgate/domain/mailauth"
	"ticketgate/inbox"
	"ticketgate/storage"
)

// intakePolicy is the intake rules of the configuration.
func intakePolicy(c *Config) domain.IntakePolicy {
	return domain.IntakePolicy{HelpdeskAddress: c.HelpdeskAddress, AllowedDomains: c.AllowedSenderDomains}
}

// mailIn is what serve runs to take mail in: one IMAP poller per mailbox
// (IMAP_URL's, and each enabled mailbox of the table with an IMAP URL,
// kept in step with the table while serve runs: mailin_reload.go) and
// the SMTP/LMTP receivers that the configuration asks for.
type mailIn struct {
	pollers   []*inbox.Poller // IMAP_URL's
	table     *tablePollers
	listeners []*inbox.Listener
	stopped   []atomic.Bool // per listener: its Run returned
	// secrets read the table's mailboxes' secrets (Connect uses them too);
	// wakers wake their pollers once an admin connected them again.
	secrets mailboxSecrets
	wakers  wakers
}

// newMailIn builds the intake and binds the receivers' addresses, so a bad
// address stops serve before anything runs. The pollers of the table are
// started by run.
func newMailIn(ctx context.Context, c *Config, lookupEnv func(string) (string, bool), st *storage.Store, desk *domain.Desk,
	reg prometheus.Registerer, log *slog.Logger) (*mailIn, error) {
	m, err := inbox.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	if err := reg.Register(mailboxStates{st: st, log: log}); err != nil {
		return nil, err
	}
	mi := &mailIn{}
	boxes, err := st.ListMailboxes(ctx)
	if err != nil {
		return nil, err
	}
	tlsCfg, tlsErr := mailTLS(c)
	if tlsErr != nil && (c.IMAPURL != "" || slices.ContainsFunc(boxes, func(m domain.Mailbox) bool { return m.Enabled && m.IMAPURL != "" })) {
		return nil, tlsErr
	}
	base := inbox.IMAPConfig{TLS: tlsCfg, DoneMailbox: c.IMAPDoneMailbox, QuarantineMailbox: c.IMAPQuarantineMailbox,
		PollInterval: c.IMAPPollInterval, MaxMessageBytes: c.MaxMessageBytes, BatchSize: c.IMAPBatchSize}
	imapLog := log.With(slog.String("component", "imap"))
	if c.IMAPURL != "" {
		cfg := base
		cfg.URL, cfg.Name = c.IMAPURL, c.HelpdeskAddress
		p, err := inbox.NewPoller(cfg, desk, desk, st, parseMail, m, imapLog)
		if err != nil {
			return nil, err
		}
		mi.pollers = append(mi.pollers, p)
	}
	secrets := mailboxSecrets{lookupEnv: lookupEnv, baseURL: c.BaseURL, microsoftLogin: c.MicrosoftLoginURL}
	if c.SecretKey != "" {
		if secrets.sealer, err = mailauth.NewSealer([]byte(c.SecretKey)); err != nil {
			return nil, fmt.Errorf("SECRET_KEY: %v", err)
		}
	}
	mi.secrets = secrets
	// The table's pollers start with the intake (run): its first reconcile.
	mi.table = &tablePollers{st: st, desk: desk, secrets: secrets, wakers: &mi.wakers, metrics: m, log: imapLog,
		base: base, baseErr: tlsErr, fixed: mi.pollers, running: map[string]*tablePoller{}}
	// The Desk's copy of the mailboxes (routing, senders) follows too.
	mi.table.onChange(func(context.Context, []domain.Mailbox) { desk.InvalidateMailboxes() })
	// One bound for both receivers: what it protects is this process.
	sessions := inbox.NewSessionLimit(c.SMTPMaxSessions)
	for _, l := range []struct {
		addr, name string
		lmtp       bool
	}{{c.SMTPListen, "SMTP_LISTEN", false}, {c.LMTPListen, "LMTP_LISTEN", true}} {
		if l.addr == "off" || l.addr == "" {
			continue
		}
		ln := inbox.NewListener(inbox.ListenerConfig{Addr: l.addr, LMTP: l.lmtp, Policy: intakePolicy(c), Mailboxes: desk,
			MaxMessageBytes: c.MaxMessageBytes, Domain: domain.EmailDomain(c.HelpdeskAddress),
			Sessions: sessions, MaxCommands: c.SMTPMaxCommands},
			desk, parseMail, m, log.With(slog.String("component", map[bool]string{false: "smtp", true: "lmtp"}[l.lmtp])))
		if err := ln.Listen(); err != nil {
			return nil, fmt.Errorf("%s: %v", l.name, err)
		}
		mi.listeners = append(mi.listeners, ln)
	}
	mi.stopped = make([]atomic.Bool, len(mi.listeners))
	return mi, nil
}

// describe says, for people, where mail comes in.
func (mi *mailIn) describe(c *Config) []string {
	var out []string
	for _, p := range append(slices.Clone(mi.pollers), mi.table.polling()...) {
		out = append(out, fmt.Sprintf("polling IMAP mailbox %s (%s)", p.Mailbox(), p.Name()))
	}
	out = append(out, mi.table.notPolled()...)
	for _, l := range mi.listeners {
		proto := "SMTP"
		if l.LMTP() {
			proto = "LMTP"
		}
		out = append(out, fmt.Sprintf("receiving %s on %s for %s and the enabled mailboxes", proto, l.Addr(), c.HelpdeskAddress))
	}
	return out
}

// run starts every part and returns a function that waits for them after
// ctx ends. A part that panics is logged with its stack; the others go on.
// The table's pollers start before it returns (a first reconcile), and
// follow the table until ctx ends.
func (mi *mailIn) run(ctx context.Context, log *slog.Logger) (wait func()) {
	var wg sync.WaitGroup
	start := func(name string, run func(context.Context) error) {
		wg.Go(func() { supervise(ctx, log, name, run) })
	}
	for _, p := range mi.pollers {
		start("imap "+p.Name(), p.Run)
	}
	mi.table.check(ctx)
	start("mailboxes", func(ctx context.Context) error {
		mi.table.run(ctx, mailboxesCheckEvery)
		return nil
	})
	for i, l := range mi.listeners {
		start("receiver", func(ctx context.Context) error {
			defer mi.stopped[i].Store(true)
			return l.Run(ctx)
		})
	}
	return wg.Wait
}

// MailInState is the intake's state for the admins' dashboard
// (adminui.MailIn).
func (mi *mailIn) MailInState() adminui.MailInState {
	var s adminui.MailInState
	for _, poller := range append(slices.Clone(mi.pollers), mi.table.polling()...) {
		p := poller.State()
		s.IMAP = append(s.IMAP, adminui.IMAPState{Name: p.Name, Mailbox: p.Mailbox, Polling: p.Polling, Connected: p.Connected,
			LastSuccess: p.LastSuccess, LastErrorAt: p.LastErrorAt, LastError: p.LastError, Backlog: p.Backlog,
			NeedsReauthorization: p.NeedsReauthorization})
	}
	for i, l := range mi.listeners {
		proto := "SMTP"
		if l.LMTP() {
			proto = "LMTP"
		}
		s.Receivers = append(s.Receivers, adminui.ReceiverState{Protocol: proto, Addr: l.Addr().String(),
			Listening: !mi.stopped[i].Load()})
	}
	return s
}

// releaseInFlight forgets the mails this process holds in flight, at a
// graceful end (on its own deadline: the command's context is over).
func releaseInFlight(d *domain.Desk) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return d.ReleaseInFlight(ctx)
}
