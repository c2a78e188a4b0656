package domain

import (
	"errors"
	"testing"
)

// designTable is docs/design.md's "leaves to" column, written out again here so
// that a change to the transition table has to be made twice, on purpose.
var designTable = map[Status][]Status{
	"":                       {StatusTriage, StatusAwaitingApproval, StatusUnassigned, StatusAssigned},
	StatusTriage:             {StatusAwaitingApproval, StatusUnassigned, StatusAssigned},
	StatusAwaitingApproval:   {StatusAwaitingApproval, StatusRejected, StatusUnassigned, StatusAssigned},
	StatusRejected:           {StatusClosed, StatusTriage},
	StatusUnassigned:         {StatusAssigned},
	StatusAssigned:           {StatusAssigned, StatusUnassigned, StatusWaitingOnRequester, StatusResolved},
	StatusWaitingOnRequester: {StatusAssigned, StatusUnassigned, StatusResolved},
	StatusResolved:           {StatusAssigned, StatusClosed},
	StatusClosed:             {StatusTriage},
}

var admin = Actor{Email: "root@x.test", Admin: true}

func TestCheckTransitionEveryPair(t *testing.T) {
	from := append([]Status{""}, Statuses...)
	for _, f := range from {
		for _, to := range Statuses {
			legal := false
			for _, l := range designTable[f] {
				legal = legal || l == to
			}
			kind, err := CheckTransition(f, to, admin)
			if legal && err != nil {
				t.Errorf("CheckTransition(%q, %q) = %v, want legal", f, to, err)
			}
			if legal && kind == "" {
				t.Errorf("CheckTransition(%q, %q) gave no event kind", f, to)
			}
			if !legal && !errors.Is(err, ErrIllegalTransition) {
				t.Errorf("CheckTransition(%q, %q) = %v, want ErrIllegalTransition", f, to, err)
			}
		}
	}
}

func TestCheckTransitionEventKinds(t *testing.T) {
	tests := []struct {
		from, to Status
		want     EventKind
	}{
		{"", StatusTriage, EventTriaged},
		{StatusTriage, StatusAwaitingApproval, EventApprovalRequested},
		{StatusAwaitingApproval, StatusAwaitingApproval, EventApprovalRequested},
		{StatusAwaitingApproval, StatusRejected, EventRejected},
		{StatusUnassigned, StatusAssigned, EventAssigned},
		{StatusAssigned, StatusAssigned, EventAssigned},
		{StatusAssigned, StatusUnassigned, EventUnassigned},
		{StatusAssigned, StatusResolved, EventResolved},
		{StatusResolved, StatusAssigned, EventReopened},
		{StatusResolved, StatusClosed, EventClosed},
		{StatusRejected, StatusTriage, EventReopened},
		{StatusClosed, StatusTriage, EventReopened},
	}
	for _, tt := range tests {
		got, err := CheckTransition(tt.from, tt.to, admin)
		if err != nil || got != tt.want {
			t.Errorf("CheckTransition(%q, %q) = %q, %v, want %q", tt.from, tt.to, got, err, tt.want)
		}
	}
}

func TestCheckTransitionRoles(t *testing.T) {
	agent := Actor{Email: "bob@x.test"}
	tests := []struct {
		from, to Status
		actor    Actor
		wantErr  error
	}{
		{StatusClosed, StatusTriage, agent, ErrForbidden},
		{StatusClosed, StatusTriage, SystemActor, ErrForbidden},
		{StatusRejected, StatusTriage, agent, ErrForbidden},
		{StatusResolved, StatusClosed, agent, ErrForbidden},
		{StatusResolved, StatusClosed, SystemActor, nil},
		{StatusResolved, StatusClosed, admin, nil},
		{StatusAssigned, StatusResolved, agent, nil},
		{StatusResolved, StatusAssigned, agent, nil},
	}
	for _, tt := range tests {
		_, err := CheckTransition(tt.from, tt.to, tt.actor)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
			t.Errorf("CheckTransition(%q, %q, %v) = %v, want %v", tt.from, tt.to, tt.actor, err, tt.wantErr)
		}
	}
}

func TestApplyKeepsFieldsConsistent(t *testing.T) {
	tk := &Ticket{Status: StatusTriage}
	if _, err := tk.apply(Change{To: StatusAwaitingApproval, ApprovalLevel: 2}); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("level 2 first: err = %v, want ErrIllegalTransition", err)
	}
	if tk.Status != StatusTriage || tk.ApprovalLevel != 0 {
		t.Fatalf("failed apply changed the ticket: %+v", tk)
	}
	steps := []struct {
		ch        Change
		wantLevel int
		wantAsg   int64
	}{
		{Change{To: StatusAwaitingApproval, ApprovalLevel: 1}, 1, 0},
		{Change{To: StatusAwaitingApproval, ApprovalLevel: 2}, 2, 0},
		{Change{To: StatusAssigned, AssigneeID: 7}, 0, 7},
		{Change{To: StatusAssigned, AssigneeID: 8}, 0, 8},
		{Change{To: StatusResolved}, 0, 8},
		{Change{To: StatusAssigned, AssigneeID: 8}, 0, 8},
		{Change{To: StatusUnassigned}, 0, 0},
	}
	for i, s := range steps {
		if _, err := tk.apply(s.ch); err != nil {
			t.Fatalf("step %d (%s): %v", i, s.ch.To, err)
		}
		if tk.Status != s.ch.To || tk.ApprovalLevel != s.wantLevel || tk.AssigneeID != s.wantAsg {
			t.Errorf("step %d: ticket = %s level %d assignee %d, want %s level %d assignee %d",
				i, tk.Status, tk.ApprovalLevel, tk.AssigneeID, s.ch.To, s.wantLevel, s.wantAsg)
		}
	}
	if _, err := tk.apply(Change{To: StatusAssigned}); !errors.Is(err, ErrInvalid) {
		t.Errorf("assigned without assignee: err = %v, want ErrInvalid", err)
	}
}

func TestParseRef(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"TKT-12", 12, true}, {"tkt-7", 7, true}, {" 3 ", 3, true},
		{"TKT-", 0, false}, {"TKT-0", 0, false}, {"TKT--1", 0, false}, {"abc", 0, false}, {"", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseRef(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseRef(%q) = %d, %v, want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if got := FormatRef(42); got != "TKT-42" {
		t.Errorf("FormatRef(42) = %q", got)
	}
}
