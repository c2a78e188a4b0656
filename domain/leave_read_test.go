package domain_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/leave"
	"ticketgate/domain/leave/leavetest"
	"ticketgate/domain/mailauth"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

const leavePeriod = 5 * time.Minute

// graphReader is a leave reader against fake's Graph, with app-only tokens
// from fake's client-credentials endpoint; its clock is set by the caller.
func graphReader(t *testing.T, fake *leavetest.Server) (*leave.Reader, *leave.Graph) {
	t.Helper()
	src, err := mailauth.Microsoft365{Tenant: fake.Tenant, ClientID: fake.ClientID, ClientSecret: fake.Secret, LoginURL: fake.URL}.
		AppOnlyFor([]string{mailauth.MicrosoftGraphScope}, mailauth.SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g := &leave.Graph{BaseURL: fake.GraphURL(), Tokens: src}
	return &leave.Reader{Graph: g}, g
}

func (f *fixture) member2(email string) *domain.TeamMember {
	f.t.Helper()
	ms, err := f.s.ListTeamMembers(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	for i := range ms {
		if ms[i].Email == email {
			return &ms[i]
		}
	}
	f.t.Fatalf("no member %s", email)
	return nil
}

func (f *fixture) readLeaves() {
	f.t.Helper()
	if _, err := f.d.ReadLeaves(f.ctx); err != nil {
		f.t.Fatalf("ReadLeaves: %v", err)
	}
}

func (f *fixture) leaveState(email string) domain.LeaveState {
	f.t.Helper()
	states, _, err := f.d.TeamLeave(f.ctx, admin, 50)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, s := range states {
		if s.Email == email {
			return s
		}
	}
	f.t.Fatalf("no leave reading of %s in %+v", email, states)
	return domain.LeaveState{}
}

func (f *fixture) lastTeamEvent(email string) domain.TeamEvent {
	f.t.Helper()
	_, evs, err := f.d.TeamLeave(f.ctx, admin, 50)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, e := range evs {
		if e.Email == email {
			return e
		}
	}
	f.t.Fatalf("no team event of %s", email)
	return domain.TeamEvent{}
}

func microsoft(m *domain.TeamMember) { m.LeaveSource = domain.LeaveMicrosoft }

// TestLeaveFromGraph: a member whose automatic replies are scheduled now is
// away until their end and gets no new ticket; their untouched tickets
// move, the ones they worked on stay; after the end they are back (read
// again before an assignment, the last read being old); an availability
// set by hand wins until its own end; Graph's tokens are app-only
// (client credentials) for Graph's scope.
func TestLeaveFromGraph(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		fake := leavetest.New(t)
		r, g := graphReader(t, fake)
		f := newFixture(t, s, domain.WithLeave(r, leavePeriod))
		g.Clock = f.clock
		hw := f.category("Hardware")
		f.member("bob@x.test", microsoft, hw.ID)
		f.member("cleo@x.test", nil, hw.ID)
		var ids []int64
		for range 4 {
			f.clock.Advance(time.Minute)
			ids = append(ids, f.assign(f.ticket(hw.ID, domain.StatusTriage).ID).ID)
		}
		if c := openCounts(t, s); c["bob@x.test"] != 2 || c["cleo@x.test"] != 2 {
			t.Fatalf("counts = %v, want 2 each", c)
		}
		if n := fake.Requests(leavetest.Replies, "bob@x.test"); n != 1 {
			t.Errorf("bob's automatic replies read %d times before his first ticket, want 1 (read before assigning, then fresh)", n)
		}
		if st := f.leaveState("bob@x.test"); st.OnLeave || st.Error != "" || !strings.Contains(st.Detail, "presence not read (no Presence.Read.All permission)") {
			t.Errorf("bob's reading = %+v, want not on leave, presence refused without failing", st)
		}
		var bobs []int64
		for _, id := range ids {
			if f.get(id).Assignee == "bob@x.test" {
				bobs = append(bobs, id)
			}
		}
		if err := f.d.Comment(f.ctx, bobs[1], domain.Actor{Email: "bob@x.test"}, "On it.", "email"); err != nil {
			t.Fatal(err)
		}

		// Automatic replies scheduled from an hour ago to in three days.
		now := f.clock.Now()
		end := now.Add(72 * time.Hour).Truncate(time.Minute)
		fake.Set(leavetest.Replies, "bob@x.test", leavetest.Scheduled(now.Add(-time.Hour), end))
		f.clock.Advance(leavePeriod)
		f.readLeaves()
		bob := f.member2("bob@x.test")
		if bob.Available || bob.AwayUntil == nil || !bob.AwayUntil.Equal(end) || bob.AwaySource != domain.AwaySource(domain.LeaveMicrosoft) {
			t.Fatalf("bob = %+v, want away until %v by microsoft", bob, end)
		}
		if e := f.lastTeamEvent("bob@x.test"); e.Kind != domain.TeamEventAway || e.Source != "microsoft" || !strings.Contains(e.Detail, "automatic replies scheduled until") {
			t.Errorf("team event = %+v", e)
		}
		if got := f.get(bobs[0]); got.Assignee != "cleo@x.test" || !strings.Contains(f.lastEvent(bobs[0]).Detail, "bob@x.test is on leave until "+end.Format("2006-01-02 15:04 UTC")+" (Microsoft 365: automatic replies scheduled until") {
			t.Errorf("bob's untouched ticket: %s to %s, event %+v; want moved to cleo", got.Status, got.Assignee, f.lastEvent(bobs[0]))
		}
		if got := f.get(bobs[1]); got.Assignee != "bob@x.test" {
			t.Errorf("bob's worked-on ticket went to %s", got.Assignee)
		}
		// bob has 1 open ticket, cleo 3: a new one still goes to cleo.
		if got := f.assign(f.ticket(hw.ID, domain.StatusTriage).ID); got.Assignee != "cleo@x.test" {
			t.Errorf("new ticket during bob's leave went to %q", got.Assignee)
		}
		if !slices.Contains(fake.Scopes(), mailauth.MicrosoftGraphScope) {
			t.Errorf("token scopes asked = %q, want %s", fake.Scopes(), mailauth.MicrosoftGraphScope)
		}

		// The end is honoured: after it bob gets tickets again; the read
		// made before the assignment (the last one is old) says back.
		before := fake.Requests(leavetest.Replies, "bob@x.test")
		f.clock.Advance(end.Sub(f.clock.Now()) + time.Minute)
		if got := f.assign(f.ticket(hw.ID, domain.StatusTriage).ID); got.Assignee != "bob@x.test" {
			t.Errorf("new ticket after bob's leave went to %q", got.Assignee)
		}
		if n := fake.Requests(leavetest.Replies, "bob@x.test"); n != before+1 {
			t.Errorf("reads before the assignment = %d, want 1", n-before)
		}
		if e := f.lastTeamEvent("bob@x.test"); e.Kind != domain.TeamEventBack || e.Source != "microsoft" {
			t.Errorf("team event after the end = %+v, want back", e)
		}
		if bob := f.member2("bob@x.test"); !bob.Available || bob.AwayUntil != nil {
			t.Errorf("bob after his leave = %+v", bob)
		}

		// Manual availability wins: a new leave, then an admin marks bob
		// available; reads do not mark him away until that leave's end.
		now = f.clock.Now()
		end2 := now.Add(48 * time.Hour).Truncate(time.Minute)
		fake.Set(leavetest.Replies, "bob@x.test", leavetest.Scheduled(now.Add(-time.Minute), end2))
		f.clock.Advance(leavePeriod)
		f.readLeaves()
		if bob := f.member2("bob@x.test"); bob.Available {
			t.Fatalf("bob not away on his second leave: %+v", bob)
		}
		if err := f.d.SetAvailability(f.ctx, "bob@x.test", true, nil, admin); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			f.clock.Advance(leavePeriod)
			f.readLeaves()
		}
		if bob := f.member2("bob@x.test"); !bob.Available || bob.AwaySource != domain.AwayManual || bob.ManualUntil == nil || !bob.ManualUntil.Equal(end2) {
			t.Errorf("bob made available by hand = %+v, want available until the leave's end %v", bob, end2)
		}
		if got := f.assign(f.ticket(hw.ID, domain.StatusTriage).ID); got.Assignee != "bob@x.test" {
			t.Errorf("new ticket while bob is available by hand went to %q", got.Assignee)
		}
		// The leave ends early (replies off): the hold that waited for its
		// end goes with it, so a new leave before end2 marks him away.
		fake.Set(leavetest.Replies, "bob@x.test", leavetest.Disabled())
		f.clock.Advance(leavePeriod)
		f.readLeaves()
		if bob := f.member2("bob@x.test"); bob.ManualUntil != nil || !bob.Available {
			t.Errorf("bob after his leave ended early = %+v, want available with no hold", bob)
		}
		now = f.clock.Now()
		fake.Set(leavetest.Replies, "bob@x.test", leavetest.Scheduled(now.Add(-time.Minute), end2.Add(-time.Hour)))
		f.clock.Advance(leavePeriod)
		f.readLeaves()
		if bob := f.member2("bob@x.test"); bob.Available || bob.AwaySource != domain.AwaySource(domain.LeaveMicrosoft) {
			t.Errorf("a new leave after the early end = %+v, want away by microsoft (the old hold is over)", bob)
		}
		// Past the manual hold, a later leave marks him away again.
		f.clock.Advance(end2.Sub(f.clock.Now()) + time.Minute)
		now = f.clock.Now()
		fake.Set(leavetest.Replies, "bob@x.test", leavetest.Scheduled(now.Add(-time.Minute), now.Add(24*time.Hour)))
		f.readLeaves()
		if bob := f.member2("bob@x.test"); bob.Available || bob.AwaySource != domain.AwaySource(domain.LeaveMicrosoft) {
			t.Errorf("bob after the manual hold ended = %+v, want away by microsoft", bob)
		}
		// An away set by hand wins over a provider that says no leave.
		fake.Set(leavetest.Replies, "bob@x.test", leavetest.Disabled())
		until := f.clock.Now().Add(10 * 24 * time.Hour).Truncate(time.Minute)
		if err := f.d.SetAvailability(f.ctx, "bob@x.test", false, &until, admin); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(leavePeriod)
		f.readLeaves()
		if bob := f.member2("bob@x.test"); bob.Available || bob.AwayUntil == nil || !bob.AwayUntil.Equal(until) || bob.AwaySource != domain.AwayManual {
			t.Errorf("bob away by hand after a read of no leave = %+v", bob)
		}
		if n := historyInEveryLanguage(t, s); n < 6 {
			t.Errorf("%d details checked", n)
		}
	})
}

