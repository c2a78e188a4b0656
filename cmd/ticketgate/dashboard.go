package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"ticketgate/domain"
)

// cmdDashboard prints the admins' dashboard figures; --recount first
// rebuilds them from the rows (docs/portal.md "How the dashboard's figures
// are kept").
func (a *app) cmdDashboard(args []string) error {
	f := a.newFlags("dashboard", "dashboard [--recount]")
	recount := f.Bool("recount", false, "rebuild the maintained counts from the tickets, events, approvals and mail first, and recompute the medians")
	f.markOwn()
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	e, err := a.open(f, nil)
	if err != nil {
		return err
	}
	defer e.Close()
	if *recount {
		start := time.Now()
		if err := e.d.RecountDashboard(a.ctx); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "Recounted the dashboard in %v.\n\n", time.Since(start).Round(time.Millisecond))
	}
	db, err := e.d.Dashboard(a.ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for _, c := range db.ByStatus {
		fmt.Fprintf(tw, "%s\t%d\n", c.Status, c.Count)
	}
	fmt.Fprintf(tw, "open\t%d\n", db.Open)
	fmt.Fprintf(tw, "approvals waiting\t%d\n", db.ApprovalsWaiting)
	for _, s := range []domain.OutboxStatus{domain.OutboxQueued, domain.OutboxHeld, domain.OutboxSent, domain.OutboxDead} {
		fmt.Fprintf(tw, "outbox %s\t%d\n", s, db.Outbox[s])
	}
	fmt.Fprintf(tw, "quarantine\t%d\n", db.Quarantine)
	if db.MediansAt.IsZero() {
		fmt.Fprintln(tw, "medians\tnot computed yet (serve computes them)")
	} else {
		fmt.Fprintf(tw, "median to assignment\t%v over %d tickets (as of %s)\n", db.ToAssigned, db.AssignedN, rfc3339(db.MediansAt))
		fmt.Fprintf(tw, "median to resolution\t%v over %d tickets (as of %s)\n", db.ToResolved, db.ResolvedN, rfc3339(db.MediansAt))
	}
	return tw.Flush()
}
