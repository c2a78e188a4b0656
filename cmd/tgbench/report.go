package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// mark is ✓ when a figure meets its target, ✗ when not.
func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

// printReport prints the run's figures as one Markdown table, the way
// docs/performance.md keeps them, then where the database's bytes are.
func printReport(w io.Writer, o *benchOpts, r *benchResult) {
	st, machine, pages, peak, dbSize, sizes := r.state, r.machine, r.pages, r.peak, r.dbSize, r.sizes
	engine := map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[o.db]
	how := "through mail"
	if st.Intake != nil {
		how = fmt.Sprintf("through mail (%s), after %d tickets of history written through the storage layer", st.Intake.Channel, st.Tickets-st.Intake.Mails)
	}
	if st.Direct {
		how = "DIRECTLY THROUGH THE STORAGE LAYER (no intake figures)"
	}
	fmt.Fprintf(w, "\n### %s, %s tickets, seeded %s\n\n", engine, thousands(int64(st.Tickets)), how)
	fmt.Fprintf(w, "Measured %s on %s; %d connections for %v per page, one at a time for %v.\n\n",
		time.Now().UTC().Format("2006-01-02"), machine, o.conns, o.duration, o.serial)
	fmt.Fprintf(w, "| figure | %s | target | |\n|---|---|---|---|\n", engine)
	row := func(fig, val, target string, ok bool) {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", fig, val, target, mark(ok))
	}
	if in := st.Intake; in != nil {
		rate := float64(in.Mails) / in.Elapsed.Seconds()
		want := 2000.0
		if o.db == "postgres" {
			want = 1000
		}
		row("intake, mails fully processed per second (ticket, events, classification, mails queued)",
			fmt.Sprintf("%.0f (%d mails in %.1f s)", rate, in.Mails, in.Elapsed.Seconds()), fmt.Sprintf("≥ %.0f", want), rate >= want)
		cpu := ms(in.CPU) / float64(in.Mails)
		row("CPU per mail in `serve`", fmt.Sprintf("%.2f ms", cpu), "≤ 0.5 ms", cpu <= 0.5)
		what := "APPEND → ticket classified"
		if in.Channel == "smtp" {
			what = "SMTP send → ticket classified"
		}
		row(what+", median / max of 15", fmt.Sprintf("%.2f / %.2f s", in.LatencyMed.Seconds(), in.LatencyMax.Seconds()), "≤ 0.6 / 1 s",
			in.LatencyMed <= 600*time.Millisecond && in.LatencyMax <= time.Second)
		row("peak RSS during intake", mb(in.PeakRSS), "≤ 80 MB", in.PeakRSS <= 80<<20)
	}
	var floor time.Duration
	for _, p := range pages {
		if p.as == "" {
			floor = p.load.p99
			fmt.Fprintf(w, "| %d connections: `/healthz`, requests/s, p99 (the floor) | %.0f/s, %.1f ms | | |\n", o.conns, p.load.rate(), ms(p.load.p99))
		}
	}
	for _, p := range pages {
		if p.maxMS == 0 {
			continue
		}
		med := p.maxMS
		row("one request at a time (median): "+p.name, fmt.Sprintf("%.1f ms", ms(p.serial.p50)), fmt.Sprintf("≤ %.0f ms", med),
			ms(p.serial.p50) <= med && p.serial.errors == 0)
	}
	for _, p := range pages {
		if p.as == "" {
			continue
		}
		val := fmt.Sprintf("%.0f/s, p50 %.1f ms, p99 %.1f ms", p.load.rate(), ms(p.load.p50), ms(p.load.p99))
		if n := p.load.errors + p.serial.errors; n > 0 {
			val += fmt.Sprintf(", **%d errors**", n)
		}
		row(fmt.Sprintf("%d connections: %s", o.conns, p.name), val,
			fmt.Sprintf("≥ %s/s; p99 ≤ %.0f ms (3 × /healthz)", thousands(int64(p.minRate)), 3*ms(floor)),
			p.load.rate() >= p.minRate && p.load.p99 <= 3*floor && p.load.errors+p.serial.errors == 0)
	}
	row("peak RSS of `serve` (whole run)", mb(peak), "≤ 80 MB", peak <= 80<<20)
	limit := int64(150<<20) * int64(st.Tickets) / 100000
	sizeHow := "file + WAL"
	if o.db == "postgres" {
		sizeHow = "pg_database_size"
	}
	row(fmt.Sprintf("database size after the run (%s)", sizeHow), mb(dbSize), fmt.Sprintf("≤ %s (150 MB per 100,000 tickets)", mb(limit)), dbSize <= limit)

	fmt.Fprintf(w, "\nWhere the bytes are (%s):\n\n| table | rows | table | indexes | bytes per row |\n|---|---|---|---|---|\n",
		map[string]string{"sqlite": "dbstat: pages in use", "postgres": "pg_table_size with TOAST, pg_indexes_size"}[o.db])
	var total int64
	for _, s := range sizes {
		total += s.Table + s.Indexes
		per := "–"
		if s.Rows > 0 {
			per = fmt.Sprintf("%.0f", float64(s.Table+s.Indexes)/float64(s.Rows))
		}
		if s.Table+s.Indexes < 64<<10 && s.Rows < 1000 {
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", s.Name, thousands(s.Rows), mb(s.Table), mb(s.Indexes), per)
	}
	fmt.Fprintf(w, "| all tables | | | | %s together |\n\n", mb(total))
}

func mb(b int64) string {
	if b < 10<<20 {
		return fmt.Sprintf("%.1f MB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%.0f MB", float64(b)/(1<<20))
}

// thousands writes n with commas: 100,000.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[0] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
