package adminui

import (
	"context"
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
)

// csvRows reads a CSV download: its header and rows, by ref.
func csvRows(t *testing.T, body string) ([]string, map[string]map[string]string) {
	t.Helper()
	all, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(all) == 0 {
		t.Fatalf("read CSV: %v\n%s", err, body)
	}
	rows := map[string]map[string]string{}
	for _, rec := range all[1:] {
		m := map[string]string{}
		for i, name := range all[0] {
			m[name] = rec[i]
		}
		rows[m["ref"]] = m
	}
	return all[0], rows
}

// TestTicketsCSV: the admins' export has its columns in order, one row
// per ticket with the ticket's values, the last resolution and answer;
// commas, quotes and line breaks survive a CSV reader and a cell that a
// spreadsheet would take for a formula starts with '; the page's filters
// apply; anyone but an admin is refused; the list links to it.
func TestTicketsCSV(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		yes, _ := f.resolveWithLinks(f.t1)
		if _, err := f.desk.RateByLink(ctx, yes, ""); err != nil {
			t.Fatal(err)
		}
		// Subjects of every kind a spreadsheet trips on (written to the
		// store directly: mail and the portal fold line breaks).
		nasty := map[*domain.Ticket]string{
			f.t2: "=HYPERLINK(\"http://evil.test\",\"click\"), with a comma",
			f.t3: "-2+3 \"quoted\"\nsecond line",
		}
		for tk, subj := range nasty {
			tk.Subject = subj
			if err := f.st.UpdateTicket(ctx, tk, tk.Status); err != nil {
				t.Fatal(err)
			}
		}
		extra := []string{"+1 555", "@SUM(A1:A2)", "\tTabbed", "\rReturn", "plain, \"fine\""}
		for _, subj := range extra {
			tk, err := f.desk.OpenTicket(ctx, domain.NewTicket{Subject: "x", Body: "b", From: "ann@company.test", Channel: "test"})
			if err != nil {
				t.Fatal(err)
			}
			tk.Subject = subj
			if err := f.st.UpdateTicket(ctx, tk, tk.Status); err != nil {
				t.Fatal(err)
			}
			nasty[tk] = subj
		}

		// t3 (Hardware) runs an SLA clock: a round-the-clock calendar, a
		// policy, and a priority set by an admin; t2 has no policy.
		f.alwaysCalendar()
		if err := f.st.SetCategorySLA(ctx, f.t3.CategoryID, nil, &domain.SLAPolicy{
			SLATargets: domain.SLATargets{FirstResponseMinutes: 60, ResolutionMinutes: 480},
			Priorities: map[domain.Priority]domain.SLATargets{domain.PriorityHigh: {FirstResponseMinutes: 30, ResolutionMinutes: 120}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.desk.SetPriority(ctx, f.users["root"], f.t3.ID, domain.PriorityHigh); err != nil {
			t.Fatal(err)
		}
		t3, err := f.st.GetTicket(ctx, f.t3.ID)
		if err != nil || t3.SLA.ResolutionDueAt == nil || t3.SLA.FirstResponseDueAt == nil {
			t.Fatalf("t3 has no clock: %v %+v", err, t3)
		}

		root := f.signedIn("root")
		resp, body := root.get("/admin/tickets.csv")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), `attachment; filename="tickets-`) {
			t.Fatalf("GET /admin/tickets.csv = %d %v\n%s", resp.StatusCode, resp.Header, body)
		}
		header, rows := csvRows(t, body)
		var want []string
		for _, c := range domain.TicketExportColumns {
			want = append(want, c.Name)
		}
		if !slices.Equal(header, want) || !slices.Equal(header, []string{"ref", "subject", "status", "category", "requester",
			"assignee", "created", "updated", "resolved", "satisfaction", "priority", "sla_first_response_due_at",
			"sla_resolution_due_at", "sla_state"}) {
			t.Errorf("columns = %v", header)
		}
		if len(rows) != 3+len(extra) {
			t.Errorf("%d rows, want %d", len(rows), 3+len(extra))
		}
		r1 := rows[f.t1.Ref()]
		if r1["subject"] != "Subject ANNSUBJ1" || r1["status"] != "resolved" || r1["category"] != "Hardware" ||
			r1["requester"] != "ann@company.test" || r1["assignee"] != "bob@company.test" || r1["satisfaction"] != "yes" {
			t.Errorf("%s's row = %v", f.t1.Ref(), r1)
		}
		for _, k := range []string{"created", "updated", "resolved"} {
			if _, err := time.Parse(time.RFC3339, r1[k]); err != nil {
				t.Errorf("%s = %q: %v", k, r1[k], err)
			}
		}
		if r3 := rows[f.t3.Ref()]; r3["assignee"] != "" || r3["resolved"] != "" || r3["satisfaction"] != "" || r3["status"] != "unassigned" {
			t.Errorf("%s's row = %v", f.t3.Ref(), r3)
		}
		// The SLA columns: t3's clock as stored, t2 without a policy.
		r3 := rows[f.t3.Ref()]
		if r3["priority"] != "high" || r3["sla_state"] != "ok" ||
			r3["sla_first_response_due_at"] != t3.SLA.FirstResponseDueAt.UTC().Format(time.RFC3339) ||
			r3["sla_resolution_due_at"] != t3.SLA.ResolutionDueAt.UTC().Format(time.RFC3339) ||
			r3["sla_resolution_due_at"] != t3.CreatedAt.Add(2*time.Hour).UTC().Format(time.RFC3339) {
			t.Errorf("%s's SLA cells = %v (clock %+v)", f.t3.Ref(), r3, t3.SLA)
		}
		if r2 := rows[f.t2.Ref()]; r2["priority"] != "normal" || r2["sla_state"] != "" || r2["sla_first_response_due_at"] != "" || r2["sla_resolution_due_at"] != "" {
			t.Errorf("%s's SLA cells = %v", f.t2.Ref(), r2)
		}
		for tk, subj := range nasty {
			got := rows[tk.Ref()]["subject"]
			wantCell := subj
			if strings.ContainsRune("=+-@\t\r", rune(subj[0])) {
				wantCell = "'" + subj
			}
			// Line ends are CRLF, so a CR alone in a cell is dropped
			// (encoding/csv's UseCRLF), and a reader reads a quoted CRLF
			// as LF.
			if got != strings.ReplaceAll(wantCell, "\r", "") {
				t.Errorf("subject %q reads back %q, want %q", subj, got, wantCell)
			}
		}
		for _, line := range strings.Split(body, "\r\n") {
			if line != "" && strings.ContainsRune("=+-@\t", rune(line[0])) {
				t.Errorf("a line starts with a formula: %q", line)
			}
		}

		// The page's filters.
		hw := strconv.FormatInt(f.t1.CategoryID, 10)
		for query, refs := range map[string][]string{
			"?status=unassigned":                                     {f.t3.Ref()},
			"?category=" + hw + "&assignee=none":                     {f.t3.Ref()},
			"?category=" + hw + "&sort=created":                      {f.t1.Ref(), f.t3.Ref()},
			"?q=ANNBODY1":                                            {f.t1.Ref()},
			"?assignee=" + strconv.FormatInt(f.users["carl"].ID, 10): {f.t2.Ref()},
		} {
			resp, body := root.get("/admin/tickets.csv" + query)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s = %d", query, resp.StatusCode)
			}
			_, rows := csvRows(t, body)
			var got []string
			for ref := range rows {
				got = append(got, ref)
			}
			slices.Sort(got)
			slices.Sort(refs)
			if !slices.Equal(got, refs) {
				t.Errorf("%s exports %v, want %v", query, got, refs)
			}
		}
		// The order is the page's: oldest first.
		_, body = root.get("/admin/tickets.csv?sort=created&dir=asc")
		if all, _ := csv.NewReader(strings.NewReader(body)).ReadAll(); len(all) < 3 || all[1][0] != f.t1.Ref() || all[2][0] != f.t2.Ref() {
			t.Errorf("oldest first starts %v", all[1:3])
		}
		// A filter the page refuses is the page with its message.
		if resp, body := root.get("/admin/tickets.csv?status=bogus"); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "There is no status") || strings.Contains(resp.Header.Get("Content-Type"), "csv") {
			t.Errorf("a bad status = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		// The list links to the export of what it shows.
		if _, page := root.get("/admin/tickets?status=assigned"); !strings.Contains(page, `id="export-csv" href="/admin/tickets.csv?status=assigned"`) {
			t.Error("the list has no link to its export")
		}

		// Nobody else.
		for _, name := range []string{"ann", "bob", "carl"} {
			resp, body := f.signedIn(name).get("/admin/tickets.csv")
			if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "ANNSUBJ1") {
				t.Errorf("%s's export = %d", name, resp.StatusCode)
			}
		}
		if resp, body := f.client().get("/admin/tickets.csv"); resp.StatusCode == http.StatusOK || strings.Contains(body, "ANNSUBJ1") {
			t.Errorf("anonymous export = %d", resp.StatusCode)
		}
	})
}

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{"": "", "plain": "plain", "=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@x": "'@x",
		"\tx": "'\tx", "\rx": "'\rx", "a=b": "a=b", " =x": " =x", "'=x": "'=x"} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}
