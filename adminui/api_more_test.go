package adminui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
)

// TestAPIIdempotency: the same Idempotency-Key twice with one token makes
// one ticket, the second answer 200 with it; another key, or the same key
// of another token, makes another; concurrent requests with one key make
// one ticket.
func TestAPIIdempotency(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		f.h.apiLimit = newTokenBuckets(1e6, time.Now)
		_, ann := f.apiToken("ann", domain.ScopeWrite)
		_, ann2 := f.apiToken("ann", domain.ScopeWrite)
		body := map[string]string{"subject": "Printer jammed", "body": "Paper everywhere."}
		ref := func(res apiResult) string { return fmt.Sprint(res.json(t)["ref"]) }
		first := f.api(ann, "POST", "/api/v1/tickets", body, "Idempotency-Key", "k-1")
		again := f.api(ann, "POST", "/api/v1/tickets", body, "Idempotency-Key", "k-1")
		if first.status != 201 || again.status != 200 || ref(first) != ref(again) {
			t.Fatalf("same key twice: %d %s, %d %s", first.status, ref(first), again.status, ref(again))
		}
		if loc := first.header.Get("Location"); !strings.HasSuffix(loc, "/api/v1/tickets/"+ref(first)) {
			t.Errorf("Location %q", loc)
		}
		other := f.api(ann, "POST", "/api/v1/tickets", body, "Idempotency-Key", "k-2")
		otherToken := f.api(ann2, "POST", "/api/v1/tickets", body, "Idempotency-Key", "k-1")
		noKey := f.api(ann, "POST", "/api/v1/tickets", body)
		seen := map[string]bool{ref(first): true}
		for _, res := range []apiResult{other, otherToken, noKey} {
			if res.status != 201 || seen[ref(res)] {
				t.Errorf("a new ticket was expected: %d %s", res.status, ref(res))
			}
			seen[ref(res)] = true
		}
		// Racing requests with one key.
		var wg sync.WaitGroup
		refs := make([]string, 8)
		for i := range refs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res := f.api(ann, "POST", "/api/v1/tickets", body, "Idempotency-Key", "race")
				if res.status == 201 || res.status == 200 {
					refs[i] = ref(res)
				} else {
					refs[i] = fmt.Sprintf("status %d: %s", res.status, res.body)
				}
			}()
		}
		wg.Wait()
		for _, r := range refs {
			if r != refs[0] {
				t.Errorf("racing requests with one key: %v", refs)
				break
			}
		}
		ts, err := f.st.ListTickets(context.Background(), domain.TicketQuery{RequesterID: f.users["ann"].ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 1+5 { // t1, and k-1, k-2, ann2's k-1, no key, race
			t.Errorf("ann has %d tickets, want 6", len(ts))
		}
		if res := f.api(ann, "POST", "/api/v1/tickets", body, "Idempotency-Key", strings.Repeat("k", domain.MaxIdempotencyKey+1)); res.status != 422 {
			t.Errorf("long key = %d", res.status)
		}
	})
}

