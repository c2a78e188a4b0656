package outbox

import (
	"github.com/prometheus/client_golang/prometheus"

	"ticketgate/domain"
)

// Metrics are the outbox's series on /metrics. A nil *Metrics records
// nothing.
type Metrics struct {
	sentTotal   prometheus.Counter
	failedTotal *prometheus.CounterVec
	queued      prometheus.Gauge
	held        prometheus.Gauge
	dead        prometheus.Gauge
}

// NewMetrics registers the outbox series on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		sentTotal: prometheus.NewCounter(prometheus.CounterOpts{Name: "ticketgate_outbox_sent_total",
			Help: "Mails accepted by the relay."}),
		failedTotal: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ticketgate_outbox_failed_total",
			Help: "Failed send attempts, by kind of error (temporary: retried; permanent: dead at once)."}, []string{"error"}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ticketgate_outbox_queued",
			Help: "Mails waiting to be sent."}),
		held: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ticketgate_outbox_held",
			Help: "Mails kept because no relay (SMTP_URL) is configured."}),
		dead: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ticketgate_outbox_dead",
			Help: "Mails given up on; see `ticketgate outbox list --status dead`."}),
	}
	for _, c := range []prometheus.Collector{m.sentTotal, m.failedTotal, m.queued, m.held, m.dead} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	m.failedTotal.WithLabelValues("temporary")
	m.failedTotal.WithLabelValues("permanent")
	return m, nil
}

func (m *Metrics) sent() {
	if m != nil {
		m.sentTotal.Inc()
	}
}

func (m *Metrics) failed(permanent bool) {
	if m == nil {
		return
	}
	kind := "temporary"
	if permanent {
		kind = "permanent"
	}
	m.failedTotal.WithLabelValues(kind).Inc()
}

func (m *Metrics) counts(c map[domain.OutboxStatus]int) {
	if m == nil {
		return
	}
	m.queued.Set(float64(c[domain.OutboxQueued]))
	m.held.Set(float64(c[domain.OutboxHeld]))
	m.dead.Set(float64(c[domain.OutboxDead]))
}
