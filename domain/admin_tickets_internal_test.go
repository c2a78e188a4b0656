package domain

import (
	"strings"
	"testing"
)

func TestAdminActionsFor(t *testing.T) {
	for st, want := range map[Status]string{
		StatusTriage:           "categorize comment",
		StatusAwaitingApproval: "categorize decide comment",
		StatusRejected:         "categorize close reopen comment",
		StatusUnassigned:       "categorize reassign comment",
		StatusAssigned:         "categorize reassign resolve comment",
		StatusResolved:         "categorize close reopen comment",
		StatusClosed:           "categorize reopen",
	} {
		a := AdminActionsFor(&Ticket{Status: st})
		var got []string
		for _, x := range []struct {
			ok   bool
			name string
		}{{a.Categorize, "categorize"}, {a.Decide, "decide"}, {a.Reassign, "reassign"}, {a.Resolve, "resolve"},
			{a.Close, "close"}, {a.Reopen, "reopen"}, {a.Comment, "comment"}} {
			if x.ok {
				got = append(got, x.name)
			}
		}
		if g := strings.Join(got, " "); g != want {
			t.Errorf("AdminActionsFor(%s) = %s, want %s", st, g, want)
		}
		// Every action offered is a legal move for an admin.
		admin := Actor{Email: "root@x.test", Admin: true}
		if a.Close {
			if _, err := CheckTransition(st, StatusClosed, admin); err != nil {
				t.Errorf("close offered on %s: %v", st, err)
			}
		}
		if a.Reopen {
			to := StatusTriage
			if st == StatusResolved {
				to = StatusAssigned
			}
			if _, err := CheckTransition(st, to, admin); err != nil {
				t.Errorf("reopen offered on %s: %v", st, err)
			}
		}
	}
}

func TestQuarantinedHeaderBlock(t *testing.T) {
	for raw, want := range map[string]string{
		"From: a@x\r\nSubject: hi\r\n\r\nbody":   "From: a@x\r\nSubject: hi",
		"From: a@x\nSubject: hi\n\nbody\n\nmore": "From: a@x\nSubject: hi",
		"no header end":                          "no header end",
		"Subject: \x00odd\xff\r\n\r\nx":          "Subject: odd\uFFFD",
	} {
		if got := (&Quarantined{Raw: []byte(raw)}).HeaderBlock(); got != want {
			t.Errorf("HeaderBlock(%q) = %q, want %q", raw, got, want)
		}
	}
	big := (&Quarantined{Raw: []byte(strings.Repeat("X-Long: y\r\n", 20000))}).HeaderBlock()
	if len(big) != MaxHeaderBlock {
		t.Errorf("a huge header gives %d bytes, want %d", len(big), MaxHeaderBlock)
	}
}