// TestAPIProblems: every kind of error is problem+json with its type, and
// a validation error names the field.
func TestAPIProblems(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		f.h.apiLimit = newTokenBuckets(1e6, time.Now)
		_, ann := f.apiToken("ann", domain.ScopeWrite)
		_, root := f.apiToken("root", domain.ScopeWrite)
		res := f.api("", "GET", "/api/v1/me", nil)
		checkProblem(t, "no token", res, 401, "unauthorized")
		if !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("WWW-Authenticate %q", res.header.Get("WWW-Authenticate"))
		}
		checkProblem(t, "bad token", f.api("tg_nope", "GET", "/api/v1/me", nil), 401, "unauthorized")
		checkProblem(t, "a session-like token", f.api("abc.def", "GET", "/api/v1/me", nil), 401, "unauthorized")
		checkProblem(t, "unknown route", f.api(ann, "GET", "/api/v1/nothing", nil), 404, "not-found")
		checkProblem(t, "wrong method", f.api(ann, "DELETE", "/api/v1/tickets", nil), 405, "method-not-allowed")
		checkProblem(t, "unknown ticket", f.api(ann, "GET", "/api/v1/tickets/TKT-424242", nil), 404, "not-found")
		checkProblem(t, "other's ticket", f.api(ann, "GET", "/api/v1/tickets/"+f.t2.Ref(), nil), 404, "not-found")
		checkProblem(t, "seen, not changed", f.api(ann, "POST", "/api/v1/tickets/"+f.t1.Ref()+"/resolve", map[string]string{"note": "x"}), 403, "forbidden")
		checkProblem(t, "admins only", f.api(ann, "GET", "/api/v1/users", nil), 403, "forbidden")

		// The body.
		req := func(ct, body string) apiResult {
			r, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/tickets", strings.NewReader(body))
			r.Header.Set("Authorization", "Bearer "+ann)
			r.Header.Set("Content-Type", ct)
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return apiResult{status: resp.StatusCode, header: resp.Header, body: b}
		}
		checkProblem(t, "form body", req("application/x-www-form-urlencoded", "subject=x"), 415, "unsupported-media")
		checkProblem(t, "broken JSON", req("application/json", `{"subject":`), 400, "bad-request")
		checkProblem(t, "unknown field", req("application/json", `{"subject":"s","body":"b","priority":1}`), 400, "bad-request")
		checkProblem(t, "two values", req("application/json", `{"subject":"s","body":"b"} {}`), 400, "bad-request")
		checkProblem(t, "too large", req("application/json", `{"subject":"`+strings.Repeat("x", maxAPIBody)+`"}`), 413, "request-too-large")
		for _, c := range []struct {
			body  string
			field string
		}{
			{`{"subject":"","body":"b"}`, "subject"},
			{`{"subject":"s","body":" "}`, "body"},
			{`{"subject":1,"body":"b"}`, "subject"},
			{`{"subject":"s","body":"b","requester":"not an address"}`, "requester"},
		} {
			p := checkProblem(t, c.body, req("application/json", c.body), 422, "validation")
			if errs, _ := p["errors"].(map[string]any); errs[c.field] == nil || errs[c.field] == "" {
				t.Errorf("%s: errors %v, want field %q", c.body, p["errors"], c.field)
			}
		}
		checkProblem(t, "another requester", req("application/json", `{"subject":"s","body":"b","requester":"ben@company.test"}`), 403, "forbidden")
		checkProblem(t, "a category", req("application/json", `{"subject":"s","body":"b","category":"Hardware"}`), 403, "forbidden")
		fieldOf := func(what string, res apiResult, field string) {
			t.Helper()
			p := checkProblem(t, what, res, 422, "validation")
			if errs, _ := p["errors"].(map[string]any); errs[field] == nil {
				t.Errorf("%s: errors %v, want field %q", what, p["errors"], field)
			}
		}
		fieldOf("empty comment", f.api(ann, "POST", "/api/v1/tickets/"+f.t1.Ref()+"/comments", map[string]string{"text": ""}), "text")
		fieldOf("empty note", f.api(root, "POST", "/api/v1/tickets/"+f.t1.Ref()+"/resolve", map[string]string{"note": ""}), "note")
		fieldOf("no agent", f.api(root, "POST", "/api/v1/tickets/"+f.t1.Ref()+"/assign", map[string]string{"agent": ""}), "agent")
		fieldOf("unknown category", f.api(root, "POST", "/api/v1/tickets", map[string]string{"subject": "s", "body": "b", "category": "Nope"}), "category")
		fieldOf("bad cursor", f.api(ann, "GET", "/api/v1/tickets?after=zzz", nil), "after")
		fieldOf("employee filter", f.api(ann, "GET", "/api/v1/tickets?q=vpn", nil), "q")
		fieldOf("bad status", f.api(root, "GET", "/api/v1/tickets?status=gone", nil), "status")
		fieldOf("bad date", f.api(root, "GET", "/api/v1/tickets?from=yesterday", nil), "from")
	})
}

// TestAPIRateLimit: past its burst a token gets 429 with Retry-After,
// another token does not, and the bucket refills with the clock.
func TestAPIRateLimit(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		f.h.apiLimit = newTokenBuckets(0.5, clock) // burst 1, then one every 2 s
		_, ann := f.apiToken("ann", domain.ScopeRead)
		_, bob := f.apiToken("bob", domain.ScopeRead)
		if res := f.api(ann, "GET", "/api/v1/me", nil); res.status != 200 {
			t.Fatalf("first = %d", res.status)
		}
		res := f.api(ann, "GET", "/api/v1/me", nil)
		checkProblem(t, "second", res, 429, "too-many-requests")
		if ra := res.header.Get("Retry-After"); ra != "2" {
			t.Errorf("Retry-After %q, want 2", ra)
		}
		if res := f.api(bob, "GET", "/api/v1/me", nil); res.status != 200 {
			t.Errorf("another token = %d", res.status)
		}
		mu.Lock()
		now = now.Add(2 * time.Second)
		mu.Unlock()
		if res := f.api(ann, "GET", "/api/v1/me", nil); res.status != 200 {
			t.Errorf("after 2 s = %d", res.status)
		}
		// The default: 10 a second with a burst of 20.
		l := newTokenBuckets(0, clock)
		n := 0
		for ; n < 100; n++ {
			if _, ok := l.take(1); !ok {
				break
			}
		}
		if n != 20 {
			t.Errorf("default burst = %d, want 20", n)
		}
	})
}

