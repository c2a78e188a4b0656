package inbox

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"ticketgate/storage/storagetest"
)

// reports records what a poller reports.
type reports struct {
	mu   sync.Mutex
	errs []error
}

func (r *reports) report(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *reports) get() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

// TestPollerReportsByMailbox: two pollers of one process, one with a
// wrong password: each reports its own health (the failure once, however
// often it repeats; the success once), and the gauges carry each one's
// name as their mailbox label.
func TestPollerReportsByMailbox(t *testing.T) {
	s := newMemServer(t, true)
	in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	var good, bad reports
	bs := *s
	bs.pass, bs.mailbox = "wrong", "INBOX" // another key: pollers of one key take turns
	badP := startPollerWith(t, in, IMAPConfig{URL: bs.url("plain"), Name: "wrong@company.test", Report: bad.report}, m, storagetest.Logger(t)).p
	goodP := startPollerWith(t, in, IMAPConfig{URL: s.url("plain"), Name: "help@company.test", Report: good.report}, m, storagetest.Logger(t)).p
	eventually(t, "a login error", func() bool { return len(bad.get()) == 1 })
	first := badP.State().LastErrorAt
	eventually(t, "a second failed attempt", func() bool { return badP.State().LastErrorAt.After(first) })
	if errs := bad.get(); len(errs) != 1 || errs[0] == nil || !strings.Contains(errs[0].Error(), "log in to "+s.addr) {
		t.Errorf("the wrong password's reports: %v, want one login error", errs)
	}
	eventually(t, "help@ connected", func() bool { return goodP.State().Connected })
	s.appendMail(t, s.mailbox, rawMail("r1@x.test", "ann@company.test", "Report"))
	eventually(t, "a ticket", func() bool { return len(in.tickets(t)) == 1 })
	if errs := good.get(); len(errs) != 1 || errs[0] != nil {
		t.Errorf("help@'s reports: %v, want one success", errs)
	}
	if goodP.Name() != "help@company.test" || goodP.State().Name != "help@company.test" || goodP.Mailbox() == goodP.Name() {
		t.Errorf("name %q, state name %q, key %q", goodP.Name(), goodP.State().Name, goodP.Mailbox())
	}
	for name, want := range map[string]float64{"help@company.test": 1, "wrong@company.test": 0} {
		var g dto.Metric
		if err := m.connected.WithLabelValues(name).Write(&g); err != nil || g.GetGauge().GetValue() != want {
			t.Errorf(`ticketgate_imap_connected{mailbox=%q} = %v (%v), want %v`, name, g.GetGauge().GetValue(), err, want)
		}
	}
}
