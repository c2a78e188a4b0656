package storage_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// search returns the refs a ticket list finds for text in order sort (""
// is relevance), and the count.
func search(t *testing.T, s *storage.Store, text string, sort domain.TicketSort) (string, int) {
	t.Helper()
	q := domain.TicketQuery{Text: text, Sort: sort}
	if err := q.Validate(); err != nil {
		t.Fatalf("search %q: %v", text, err)
	}
	ts, total, err := searchTickets(context.Background(), s, q, 100)
	if err != nil {
		t.Fatalf("search %q: %v", text, err)
	}
	return refs(ts), total
}

// searchTickets is a ticket list's first page of limit tickets for q,
// and its count (up to domain.TicketCountCap + 1).
func searchTickets(ctx context.Context, s *storage.Store, q domain.TicketQuery, limit int) ([]domain.Ticket, int, error) {
	q.Limit = limit
	ts, err := s.ListTickets(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	n, err := s.CountTickets(ctx, q, domain.TicketCountCap+1)
	return ts, n, err
}

// searchTicket creates a ticket of requester with its comments.
func searchTicket(t *testing.T, s *storage.Store, requester *domain.User, subject, body string, comments ...string) *domain.Ticket {
	t.Helper()
	tk := &domain.Ticket{Subject: subject, Body: body, RequesterID: requester.ID, Status: domain.StatusTriage, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateTicket(context.Background(), tk, &domain.Event{At: t0, Kind: domain.EventReceived, Actor: requester.Email}); err != nil {
		t.Fatal(err)
	}
	for _, c := range comments {
		if err := s.AppendEvents(context.Background(), &domain.Event{TicketID: tk.ID, At: t0, Kind: domain.EventCommented,
			Actor: requester.Email, Detail: c}); err != nil {
			t.Fatal(err)
		}
	}
	return tk
}

// TestSearchSyntax: ranking, phrases, exclusions, prefixes, accents and
// case, refs and addresses, on each database.
func TestSearchSyntax(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ann := mustUser(t, s, "ann@x.test", domain.RoleEmployee)
		bob := mustUser(t, s, "bob@x.test", domain.RoleEmployee)
		// Ranking: the same word once, in the subject, the text, a comment.
		inComment := searchTicket(t, s, ann, "Question about the office", "Where does the new desk go", "the scanner is noisy")
		inBody := searchTicket(t, s, ann, "Question about the desk", "the scanner in the office is noisy")
		inSubject := searchTicket(t, s, ann, "The scanner is noisy", "Question about the office desk")
		// Syntax.
		jam := searchTicket(t, s, ann, "Printer jam", "Paper jam in the printer on floor 2; out of toner too")
		outOf := searchTicket(t, s, bob, "Printing slow", "The print server is out of paper", "e-mail me when it is fixed")
		resume := searchTicket(t, s, bob, "Résumé template", "Der DRÜCKER druckt nicht")
		wheel := searchTicket(t, s, ann, "Mouse", "wheel_broken since 404 days")
		r := func(ts ...*domain.Ticket) string {
			var out []string
			for _, tk := range ts {
				out = append(out, tk.Ref())
			}
			return strings.Join(out, ",")
		}
		for _, c := range []struct {
			text string
			sort domain.TicketSort
			want string
		}{
			{"scanner", "", r(inSubject, inBody, inComment)},
			{"noisy scanner", "", r(inSubject, inBody, inComment)},
			{"scanner", domain.SortCreated, r(inSubject, inBody, inComment)},
			{"PRINTER", domain.SortCreated, r(jam)},
			{"print", domain.SortCreated, r(outOf, jam)},
			{`"print"`, domain.SortCreated, r(outOf)},
			{"pr", domain.SortCreated, ""},
			{"pr*", domain.SortCreated, r(outOf, jam)},
			{`"paper jam"`, domain.SortCreated, r(jam)},
			{`"jam paper"`, domain.SortCreated, ""},
			{`"out of paper"`, domain.SortCreated, r(outOf)},
			{`"out of"`, domain.SortCreated, r(outOf, jam)},
			{`paper -toner`, domain.SortCreated, r(outOf)},
			{`paper -"out of paper"`, domain.SortCreated, r(jam)},
			{`-question -paper -mouse`, domain.SortCreated, r(resume)},
			{"resume", domain.SortCreated, r(resume)},
			{"RÉSUMÉ", domain.SortCreated, r(resume)},
			{"drucker", domain.SortCreated, r(resume)},
			{"Drücker", domain.SortCreated, r(resume)},
			{"email", domain.SortCreated, ""},
			{"e-mail", domain.SortCreated, r(outOf)},
			{"wheel_broken", domain.SortCreated, r(wheel)},
			{"broken wheel", domain.SortCreated, r(wheel)},
			{"bob@x.test", domain.SortCreated, r(resume, outOf)},
			{"BOB@X.TEST print", domain.SortCreated, r(outOf)},
			{"bob@x.tes", domain.SortCreated, ""},
			{jam.Ref(), domain.SortCreated, r(jam)},
			{strings.ToLower(jam.Ref()) + " mouse", domain.SortCreated, r(wheel, jam)},
			{jam.Ref() + " mouse", "", r(jam, wheel)},
			{jam.Ref() + " bob@x.test print", "", r(jam, outOf)},
			{jam.Ref() + " bob@x.test print", domain.SortCreated, r(outOf, jam)},
			{"404", "", r(wheel)},
			{fmt.Sprint(jam.ID), "", r(jam)},
			{"?!", domain.SortCreated, ""},
		} {
			got, total := search(t, s, c.text, c.sort)
			if got != c.want || total != strings.Count(c.want, ",")+min(1, len(c.want)) {
				t.Errorf("search %q (%s) = %s (total %d), want %s", c.text, c.sort, got, total, c.want)
			}
		}
	})
}

