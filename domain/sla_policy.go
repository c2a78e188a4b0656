package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Priority is how urgent a ticket is (issue 18); an admin or agent sets
// it, never the requester's mail ([URGENT] in a subject is only text).
type Priority string

// Priorities, lowest first.
const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal" // the default
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Priorities lists every priority, lowest first.
var Priorities = []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

// ParsePriority returns the priority named s; "" is PriorityNormal.
func ParsePriority(s string) (Priority, error) {
	p := Priority(strings.ToLower(strings.TrimSpace(s)))
	if p == "" {
		return PriorityNormal, nil
	}
	if slices.Contains(Priorities, p) {
		return p, nil
	}
	return "", fmt.Errorf("%w: priority %q (want low, normal, high or urgent)", ErrInvalid, s)
}

// SLATargets are the targets of a policy, in minutes of business time; 0
// means no target.
type SLATargets struct {
	FirstResponseMinutes int `json:"first_response_minutes,omitempty"`
	ResolutionMinutes    int `json:"resolution_minutes,omitempty"`
}

// SLAPolicy is a category's service level: its targets, counted in
// business time over the category's calendar.
type SLAPolicy struct {
	SLATargets
	// FirstResponseByAssignment makes the assignment mail to an agent the
	// first response; otherwise it is the first public comment by an
	// agent (or admin).
	FirstResponseByAssignment bool `json:"first_response_by_assignment,omitempty"`
	// AtRiskPercent is the share of a target after which the assignee is
	// warned; 0 means DefaultAtRiskPercent.
	AtRiskPercent int `json:"at_risk_percent,omitempty"`
	// Priorities override the targets for tickets of a priority.
	Priorities map[Priority]SLATargets `json:"priorities,omitempty"`
	// EscalationContacts get the "breached" mail besides the assignee;
	// none: the admins.
	EscalationContacts []string `json:"escalation_contacts,omitempty"`
}

// DefaultAtRiskPercent is when a ticket is at risk unless a policy says.
const DefaultAtRiskPercent = 80

// MaxSLAMinutes bounds a target: a year of round-the-clock minutes.
const MaxSLAMinutes = 366 * 24 * 60

// MaxEscalationContacts bounds a policy's contacts.
const MaxEscalationContacts = 20

// Targets returns the policy's targets for priority p.
func (p *SLAPolicy) Targets(pr Priority) SLATargets {
	if t, ok := p.Priorities[pr]; ok {
		return t
	}
	return p.SLATargets
}

// RiskPercent is the policy's at-risk share, the default filled in.
func (p *SLAPolicy) RiskPercent() int {
	if p.AtRiskPercent == 0 {
		return DefaultAtRiskPercent
	}
	return p.AtRiskPercent
}

// FirstResponse and Resolution are the targets as durations.
func (t SLATargets) FirstResponse() time.Duration {
	return time.Duration(t.FirstResponseMinutes) * time.Minute
}

// Resolution is the resolution target as a duration.
func (t SLATargets) Resolution() time.Duration {
	return time.Duration(t.ResolutionMinutes) * time.Minute
}

func checkTargets(t SLATargets, where string) error {
	for _, m := range []int{t.FirstResponseMinutes, t.ResolutionMinutes} {
		if m < 0 || m > MaxSLAMinutes {
			return fmt.Errorf("%w: %stargets are minutes from 0 (none) to %d", ErrInvalid, where, MaxSLAMinutes)
		}
	}
	return nil
}

// Normalize checks p in place: targets within bounds, a percentage
// between 1 and 99, known priorities, valid and distinct contacts.
func (p *SLAPolicy) Normalize() error {
	if err := checkTargets(p.SLATargets, ""); err != nil {
		return err
	}
	if p.AtRiskPercent < 0 || p.AtRiskPercent > 99 {
		return fmt.Errorf("%w: at_risk_percent: from 1 to 99 (0: the default %d)", ErrInvalid, DefaultAtRiskPercent)
	}
	for pr, t := range p.Priorities {
		if _, err := ParsePriority(string(pr)); err != nil || pr == "" {
			return fmt.Errorf("%w: priorities: %q is not a priority (want low, normal, high or urgent)", ErrInvalid, pr)
		}
		if err := checkTargets(t, "priorities."+string(pr)+": "); err != nil {
			return err
		}
	}
	if len(p.Priorities) == 0 {
		p.Priorities = nil
	}
	if len(p.EscalationContacts) > MaxEscalationContacts {
		return fmt.Errorf("%w: escalation_contacts: at most %d", ErrInvalid, MaxEscalationContacts)
	}
	addrs := make([]string, 0, len(p.EscalationContacts))
	for _, a := range p.EscalationContacts {
		addr, err := NormalizeEmail(a)
		if err != nil {
			return fmt.Errorf("escalation_contacts: %w", err)
		}
		if !slices.Contains(addrs, addr) {
			addrs = append(addrs, addr)
		}
	}
	p.EscalationContacts = addrs
	if len(addrs) == 0 {
		p.EscalationContacts = nil
	}
	return nil
}

// Empty reports whether the policy sets no target at all.
func (p *SLAPolicy) Empty() bool {
	if p == nil {
		return true
	}
	if p.FirstResponseMinutes > 0 || p.ResolutionMinutes > 0 {
		return false
	}
	for _, t := range p.Priorities {
		if t.FirstResponseMinutes > 0 || t.ResolutionMinutes > 0 {
			return false
		}
	}
	return true
}

func sameSLA(a, b *SLAPolicy) bool {
	if a.Empty() || b.Empty() {
		return a.Empty() == b.Empty()
	}
	if a.SLATargets != b.SLATargets || a.FirstResponseByAssignment != b.FirstResponseByAssignment ||
		a.RiskPercent() != b.RiskPercent() || !slices.Equal(a.EscalationContacts, b.EscalationContacts) ||
		len(a.Priorities) != len(b.Priorities) {
		return false
	}
	for k, v := range a.Priorities {
		if w, ok := b.Priorities[k]; !ok || w != v {
			return false
		}
	}
	return true
}