// TestLeaveFailures: 429 with Retry-After is waited out (no request
// before it, neither scheduled nor before an assignment); a missing
// permission and an unknown user are stored on the member's reading; no
// failure blocks an assignment.
func TestLeaveFailures(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		fake := leavetest.New(t)
		r, g := graphReader(t, fake)
		f := newFixture(t, s, domain.WithLeave(r, leavePeriod))
		g.Clock = f.clock
		net := f.category("Network")
		f.member("dan@x.test", microsoft, net.ID)
		f.member("erin@x.test", microsoft)
		f.member("frank@x.test", microsoft)
		fake.Set(leavetest.Replies, "dan@x.test", leavetest.Reply{Status: http.StatusTooManyRequests, RetryAfter: "900",
			Body: `{"error":{"code":"TooManyRequests","message":"Application is over its MailboxConcurrency limit."}}`})
		fake.Set(leavetest.Replies, "erin@x.test", leavetest.Reply{Status: http.StatusForbidden,
			Body: `{"error":{"code":"ErrorAccessDenied","message":"Access is denied. Check credentials and try again."}}`})
		fake.Set(leavetest.Replies, "frank@x.test", leavetest.Reply{Status: http.StatusNotFound,
			Body: `{"error":{"code":"ErrorInvalidUser","message":"The requested user 'frank@x.test' is invalid."}}`})
		f.readLeaves()
		if n := fake.Requests(leavetest.Replies, "dan@x.test"); n != 1 {
			t.Fatalf("dan read %d times, want 1", n)
		}
		if st := f.leaveState("dan@x.test"); !strings.Contains(st.Error, "HTTP 429") || !strings.Contains(st.Error, "retry after 15m0s") || !st.DueAt.Equal(f.clock.Now().Add(15*time.Minute)) {
			t.Errorf("dan's reading = %+v", st)
		}
		if st := f.leaveState("erin@x.test"); !strings.Contains(st.Error, "HTTP 403 ErrorAccessDenied") || !strings.Contains(st.Error, "missing permission") {
			t.Errorf("erin's reading = %+v", st)
		}
		if st := f.leaveState("frank@x.test"); !strings.Contains(st.Error, "HTTP 404") || !strings.Contains(st.Error, "unknown user") {
			t.Errorf("frank's reading = %+v", st)
		}
		// A period later: dan is still waited for, the others read again.
		f.clock.Advance(leavePeriod)
		f.readLeaves()
		if got := f.assign(f.ticket(net.ID, domain.StatusTriage).ID); got.Assignee != "dan@x.test" {
			t.Errorf("a ticket for dan, throttled, went to %q (%s)", got.Assignee, got.Status)
		}
		if n := fake.Requests(leavetest.Replies, "dan@x.test"); n != 1 {
			t.Errorf("dan read %d times before Retry-After ran out, want 1", n)
		}
		if n := fake.Requests(leavetest.Replies, "erin@x.test"); n != 2 {
			t.Errorf("erin read %d times, want 2", n)
		}
		f.clock.Advance(10 * time.Minute)
		fake.Set(leavetest.Replies, "dan@x.test", leavetest.Disabled())
		f.readLeaves()
		if n := fake.Requests(leavetest.Replies, "dan@x.test"); n != 2 {
			t.Errorf("dan read %d times after Retry-After, want 2", n)
		}
		if st := f.leaveState("dan@x.test"); st.Error != "" || st.ReadAt == nil {
			t.Errorf("dan's reading after a good read = %+v", st)
		}
	})
}

