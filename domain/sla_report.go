package domain

import (
	"context"
	"fmt"
	"time"
)

// SLAReport is the dashboard's service-level part (issue 18): the targets
// met and breached per category over the last DashboardDays days (by the
// time the clock stopped), and the tickets at risk now.
type SLAReport struct {
	Since      time.Time
	Compliance []SLACompliance
	// Met and Breached sum Compliance.
	Met, Breached int
	AtRisk        int
	// AtRiskTickets are the few at risk whose resolution is due soonest.
	AtRiskTickets []Ticket
}

// slaAtRiskShown bounds the tickets at risk the dashboard lists.
const slaAtRiskShown = 10

// SLAReport reads the dashboard's SLA figures: two indexed queries whatever
// the number of tickets.
func (d *Desk) SLAReport(ctx context.Context) (*SLAReport, error) {
	since := d.clock.Now().UTC().AddDate(0, 0, -DashboardDays)
	cs, err := d.store.SLACompliance(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("sla report: %w", err)
	}
	r := &SLAReport{Since: since, Compliance: cs}
	for _, c := range cs {
		r.Met += c.Met
		r.Breached += c.Breached
	}
	if r.AtRisk, r.AtRiskTickets, err = d.store.SLAAtRisk(ctx, slaAtRiskShown); err != nil {
		return nil, fmt.Errorf("sla report: %w", err)
	}
	return r, nil
}
