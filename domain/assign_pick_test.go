package domain

import (
	"testing"
	"time"
)

func TestPickAssignee(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	at := func(h int) *time.Time { x := now.Add(time.Duration(-h) * time.Hour); return &x }
	m := func(id int64, open int, last *time.Time) MemberLoad {
		return MemberLoad{Member: TeamMember{ID: id, UserID: id * 10, Email: "m" + string(rune('0'+id)) + "@x.test", Available: true, LastAssignedAt: last}, Open: open}
	}
	away := func(l MemberLoad, until *time.Time) MemberLoad {
		l.Member.Available, l.Member.AwayUntil = false, until
		return l
	}
	disabled := func(l MemberLoad) MemberLoad { l.Disabled = true; return l }
	tests := []struct {
		name      string
		loads     []MemberLoad
		want      int64 // member id; 0: nobody
		wantCands int
		wantWhy   string
	}{
		{"fewest open wins", []MemberLoad{m(1, 3, nil), m(2, 1, at(1)), m(3, 2, nil)}, 2, 3, ""},
		{"never assigned before any", []MemberLoad{m(1, 1, at(5)), m(2, 1, nil), m(3, 1, at(9))}, 2, 3, ""},
		{"then least recently", []MemberLoad{m(1, 1, at(5)), m(2, 1, at(9)), m(3, 1, at(1))}, 2, 3, ""},
		{"then lowest id", []MemberLoad{m(3, 0, nil), m(1, 0, nil), m(2, 0, nil)}, 1, 3, ""},
		{"lowest id among equal times", []MemberLoad{m(4, 1, at(2)), m(2, 1, at(2)), m(3, 1, at(1))}, 2, 3, ""},
		{"away skipped", []MemberLoad{away(m(1, 0, nil), nil), m(2, 5, at(1))}, 2, 1, ""},
		{"away until future skipped", []MemberLoad{away(m(1, 0, nil), at(-2)), m(2, 5, at(1))}, 2, 1, ""},
		{"away until passed counts", []MemberLoad{away(m(1, 0, nil), at(1)), m(2, 5, at(1))}, 1, 2, ""},
		{"away until now counts", []MemberLoad{away(m(1, 0, nil), &now), m(2, 5, at(1))}, 1, 2, ""},
		{"disabled skipped", []MemberLoad{disabled(m(1, 0, nil)), m(2, 5, at(1))}, 2, 1, ""},
		{"all away", []MemberLoad{away(m(1, 0, nil), nil), away(m(2, 0, nil), at(-1))}, 0, 0, "2 away"},
		{"away and disabled", []MemberLoad{away(m(1, 0, nil), nil), disabled(m(2, 0, nil))}, 0, 0, "1 away, 1 disabled"},
		{"no team", nil, 0, 0, "nobody serves it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pickAssignee(tt.loads, now)
			var got int64
			if p.best != nil {
				got = p.best.Member.ID
			}
			if got != tt.want || p.candidates != tt.wantCands || p.why != tt.wantWhy {
				t.Errorf("pickAssignee = member %d, %d candidates, why %q; want %d, %d, %q", got, p.candidates, p.why, tt.want, tt.wantCands, tt.wantWhy)
			}
		})
	}
}

func TestUntouched(t *testing.T) {
	tk := &Ticket{Requester: "ann@x.test", Assignee: "bob@x.test"}
	ev := func(kind EventKind, actor string) Event { return Event{Kind: kind, Actor: actor} }
	base := []Event{ev(EventReceived, "ann@x.test"), ev(EventTriaged, "system"), ev(EventAssigned, "system")}
	tests := []struct {
		name  string
		after []Event
		want  bool
	}{
		{"nothing since", nil, true},
		{"requester added details", []Event{ev(EventCommented, "ann@x.test")}, true},
		{"system and machines", []Event{ev(EventMailFailed, "system"), ev(EventAutoReply, "bob@x.test")}, true},
		{"assignee commented", []Event{ev(EventCommented, "bob@x.test")}, false},
		{"admin recategorized", []Event{ev(EventRecategorized, "root@x.test")}, false},
		{"touched before a later assignment", []Event{ev(EventCommented, "bob@x.test"), ev(EventAssigned, "root@x.test")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events := append(append([]Event{}, base...), tt.after...)
			if got := untouched(tk, events); got != tt.want {
				t.Errorf("untouched(%v) = %v, want %v", events, got, tt.want)
			}
		})
	}
	if untouched(tk, base[:2]) {
		t.Error("untouched without an assigned event = true, want false")
	}
}