// hostile search texts: the syntax of FTS5 and of tsquery, quotes
// unbalanced, only exclusions, control characters. None may become an
// error of the database.
var hostile = []string{
	`"`, `""`, `"""`, `"a`, `a"`, `-`, `--`, `-"`, `-""`, `*`, `**`, `a**`, `-*`, `"*"`, `^a`, `a:b`, `subject:printer`,
	`NEAR(a b, 3)`, `a NEAR b`, `a AND b`, `a OR b`, `NOT a`, `a NOT b`, `(a`, `a)`, `{subject body}: a`, `- a`, `+a`,
	`a & b`, `a | b`, `!a`, `!!a`, `a <-> b`, `a <2> b`, `a:*`, `a:AB`, `'a'`, `''`, `'`, `\`, `\'`, `a\`, `%`, `_`,
	`' OR 1=1 --`, `"; DROP TABLE tickets; --`, "a\x00b", "\u202e", "é\u0301\u0301", `-a -b -c`, `-"a b"`, `tkt-`,
	`TKT-0`, `TKT-99999999999999999999`, `@`, `a@`, `@b`, `<a@b.c>`, `"a@b.c"`, `a@b.c@d`, `?`, `?::tsquery`,
	strings.Repeat(`"a" `, 40), strings.Repeat("-", 200), strings.Repeat("x*", 100), `ǅ ﬁ İ`,
}

// TestSearchHostile: every hostile text is answered, on each database,
// in every order; the parsed words are quoted, so a text of operators
// matches what its words match.
func TestSearchHostile(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ann := mustUser(t, s, "ann@x.test", domain.RoleEmployee)
		a := searchTicket(t, s, ann, "a b c", "near and or not subject printer x")
		for _, text := range hostile {
			for _, sort := range []domain.TicketSort{"", domain.SortCreated, domain.SortSubject} {
				q := domain.TicketQuery{Text: text, Sort: sort}
				if q.Validate() != nil {
					continue
				}
				if _, _, err := searchTickets(context.Background(), s, q, 20); err != nil {
					t.Errorf("search %q (%s): %v", text, sort, err)
				}
			}
		}
		for text, want := range map[string]string{`NEAR(a b, 3)`: "", `NEAR(b c)`: "", `a AND b`: a.Ref(),
			`subject:printer`: a.Ref(), `a OR zzz`: "", `NOT a`: a.Ref(), `!a`: a.Ref(), `a <-> b`: a.Ref(), `' OR 1=1 --`: ""} {
			if got, _ := search(t, s, text, domain.SortCreated); got != want {
				t.Errorf("search %q = %s, want %s", text, got, want)
			}
		}
	})
}