// TestLeaveFromGoogle: Gmail's vacation responder and the calendar's
// out-of-office events, with a service account's token for the member.
func TestLeaveFromGoogle(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		fake := leavetest.New(t)
		key := fake.ServiceAccountKey(t)
		gr := &leave.Google{BaseURL: fake.URL, Tokens: func(email string) (mailauth.TokenSource, error) {
			return mailauth.Google{ServiceAccountJSON: key}.ServiceAccountFor(email,
				[]string{mailauth.GoogleGmailSettingsScope, mailauth.GoogleCalendarScope}, mailauth.SourceOptions{})
		}}
		f := newFixture(t, s, domain.WithLeave(&leave.Reader{Google: gr}, leavePeriod))
		gr.Clock = f.clock
		hw := f.category("Hardware")
		f.member("gail@x.test", func(m *domain.TeamMember) { m.LeaveSource = domain.LeaveGoogle }, hw.ID)
		f.member("hugo@x.test", nil, hw.ID)
		now := f.clock.Now()
		end := now.Add(5 * 24 * time.Hour).Truncate(time.Second)
		fake.Set(leavetest.Vacation, "gail@x.test", leavetest.VacationOn(now.Add(-time.Hour), end))
		f.readLeaves()
		gail := f.member2("gail@x.test")
		if gail.Available || gail.AwayUntil == nil || !gail.AwayUntil.Equal(end) || gail.AwaySource != domain.AwaySource(domain.LeaveGoogle) {
			t.Fatalf("gail = %+v, want away until %v by google", gail, end)
		}
		if got := f.assign(f.ticket(hw.ID, domain.StatusTriage).ID); got.Assignee != "hugo@x.test" {
			t.Errorf("ticket during gail's vacation went to %q", got.Assignee)
		}
		// The responder off, an out-of-office event in the calendar.
		f.clock.Advance(leavePeriod)
		now = f.clock.Now()
		calEnd := now.Add(2 * time.Hour).Truncate(time.Second)
		fake.Set(leavetest.Vacation, "gail@x.test", leavetest.Reply{Body: `{"enableAutoReply":false}`})
		fake.Set(leavetest.Calendar, "gail@x.test", leavetest.OutOfOffice(now.Add(-time.Hour), calEnd))
		f.readLeaves()
		if gail := f.member2("gail@x.test"); gail.Available || gail.AwayUntil == nil || !gail.AwayUntil.Equal(calEnd) {
			t.Errorf("gail out of office in the calendar = %+v, want away until %v", gail, calEnd)
		}
		if e := f.lastTeamEvent("gail@x.test"); e.Kind != domain.TeamEventAway || e.Source != "google" || !strings.Contains(e.Detail, "out of office in the calendar") {
			t.Errorf("team event = %+v", e)
		}
		f.clock.Advance(3 * time.Hour)
		fake.Set(leavetest.Calendar, "gail@x.test", leavetest.Reply{Body: `{"items":[]}`})
		f.readLeaves()
		if gail := f.member2("gail@x.test"); !gail.Available {
			t.Errorf("gail after her out-of-office = %+v, want back", gail)
		}
		// Her leave no longer read: an away the provider set goes with it
		// (nobody would read its end), even from a form that shows it.
		f.clock.Advance(leavePeriod)
		fake.Set(leavetest.Vacation, "gail@x.test", leavetest.VacationOn(time.Time{}, time.Time{}))
		f.readLeaves()
		gail = f.member2("gail@x.test")
		if gail.Available || gail.AwayUntil != nil {
			t.Fatalf("gail with the responder on and no end = %+v, want away with no end", gail)
		}
		if _, err := f.d.SaveTeamMember(f.ctx, admin, domain.TeamMemberChange{Email: "gail@x.test", CategoryIDs: gail.CategoryIDs,
			Available: false, AwayUntil: nil, LeaveSource: domain.LeaveNone}); err != nil {
			t.Fatal(err)
		}
		if gail := f.member2("gail@x.test"); !gail.Available || gail.LeaveSource != domain.LeaveNone {
			t.Errorf("gail after her leave source was set to none = %+v, want available", gail)
		}
		scopes := strings.Join(fake.Scopes(), " ")
		if !strings.Contains(scopes, mailauth.GoogleGmailSettingsScope) || !strings.Contains(scopes, mailauth.GoogleCalendarScope) {
			t.Errorf("scopes asked = %q", scopes)
		}
	})
}

