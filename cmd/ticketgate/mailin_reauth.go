package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"ticketgate/domain"
	"ticketgate/domain/mailauth"
)

// This file is what serve does beyond the poller when a mailbox of the
// table must be connected again: one mail to the admins, and the state of
// every mailbox in /metrics.

// reauthNotifier wraps a poller's Report (after it, the state is written):
// when the mailbox's provider refused the grant (invalid_grant,
// invalid_client), every admin gets one mail saying which mailbox, why
// and where to reconnect it. Desk.NotifyMailboxReauthorization sends it
// once per entry into the state, whichever instance and however often the
// poller reports it. A delegated grant that was never connected sends
// nothing: it waits for an admin who is setting it up.
func reauthNotifier(desk *domain.Desk, id int64, address string, report func(error), log *slog.Logger) func(error) {
	return func(err error) {
		report(err)
		if !errors.Is(err, mailauth.ErrNeedsReauthorization) || errors.Is(err, mailauth.ErrNoToken) {
			return
		}
		// On its own deadline: the report may come as serve stops.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, nerr := desk.NotifyMailboxReauthorization(ctx, id, address, err.Error(), mailboxAdvice(err, true)); nerr != nil {
			log.Warn("admins not told that a mailbox must be connected again; told at its next change of state",
				slog.String("mailbox", address), slog.Any("error", nerr))
		}
	}
}

// mailboxStates is /metrics' ticketgate_mailbox_state: for each enabled
// mailbox of the table, one series per state, 1 for the state it is in and
// 0 for the others. It is read from the database at each scrape, so every
// instance shows the same, the one polling the mailbox or not.
type mailboxStates struct {
	st  domain.MailboxStore
	log *slog.Logger
}

var mailboxStateDesc = prometheus.NewDesc("ticketgate_mailbox_state",
	"State of each enabled mailbox of the table (new, ok, needs_reauthorization, error): 1 for the state it is in, 0 for the others.",
	[]string{"mailbox", "state"}, nil)

// mailboxStatuses are the states ticketgate_mailbox_state has a series of.
var mailboxStatuses = []domain.MailboxStatus{domain.MailboxNew, domain.MailboxOK, domain.MailboxNeedsReauthorization, domain.MailboxError}

// Describe implements prometheus.Collector.
func (c mailboxStates) Describe(ch chan<- *prometheus.Desc) { ch <- mailboxStateDesc }

// Collect implements prometheus.Collector. When the database does not
// answer, the series are left out of this scrape (and a warning logged).
func (c mailboxStates) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	boxes, err := c.st.ListMailboxes(ctx)
	if err != nil {
		c.log.Warn("metrics: mailbox states not read", slog.Any("error", err))
		return
	}
	for _, m := range boxes {
		if !m.Enabled {
			continue
		}
		for _, s := range mailboxStatuses {
			v := 0.0
			if m.State == s {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(mailboxStateDesc, prometheus.GaugeValue, v, m.Address, string(s))
		}
	}
}