// searchModel is the brute-force expectation of the index: every ticket's
// texts, matched word by word in Go.
type searchModel struct {
	requester map[int64]string
	subject   map[int64]string
	body      map[int64]string
	comments  map[int64][]modelComment
}

type modelComment struct {
	id   int64
	text string
}

func (m *searchModel) matches(id int64, q domain.SearchQuery) bool {
	if q.Ref == id {
		return true
	}
	if len(q.Emails) > 0 && !slices.Contains(q.Emails, m.requester[id]) {
		return false
	}
	if len(q.Terms) == 0 && len(q.Not) == 0 {
		return len(q.Emails) > 0
	}
	var cs []string
	for _, c := range m.comments[id] {
		cs = append(cs, c.text)
	}
	parts := [][]string{domain.SearchWords(m.subject[id]), domain.SearchWords(m.body[id]), domain.SearchWords(strings.Join(cs, " "))}
	has := func(term domain.SearchTerm) bool {
		for _, words := range parts {
		start:
			for i := 0; i+len(term.Words) <= len(words); i++ {
				for j, w := range term.Words {
					last := j == len(term.Words)-1
					if words[i+j] != w && !(last && term.Prefix && strings.HasPrefix(words[i+j], w)) {
						continue start
					}
				}
				return true
			}
		}
		return false
	}
	for _, term := range q.Terms {
		if !has(term) {
			return false
		}
	}
	for _, term := range q.Not {
		if has(term) {
			return false
		}
	}
	return true
}

