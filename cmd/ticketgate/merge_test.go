package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// TestTicketMerge: `ticket merge B --into A` merges (both JSONs show it,
// the requesters' mails are queued) and says why it refuses.
func TestTicketMerge(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		st := storagetest.Open(t, db.URL)
		desk := domain.NewDesk(st, nil, storagetest.Logger(t))
		a, err := desk.OpenTicket(ctx, domain.NewTicket{Subject: "Printer jam", Body: "It jams.", From: "ann@company.test"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := desk.OpenTicket(ctx, domain.NewTicket{Subject: "Printer jams too", Body: "Mine as well.", From: "ben@company.test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := desk.Comment(ctx, b.ID, domain.Actor{Email: "ben@company.test"}, "Still jammed.", "email"); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"DATABASE_URL": db.URL}

		for _, tc := range []struct {
			args []string
			code int
			want string
		}{
			{[]string{"ticket", "merge", b.Ref()}, 2, "--into"},
			{[]string{"ticket", "merge", "nonsense", "--into", a.Ref()}, 2, "ticket reference"},
			{[]string{"ticket", "merge", b.Ref(), "--into", "x"}, 2, "--into"},
			{[]string{"ticket", "merge", b.Ref(), "--into", b.Ref()}, 1, "into itself"},
		} {
			if _, errOut, code := runCLI(t, env, "", tc.args...); code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("%v: %d %q, want %d saying %q", tc.args, code, errOut, tc.code, tc.want)
			}
		}
		out, errOut, code := runCLI(t, env, "", "ticket", "merge", b.Ref(), "--into", a.Ref())
		if code != 0 || strings.TrimSpace(out) != b.Ref()+" merged into "+a.Ref() {
			t.Fatalf("ticket merge: %d %q %q", code, out, errOut)
		}
		if _, errOut, code := runCLI(t, env, "", "ticket", "merge", b.Ref(), "--into", a.Ref()); code != 1 || !strings.Contains(errOut, "already") {
			t.Errorf("second merge: %d %q", code, errOut)
		}
		if _, errOut, code := runCLI(t, env, "", "ticket", "merge", a.Ref(), "--into", b.Ref()); code != 1 || !strings.Contains(errOut, "instead") {
			t.Errorf("merge into the merged ticket: %d %q", code, errOut)
		}

		show := func(ref string) map[string]any {
			out, errOut, code := runCLI(t, env, "", "ticket", "show", ref, "--json")
			var m map[string]any
			if code != 0 || json.Unmarshal([]byte(out), &m) != nil {
				t.Fatalf("ticket show %s: %d %s %s", ref, code, out, errOut)
			}
			return m
		}
		bj := show(b.Ref())
		if bj["merged_into"] != a.Ref() || bj["status"] != "closed" {
			t.Errorf("B: merged_into %v, status %v", bj["merged_into"], bj["status"])
		}
		aj := show(a.Ref())
		if _, ok := aj["merged_into"]; ok {
			t.Errorf("A has merged_into: %v", aj["merged_into"])
		}
		var kinds, fromB []string
		for _, e := range aj["events"].([]any) {
			em := e.(map[string]any)
			kinds = append(kinds, em["kind"].(string))
			if em["merged_from"] == b.Ref() {
				fromB = append(fromB, em["detail"].(string))
			}
		}
		if !slices.Contains(kinds, "merged_in") || len(fromB) != 2 || !slices.Contains(fromB, "Still jammed.") {
			t.Errorf("A's events: kinds %v, from B %q", kinds, fromB)
		}
		if ws := aj["watchers"].([]any); len(ws) != 1 || ws[0] != "ben@company.test" {
			t.Errorf("A's watchers = %v", ws)
		}
		// The command's Desk mails: one mail to each requester.
		ms, err := st.ListOutbox(ctx, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		var to []string
		for _, m := range ms {
			if m.Kind == string(domain.MailMerged) {
				to = append(to, m.To)
			}
		}
		slices.Sort(to)
		if !slices.Equal(to, []string{"ann@company.test", "ben@company.test"}) {
			t.Errorf("merge mails to %v", to)
		}
	})
}