// TestTokenBucketsBounded: the limiter's memory stays bounded by
// maxLimitedTokens however many tokens call.
func TestTokenBucketsBounded(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	l := newTokenBuckets(1, func() time.Time { return now })
	for id := int64(1); id <= 3*maxLimitedTokens; id++ {
		l.take(id)
		l.take(id) // spent: not dropped as full
	}
	if len(l.buckets) > maxLimitedTokens {
		t.Errorf("%d buckets, want at most %d", len(l.buckets), maxLimitedTokens)
	}
}

// TestAPITokenRevokedMidRun: a token stops at once when revoked, and while
// its user is disabled.
func TestAPITokenRevokedMidRun(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		f.h.apiLimit = newTokenBuckets(1e6, time.Now)
		ctx := context.Background()
		tok, ann := f.apiToken("ann", domain.ScopeWrite)
		if res := f.api(ann, "GET", "/api/v1/tickets/"+f.t1.Ref(), nil); res.status != 200 {
			t.Fatalf("before = %d", res.status)
		}
		u := f.users["ann"]
		u.Disabled = true
		if err := f.st.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		checkProblem(t, "user disabled", f.api(ann, "GET", "/api/v1/me", nil), 401, "unauthorized")
		u.Disabled = false
		if err := f.st.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if res := f.api(ann, "POST", "/api/v1/tickets/"+f.t1.Ref()+"/comments", map[string]string{"text": "still here"}); res.status != 200 {
			t.Fatalf("enabled again = %d", res.status)
		}
		if err := f.desk.RevokeAPIToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		checkProblem(t, "revoked", f.api(ann, "POST", "/api/v1/tickets/"+f.t1.Ref()+"/comments", map[string]string{"text": "after"}), 401, "unauthorized")
		d, _ := f.desk.Ticket(ctx, f.t1.ID)
		for _, e := range d.Events {
			if strings.Contains(e.Detail, "after") {
				t.Error("a revoked token's comment was added")
			}
		}
	})
}

// TestAPIPagination walks GET /api/v1/tickets over 1,000 tickets (many
// created in the same second, so the keyset's tie-break on the id
// matters) with new tickets opened between pages: every ticket there at
// the start comes exactly once, none is skipped.
func TestAPIPagination(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		f.h.apiLimit = newTokenBuckets(1e6, time.Now)
		ctx := context.Background()
		_, nextTicket, err := f.st.SeedNextIDs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		const n = 1000
		base := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
		seed := &storage.Seed{}
		for i := range n {
			at := base.Add(time.Duration(i/7) * time.Second) // 7 tickets a second
			seed.Tickets = append(seed.Tickets, domain.Ticket{ID: nextTicket + int64(i), Subject: fmt.Sprintf("seeded %d", i),
				Body: "seeded", Status: domain.StatusTriage, RequesterID: f.users["ben"].ID, CreatedAt: at, UpdatedAt: at})
		}
		if err := f.st.SeedRows(ctx, seed); err != nil {
			t.Fatal(err)
		}
		if err := f.st.SeedDone(ctx); err != nil {
			t.Fatal(err)
		}
		all, err := f.st.ListTickets(ctx, domain.TicketQuery{})
		if err != nil {
			t.Fatal(err)
		}
		_, root := f.apiToken("root", domain.ScopeWrite)
		for _, sort := range []string{"", "?sort=created&dir=asc", "?sort=updated", "?sort=subject&dir=asc"} {
			seen := map[int64]int{}
			next := f.srv.URL + "/api/v1/tickets" + sort
			pages := 0
			for next != "" {
				res := f.api(root, "GET", strings.TrimPrefix(next, f.srv.URL), nil)
				if res.status != 200 {
					t.Fatalf("%s = %d %s", next, res.status, res.body)
				}
				var page ticketList
				if err := json.Unmarshal(res.body, &page); err != nil {
					t.Fatal(err)
				}
				for _, tk := range page.Tickets {
					seen[tk.ID]++
				}
				pages++
				// A new ticket between pages.
				if r := f.api(root, "POST", "/api/v1/tickets", map[string]string{"subject": fmt.Sprintf("between %d", pages), "body": "b"}); r.status != 201 {
					t.Fatalf("insert between pages = %d", r.status)
				}
				next = ""
				if page.Next != nil {
					next = *page.Next
					if link := res.header.Get("Link"); link != "<"+next+`>; rel="next"` {
						t.Errorf("Link %q", link)
					}
				}
			}
			for _, tk := range all {
				if seen[tk.ID] != 1 {
					t.Errorf("sort %q: %s seen %d times", sort, tk.Ref(), seen[tk.ID])
				}
			}
			for id, c := range seen {
				if c > 1 {
					t.Errorf("sort %q: TKT-%d seen %d times", sort, id, c)
				}
			}
			if pages < n/domain.TicketPageSize {
				t.Errorf("sort %q: %d pages", sort, pages)
			}
		}
	})
}