// TestSearchInSync: the index follows new tickets (with and without a
// first comment), comments, changed subjects and texts, status changes,
// comments moved to another ticket (as a merge would) or deleted, and
// deleted tickets; after each round of random changes, every query finds
// what a brute-force match of the texts finds, on each database.
func TestSearchInSync(t *testing.T) {
	// Each part has its own words (on PostgreSQL a phrase may run from the
	// end of one part into the next; on SQLite it may not), with accents,
	// case, punctuation and shared prefixes.
	subjectWords := []string{"Printer", "printing", "PRINTERS", "résumé", "Resume", "drücker", "Drucker", "e-mail", "paper", "Paperless"}
	bodyWords := []string{"laptop", "Lapland", "network", "netwörk", "VPN", "toner", "Toner_cartridge", "keyboard", "kb"}
	commentWords := []string{"zebra", "zoom", "Zürich", "zurich", "yellow", "yell", "wifi", "Wi-Fi", "42"}
	queries := []string{"printer", "print", "PRINT*", "resume", "résumé", "drucker", "e-mail", `"printer paper"`,
		`"paper printer"*`, "paper -printer", "-resume", "-zebra -toner", "lap", "network", "toner cartridge",
		`"toner cartridge"`, "kb", "zur", "zürich", "yel", `"yell yellow"`, "wi-fi", "42", "zoom -zebra", "printer zoom",
		"ann@x.test", "bob@x.test lap", "ann@x.test -zoom", `"laptop"`}
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		users := []*domain.User{mustUser(t, s, "ann@x.test", domain.RoleEmployee), mustUser(t, s, "bob@x.test", domain.RoleEmployee)}
		rng := rand.New(rand.NewPCG(13, 15))
		text := func(words []string, n int) string {
			var b strings.Builder
			for i := range n {
				if i > 0 {
					b.WriteString([]string{" ", " ", ", ", ". ", " - "}[rng.IntN(5)])
				}
				b.WriteString(words[rng.IntN(len(words))])
			}
			return b.String()
		}
		m := &searchModel{requester: map[int64]string{}, subject: map[int64]string{}, body: map[int64]string{}, comments: map[int64][]modelComment{}}
		tickets := map[int64]*domain.Ticket{}
		ids := func() []int64 {
			var out []int64
			for id := range tickets {
				out = append(out, id)
			}
			slices.Sort(out)
			return out
		}
		pick := func() int64 { all := ids(); return all[rng.IntN(len(all))] }
		commentIDs := func(id int64) {
			t.Helper()
			es, err := s.ListEvents(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			m.comments[id] = nil
			for _, e := range es {
				if e.Kind == domain.EventCommented {
					m.comments[id] = append(m.comments[id], modelComment{e.ID, e.Detail})
				}
			}
		}
		create := func() {
			u := users[rng.IntN(len(users))]
			tk := &domain.Ticket{Subject: text(subjectWords, 1+rng.IntN(4)), Body: text(bodyWords, rng.IntN(8)), RequesterID: u.ID,
				Status: domain.StatusTriage, CreatedAt: t0, UpdatedAt: t0}
			es := []*domain.Event{{At: t0, Kind: domain.EventReceived, Actor: u.Email}}
			if rng.IntN(3) == 0 { // a comment written with the ticket, in the same statement on PostgreSQL
				es = append(es, &domain.Event{At: t0, Kind: domain.EventCommented, Actor: u.Email, Detail: text(commentWords, 1+rng.IntN(3))})
			}
			if err := s.CreateTicket(ctx, tk, es...); err != nil {
				t.Fatal(err)
			}
			tickets[tk.ID] = tk
			m.requester[tk.ID], m.subject[tk.ID], m.body[tk.ID] = u.Email, tk.Subject, tk.Body
			commentIDs(tk.ID)
		}
		for range 8 {
			create()
		}
		for round := range 8 {
			for range 25 {
				switch op := rng.IntN(9); {
				case op == 0 || len(tickets) < 3:
					create()
				case op <= 2: // a comment
					id := pick()
					if err := s.AppendEvents(ctx, &domain.Event{TicketID: id, At: t0, Kind: domain.EventCommented, Actor: "x",
						Detail: text(commentWords, 1+rng.IntN(4))}); err != nil {
						t.Fatal(err)
					}
					commentIDs(id)
				case op == 3: // another event: no change
					if err := s.AppendEvents(ctx, &domain.Event{TicketID: pick(), At: t0, Kind: domain.EventAutoReply, Actor: "x",
						Detail: "zebra printer"}); err != nil {
						t.Fatal(err)
					}
				case op == 4: // a new subject or text, or only a new status
					tk := tickets[pick()]
					prev := tk.Status
					switch rng.IntN(3) {
					case 0:
						tk.Subject = text(subjectWords, 1+rng.IntN(4))
					case 1:
						tk.Body = text(bodyWords, rng.IntN(8))
					}
					tk.Status = domain.StatusUnassigned
					if prev == tk.Status {
						tk.Status = domain.StatusTriage
					}
					if err := s.UpdateTicket(ctx, tk, prev); err != nil {
						t.Fatal(err)
					}
					m.subject[tk.ID], m.body[tk.ID] = tk.Subject, tk.Body
				case op == 5: // a comment moved to another ticket, as a merge would
					from, to := pick(), pick()
					if len(m.comments[from]) == 0 || from == to {
						continue
					}
					c := m.comments[from][rng.IntN(len(m.comments[from]))]
					if err := s.RawExec(ctx, "UPDATE events SET ticket_id = ? WHERE id = ?", to, c.id); err != nil {
						t.Fatal(err)
					}
					commentIDs(from)
					commentIDs(to)
				case op == 6: // a comment deleted
					id := pick()
					if len(m.comments[id]) == 0 {
						continue
					}
					if err := s.RawExec(ctx, "DELETE FROM events WHERE id = ?", m.comments[id][0].id); err != nil {
						t.Fatal(err)
					}
					commentIDs(id)
				case op == 7: // a ticket deleted, its events with it
					id := pick()
					if err := s.RawExec(ctx, "DELETE FROM tickets WHERE id = ?", id); err != nil {
						t.Fatal(err)
					}
					delete(tickets, id)
				default: // a comment's text changed
					id := pick()
					if len(m.comments[id]) == 0 {
						continue
					}
					if err := s.RawExec(ctx, "UPDATE events SET detail = ? WHERE id = ?", text(commentWords, 2), m.comments[id][0].id); err != nil {
						t.Fatal(err)
					}
					commentIDs(id)
				}
			}
			for _, text := range append(queries, domain.FormatRef(pick())) {
				q, err := domain.ParseSearch(text)
				if err != nil {
					t.Fatal(err)
				}
				var want []string
				all := ids()
				for i := len(all) - 1; i >= 0; i-- {
					if m.matches(all[i], q) {
						want = append(want, domain.FormatRef(all[i]))
					}
				}
				got, total := search(t, s, text, domain.SortCreated)
				if got != strings.Join(want, ",") || total != len(want) {
					t.Errorf("round %d: search %q = %s (total %d), want %s", round, text, got, total, strings.Join(want, ","))
				}
				ranked, _ := search(t, s, text, domain.SortRelevance)
				if strings.Join(sortedCopy(strings.Split(ranked, ",")), ",") != strings.Join(sortedCopy(want), ",") {
					t.Errorf("round %d: search %q by relevance = %s, want the tickets %s", round, text, ranked, strings.Join(want, ","))
				}
				// With a condition on tickets, the match is a subquery of
				// the index rather than the index alone.
				var triage []string
				for _, ref := range want {
					id, _ := domain.ParseRef(ref)
					if tickets[id].Status == domain.StatusTriage {
						triage = append(triage, ref)
					}
				}
				for _, sort := range []domain.TicketSort{domain.SortRelevance, domain.SortCreated} {
					ts, total, err := searchTickets(ctx, s, domain.TicketQuery{Text: text, Status: domain.StatusTriage, Sort: sort}, 100)
					got, want := refs(ts), strings.Join(triage, ",")
					if sort == domain.SortRelevance { // the order is the rank's: compare the sets
						got, want = strings.Join(sortedCopy(strings.Split(got, ",")), ","), strings.Join(sortedCopy(triage), ",")
					}
					if err != nil || got != want || total != len(triage) {
						t.Errorf("round %d: search %q in triage (%s) = %s (total %d), %v; want %s", round, text, sort, refs(ts), total, err, want)
					}
				}
			}
		}
	})
}