// TestLeaveReadsOncePerPeriodTwoInstances: two Desks over two stores on
// one database (two connection pools, as two serve processes have), each
// running ReadLeaves from several goroutines, read each member once per
// period.
func TestLeaveReadsOncePerPeriodTwoInstances(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		const members = 12
		stores := []*storage.Store{storagetest.Open(t, db.URL), storagetest.Open(t, db.URL)}
		fake := leavetest.New(t)
		clock := storagetest.NewClock(t0)
		var desks []*domain.Desk
		for _, st := range stores {
			r, g := graphReader(t, fake)
			g.Clock = clock
			desks = append(desks, domain.NewDesk(st, clock, storagetest.Logger(t), domain.WithLeave(r, leavePeriod)))
		}
		f := newFixture(t, stores[0])
		for i := range members {
			f.member(fmt.Sprintf("m%d@x.test", i), microsoft)
		}
		run := func() {
			var wg sync.WaitGroup
			for i := range 4 {
				d := desks[i%2]
				wg.Go(func() {
					for range 3 {
						if _, err := d.ReadLeaves(context.Background()); err != nil {
							t.Error(err)
						}
					}
				})
			}
			wg.Wait()
		}
		for period := 1; period <= 3; period++ {
			run()
			for i := range members {
				if n := fake.Requests(leavetest.Replies, fmt.Sprintf("m%d@x.test", i)); n != period {
					t.Fatalf("period %d: m%d read %d times, want %d", period, i, n, period)
				}
			}
			clock.Advance(leavePeriod)
		}
	})
}
