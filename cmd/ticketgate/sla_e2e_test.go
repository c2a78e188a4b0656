package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ticketgate/storage/storagetest"
)

// TestEndToEndSLAEscalation: the real binary, two serve instances on one
// PostgreSQL database, Dovecot and Mailpit. Network runs on a calendar
// open round the clock with a resolution target of 2 business minutes,
// at risk at 50 %. Without moving any clock (serve has no hook for it),
// the jobs (every minute in each instance) mail carol, the assignee, one
// "SLA at risk" mail between minute 1 and 2 and one "SLA breached" mail
// after minute 2, the lead (escalation contact) one "SLA breached" mail;
// the history records both; after one instance is restarted and a
// further job period of both has passed, no mail is sent again.
func TestEndToEndSLAEscalation(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and waits for minutes")
	}
	db := storagetest.DB{Name: "postgres", URL: storagetest.PostgresSchema(t)}
	e := newE2E(t, db)
	lead, carol := e.addr("lead"), e.addr("carol")
	setup := `{"calendars": [{"name": "Always", "time_zone": "UTC", "default": true, "hours": {
  "mon": "00:00-24:00", "tue": "00:00-24:00", "wed": "00:00-24:00", "thu": "00:00-24:00", "fri": "00:00-24:00",
  "sat": "00:00-24:00", "sun": "00:00-24:00"}}],
 "categories": [{"name": "Network", "description": "VPN, wifi and network access problems", "keywords": ["vpn", "wifi", "network"],
   "calendar": "Always", "sla": {"resolution_minutes": 2, "at_risk_percent": 50, "escalation_contacts": ["` + lead + `"]}}]}`
	file := filepath.Join(t.TempDir(), "sla.json")
	if err := os.WriteFile(file, []byte(setup), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCLI(t, map[string]string{"DATABASE_URL": db.URL}, "", "setup", "apply", file); code != 0 {
		t.Fatalf("setup apply: %s", errOut)
	}
	a := startServe(t, e.bin, e.env)
	b := startServe(t, e.bin, e.env)
	defer func() { b.cmd.Process.Signal(os.Interrupt); b.cmd.Wait() }()

	e.deliver("From: Ann <" + e.addr("ann") + ">\r\nTo: help@company.test\r\nSubject: VPN drops every hour\r\nMessage-Id: <vpnsla-" + e.tok + "@company.test>\r\n\r\nThe VPN drops every hour.\r\n")
	ref := e.firstTicket("VPN drops every hour")
	show := e.waitStatus(ref, "assigned")
	if show["assignee"] != carol || show["sla_resolution_due_at"] == nil {
		t.Fatalf("the ticket: %v, due %v", show["assignee"], show["sla_resolution_due_at"])
	}
	// The clock of the targets starts when the ticket came in: two minutes
	// before its resolution is due. Waiting for "assigned" took a while
	// after that, so time.Now() here would be late by a few seconds.
	due, err := time.Parse(time.RFC3339Nano, show["sla_resolution_due_at"].(string))
	if err != nil {
		t.Fatalf("sla_resolution_due_at: %v", err)
	}
	received := due.Add(-2 * time.Minute)
	count := func(addr, kind string) int {
		n := 0
		for _, m := range e.ms.search(t, "to:"+addr, 0) {
			if strings.Contains(m.Subject, kind) && strings.Contains(m.Subject, ref) {
				n++
			}
		}
		return n
	}
	wait := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(4 * time.Minute)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(time.Second)
		}
	}
	wait("the at-risk mail", func() bool { return count(carol, "SLA at risk") > 0 })
	atRisk := time.Since(received)
	wait("the breached mails", func() bool { return count(carol, "SLA breached") > 0 && count(lead, "SLA breached") > 0 })
	breached := time.Since(received)
	t.Logf("at risk mailed %v and breached %v after the ticket came in", atRisk.Round(time.Second), breached.Round(time.Second))
	if atRisk < 55*time.Second || breached < 115*time.Second {
		t.Errorf("mailed too early: at risk after %v, breached after %v", atRisk, breached)
	}

	// One instance restarts; both run their jobs again at least once.
	a.cmd.Process.Signal(os.Interrupt)
	a.cmd.Wait()
	a = startServe(t, e.bin, e.env)
	defer func() { a.cmd.Process.Signal(os.Interrupt); a.cmd.Wait() }()
	time.Sleep(jobsPeriod + 10*time.Second)
	for _, c := range []struct {
		addr, kind string
		want       int
	}{{carol, "SLA at risk", 1}, {carol, "SLA breached", 1}, {lead, "SLA breached", 1}, {lead, "SLA at risk", 0}} {
		if n := count(c.addr, c.kind); n != c.want {
			t.Errorf("%d mails %q to %s, want %d", n, c.kind, c.addr, c.want)
		}
	}
	show = e.show(ref)
	if show["sla_state"] != "breached" {
		t.Errorf("sla_state = %v, want breached", show["sla_state"])
	}
	kinds := map[string]int{}
	for _, ev := range show["events"].([]any) {
		kinds[ev.(map[string]any)["kind"].(string)]++
	}
	if kinds["sla_at_risk"] != 1 || kinds["sla_breached"] != 1 {
		t.Errorf("events: %v, want one sla_at_risk and one sla_breached", kinds)
	}
}