// scanOfTickets finds a full scan of tickets in SQLite's plan.
var scanOfTickets = regexp.MustCompile(`SCAN t( |$)`)

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// TestSearchPlan: on a seeded database (ANALYZEd), the search's count
// and its page, in order of relevance or of creation, read the tickets
// through the full-text index (FTS5's virtual table; a bitmap scan of the
// GIN index) and by primary key: no scan of tickets for the match.
func TestSearchPlan(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 20,000 tickets")
	}
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@x.test", domain.RoleEmployee)
		n := 20_000
		if raceEnabled { // the plans are the same; the race detector makes seeding slow
			n = 5_000
		}
		if err := s.SeedSearchForTest(ctx, n, ann.ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.RawExec(ctx, "ANALYZE"); err != nil {
			t.Fatal(err)
		}
		if s.Postgres() { // the GIN index's pending list merged, as autovacuum would
			if err := s.RawExec(ctx, "VACUUM ticket_search"); err != nil {
				t.Fatal(err)
			}
		}
		var queries []string
		s.RecordQueries(func(q string) {
			if strings.HasPrefix(q, "SELECT") {
				queries = append(queries, q)
			}
		})
		for _, c := range []domain.TicketQuery{
			{Text: "printer"},
			{Text: `"paper jam" -toner`},
			{Text: "print", Sort: domain.SortCreated},
			{Text: "netw", Status: domain.StatusTriage, Sort: domain.SortUpdated},
			// Deeper pages: by creation past a ticket, by relevance at a
			// position of the ranked window.
			{Text: "print", Sort: domain.SortCreated, After: &domain.TicketCursor{Sort: domain.SortCreated, ID: int64(n / 2)}},
			{Text: "printer", After: &domain.TicketCursor{Sort: domain.SortRelevance, Pos: 100}},
		} {
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			ts, total, err := searchTickets(ctx, s, c, domain.TicketPageSize)
			if err != nil || len(ts) == 0 || total == 0 {
				t.Fatalf("search %q: %d tickets (total %d), %v", c.Text, len(ts), total, err)
			}
		}
		s.RecordQueries(func(string) {})
		if len(queries) != 12 {
			t.Fatalf("recorded %d queries, want 12 (a count and a page for each search): %q", len(queries), queries)
		}
		for _, q := range queries {
			steps, err := s.ExplainForTest(ctx, q)
			if err != nil {
				t.Fatalf("explain %s: %v", q, err)
			}
			var plan strings.Builder
			gin, index, fts5, scan := false, false, false, false
			for _, st := range steps {
				fmt.Fprintf(&plan, "%+v\n", st)
				gin = gin || st.Index == "ticket_search_gin"
				index = index || st.Index == "ticket_search_gin" || st.Index == "ticket_search_pkey"
				fts5 = fts5 || strings.Contains(st.Detail, "SCAN ticket_search VIRTUAL TABLE INDEX")
				// A full scan of tickets, or on PostgreSQL of the index's
				// table (FTS5's virtual table "scans" through its index).
				scan = scan || (st.FullScan && (st.Table == "tickets" || (s.Postgres() && st.Table == "ticket_search"))) ||
					scanOfTickets.MatchString(st.Detail)
			}
			if s.Postgres() {
				// A count reads the GIN index; a page may rather walk an
				// index of tickets or ticket_search in its order and test
				// each document, when the planner expects to stop early.
				// Nothing is read whole.
				if !index || (strings.Contains(q, "count(*)") && !gin) || scan {
					t.Errorf("query %s\nplan without the search index, or with a sequential scan:\n%s", q, plan.String())
				}
				continue
			}
			if !fts5 || scan {
				t.Errorf("query %s\nplan without the FTS5 index, or scanning tickets:\n%s", q, plan.String())
			}
		}
	})
}

