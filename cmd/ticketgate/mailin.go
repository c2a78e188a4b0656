package main

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"ticketgate/adminui"
	"ticketgate/domain"
	"ticketgate/inbox"
	"ticketgate/storage"
)

// intakePolicy is the intake rules of the configuration.
func intakePolicy(c *Config) domain.IntakePolicy {
	return domain.IntakePolicy{HelpdeskAddress: c.HelpdeskAddress, AllowedDomains: c.AllowedSenderDomains}
}

// mailIn is what serve runs to take mail in: the IMAP poller and the
// SMTP/LMTP receivers that the configuration asks for.
type mailIn struct {
	poller    *inbox.Poller
	listeners []*inbox.Listener
	stopped   []atomic.Bool // per listener: its Run returned
}

// newMailIn builds the intake and binds the receivers' addresses, so a bad
// address stops serve before anything runs.
func newMailIn(c *Config, st *storage.Store, desk *domain.Desk, reg prometheus.Registerer, log *slog.Logger) (*mailIn, error) {
	m, err := inbox.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	mi := &mailIn{}
	if c.IMAPURL != "" {
		tlsCfg, err := mailTLS(c)
		if err != nil {
			return nil, err
		}
		mi.poller, err = inbox.NewPoller(inbox.IMAPConfig{
			URL: c.IMAPURL, TLS: tlsCfg, DoneMailbox: c.IMAPDoneMailbox, QuarantineMailbox: c.IMAPQuarantineMailbox,
			PollInterval: c.IMAPPollInterval, MaxMessageBytes: c.MaxMessageBytes, BatchSize: c.IMAPBatchSize,
		}, desk, desk, st, parseMail, m, log.With(slog.String("component", "imap")))
		if err != nil {
			return nil, err
		}
	}
	// One bound for both receivers: what it protects is this process.
	sessions := inbox.NewSessionLimit(c.SMTPMaxSessions)
	for _, l := range []struct {
		addr, name string
		lmtp       bool
	}{{c.SMTPListen, "SMTP_LISTEN", false}, {c.LMTPListen, "LMTP_LISTEN", true}} {
		if l.addr == "off" || l.addr == "" {
			continue
		}
		ln := inbox.NewListener(inbox.ListenerConfig{Addr: l.addr, LMTP: l.lmtp, Policy: intakePolicy(c),
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
	if mi.poller != nil {
		out = append(out, "polling IMAP mailbox "+mi.poller.Mailbox())
	}
	for _, l := range mi.listeners {
		proto := "SMTP"
		if l.LMTP() {
			proto = "LMTP"
		}
		out = append(out, fmt.Sprintf("receiving %s on %s for %s", proto, l.Addr(), c.HelpdeskAddress))
	}
	return out
}

// run starts every part and returns a function that waits for them after
// ctx ends. A part that panics is logged with its stack; the others go on.
func (mi *mailIn) run(ctx context.Context, log *slog.Logger) (wait func()) {
	var wg sync.WaitGroup
	start := func(name string, run func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					log.Error("worker panicked", slog.String("worker", name), slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				}
			}()
			if err := run(ctx); err != nil {
				log.Error("worker stopped", slog.String("worker", name), slog.Any("error", err))
			}
		}()
	}
	if mi.poller != nil {
		start("imap", mi.poller.Run)
	}
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
	if mi.poller != nil {
		p := mi.poller.State()
		s.IMAP = &adminui.IMAPState{Mailbox: p.Mailbox, Polling: p.Polling, Connected: p.Connected,
			LastSuccess: p.LastSuccess, LastErrorAt: p.LastErrorAt, LastError: p.LastError, Backlog: p.Backlog}
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
