package inbox

import (
	"github.com/prometheus/client_golang/prometheus"

	"ticketgate/domain"
)

// Metrics are mail intake's Prometheus metrics. A nil *Metrics records
// nothing.
type Metrics struct {
	mails       *prometheus.CounterVec
	connected   prometheus.Gauge
	polling     prometheus.Gauge
	lastSuccess prometheus.Gauge
	lastError   prometheus.Gauge
	backlog     prometheus.Gauge
	reauth      prometheus.Gauge
}

// NewMetrics registers intake's metrics on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		mails: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketgate_mails_received_total",
			Help: "Mails taken in, by channel and outcome (ticket, comment, logged, duplicate, quarantined)."}, []string{"channel", "outcome"}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ticketgate_imap_connected",
			Help: "1 while the IMAP poller is connected and logged in."}),
		polling: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ticketgate_imap_polling",
			Help: "1 while this instance holds the mailbox's lock and polls it."}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ticketgate_imap_last_success_timestamp_seconds",
			Help: "When the IMAP poller last checked the mailbox successfully."}),
		lastError: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ticketgate_imap_last_error_timestamp_seconds",
			Help: "When the IMAP poller last failed."}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ticketgate_imap_backlog",
			Help: "Mails found in the mailbox and not committed yet."}),
		reauth: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ticketgate_imap_needs_reauthorization",
			Help: "1 while the OAuth2 provider refuses the mailbox's grant: an admin must connect it again."}),
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

func (m *Metrics) pollerState(s PollerState) {
	if m == nil {
		return
	}
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	m.connected.Set(b(s.Connected))
	m.polling.Set(b(s.Polling))
	if !s.LastSuccess.IsZero() {
		m.lastSuccess.Set(float64(s.LastSuccess.Unix()))
	}
	if !s.LastErrorAt.IsZero() {
		m.lastError.Set(float64(s.LastErrorAt.Unix()))
	}
	m.backlog.Set(float64(s.Backlog))
	m.reauth.Set(b(s.NeedsReauthorization))
}