// BenchmarkSearch: searches of 100,000 tickets of generated helpdesk
// text (BENCH_SEARCH_TICKETS changes the number), on each database; the
// size of the index is logged. Seeding takes a while: run it alone, with
// -run '^$' -bench BenchmarkSearch -benchtime 200x.
func BenchmarkSearch(b *testing.B) {
	n := storagetest.Size(b, "BENCH_SEARCH_TICKETS", 100_000)
	benchEach(b, func(b *testing.B, s *storage.Store) {
		ctx := context.Background()
		u := &domain.User{Email: "ann@x.test", Role: domain.RoleEmployee, CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateUser(ctx, u); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := s.SeedSearchForTest(ctx, n, u.ID, t0); err != nil {
			b.Fatal(err)
		}
		if err := s.RawExec(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
		size, err := s.SearchIndexSizeForTest(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("seeded %d tickets in %v; the search index takes %.1f MB", n, time.Since(start).Round(time.Millisecond), float64(size)/1e6)
		for _, c := range []domain.TicketQuery{
			{Text: "printer"},
			{Text: "print"},
			{Text: `"paper jam" -toner`},
			{Text: "vpn laptop"},
			{Text: "printer", Sort: domain.SortCreated},
			{Text: "printer", Status: domain.StatusTriage},
			{Text: domain.FormatRef(int64(n / 2))},
			{Text: "ann@x.test"},
		} {
			if err := c.Validate(); err != nil {
				b.Fatal(err)
			}
			b.Run(strings.NewReplacer(" ", "_", `"`, "").Replace(c.Text)+"/"+string(c.Sort)+string(c.Status), func(b *testing.B) {
				var total int
				for b.Loop() {
					ts, n, err := searchTickets(ctx, s, c, domain.TicketPageSize)
					if err != nil || len(ts) == 0 {
						b.Fatalf("search %q: %d tickets, %v", c.Text, len(ts), err)
					}
					total = n
				}
				b.ReportMetric(float64(total), "matches")
			})
		}
	})
}

// benchEach is storagetest.EachStore for a benchmark: SQLite, and
// PostgreSQL when TEST_DATABASE_URL is set.
func benchEach(b *testing.B, fn func(b *testing.B, s *storage.Store)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storagetest.Open(b, filepath.Join(b.TempDir(), "ticketgate.db"))) })
	if os.Getenv("TEST_DATABASE_URL") != "" {
		b.Run("postgres", func(b *testing.B) { fn(b, storagetest.Open(b, storagetest.PostgresSchema(b))) })
	}
}
