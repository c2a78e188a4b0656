package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"ticketgate/cmd/internal/benchmail"
)

// TestBenchSmall runs the bench command end to end at a tiny size (200
// tickets through serve's SMTP receiver, SQLite, a fraction of a second
// per page), so that it cannot rot: every page answers 2xx to its signed-in
// user, every mail is processed, the report has its rows. It asserts no
// speed: the figures are the command's output, not a test's.
func TestBenchSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs serve")
	}
	if benchmail.Dataset() == "" {
		t.Skip("the shared data set is not there")
	}
	o, err := parseBench([]string{"--tickets", "200", "--senders", "50", "--duration", "300ms", "--serial", "100ms",
		"--conns", "4", "--intake", "smtp", "--dir", t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r, err := runBench(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if in := r.state.Intake; in == nil || in.Channel != "smtp" || in.Mails != 180 || in.CPU <= 0 || in.LatencyMax <= 0 {
		t.Errorf("intake figures = %+v, want 180 mails over smtp, CPU and latency measured", in)
	}
	if len(r.pages) != 11 {
		t.Fatalf("%d pages measured, want 11", len(r.pages))
	}
	for _, p := range r.pages {
		for _, l := range []loadResult{p.serial, p.load} {
			if l.requests == 0 || l.errors > 0 {
				t.Errorf("%s: %d requests, %d errors (%s)", p.name, l.requests, l.errors, l.firstErr)
			}
		}
	}
	rows := map[string]int64{}
	for _, s := range r.sizes {
		rows[s.Name] = s.Rows
	}
	// 20 tickets of history, 180 mails, 15 single mails.
	if rows["tickets"] != 215 || rows["outbox"] == 0 || rows["events"] < 215 {
		t.Errorf("rows: %v, want 215 tickets with events and mail", rows)
	}
	if r.peak <= 0 || r.dbSize <= 0 {
		t.Errorf("peak RSS %d, database size %d", r.peak, r.dbSize)
	}
	var out bytes.Buffer
	printReport(&out, o, r)
	for _, want := range []string{"| intake, mails fully processed per second", "| 4 connections: search \"printer\"",
		"| database size after the run", "| tickets | 215 |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}
