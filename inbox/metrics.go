package inbox

import (
	"github.com/prometheus/client_golang/prometheus"

	"ticketgate/domain"
)

// Metrics are mail intake's Prometheus metrics. A nil *Metrics records
// nothing.
type Metrics struct {
	mails *prometheus.CounterVec
	// The pollers' gauges, labelled by mailbox (IMAPConfig.Name).
	connected   *prometheus.GaugeVec
	polling     *prometheus.GaugeVec
	lastSuccess *prometheus.GaugeVec
	lastError   *prometheus.GaugeVec
	backlog     *prometheus.GaugeVec
	reauth      *prometheus.GaugeVec
}

// mailboxLabel labels the pollers' gauges: one series per mailbox.
var mailboxLabel = []string{"mailbox"}

// NewMetrics registers intake's metrics on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		mails: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketgate_mails_received_total",
			Help: "Mails taken in, by channel and outcome (ticket, comment, logged, duplicate, quarantined)."}, []string{"channel", "outcome"}),
		connected: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ticketgate_imap_connected",
			Help: "1 while the IMAP poller is connected and logged in."}, mailboxLabel),
		polling: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ticketgate_imap_polling",
			Help: "1 while this instance holds the mailbox's lock and polls it."}, mailboxLabel),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ticketgate_imap_last_success_timestamp_seconds",
			Help: "When the IMAP poller last checked the mailbox successfully."}, mailboxLabel),
		lastError: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ticketgate_imap_last_error_timestamp_seconds",
			Help: "When the IMAP poller last failed."}, mailboxLabel),
		backlog: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ticketgate_imap_backlog",
			Help: "Mails found in the mailbox and not committed yet."}, mailboxLabel),
		reauth: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ticketgate_imap_needs_reauthorization",
			Help: "1 while the OAuth2 provider refuses the mailbox's grant: an admin must connect it again."}, mailboxLabel),
	}
	for _, c := range []prometheus.Collector{m.mails, m.connected, m.polling, m.lastSuccess, m.lastError, m.backlog, m.reauth} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) received(channel string, kind domain.OutcomeKind) {
	if m != nil {
		m.mails.WithLabelValues(channel, string(kind)).Inc()
	}
}

func (m *Metrics) pollerState(mailbox string, s PollerState) {
	if m == nil {
		return
	}
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	m.connected.WithLabelValues(mailbox).Set(b(s.Connected))
	m.polling.WithLabelValues(mailbox).Set(b(s.Polling))
	if !s.LastSuccess.IsZero() {
		m.lastSuccess.WithLabelValues(mailbox).Set(float64(s.LastSuccess.Unix()))
	}
	if !s.LastErrorAt.IsZero() {
		m.lastError.WithLabelValues(mailbox).Set(float64(s.LastErrorAt.Unix()))
	}
	m.backlog.WithLabelValues(mailbox).Set(float64(s.Backlog))
	m.reauth.WithLabelValues(mailbox).Set(b(s.NeedsReauthorization))
}

// Forget removes the pollers' series of mailbox, once its poller has
// stopped for good (its mailbox disabled or deleted while serve runs), so
// that /metrics no longer shows it. A poller that starts again for it
// sets them anew.
func (m *Metrics) Forget(mailbox string) {
	if m == nil {
		return
	}
	for _, g := range []*prometheus.GaugeVec{m.connected, m.polling, m.lastSuccess, m.lastError, m.backlog, m.reauth} {
		g.DeleteLabelValues(mailbox)
	}
}
