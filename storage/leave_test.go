package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestClaimLeaveReadsTwoInstances: two stores on one database (two
// connection pools, as two instances have) claiming at once from several
// goroutines claim each member with a leave source exactly once per
// period, and never a member without one or a disabled one; readings keep
// what a read said, a failure moves the next read only later, and a member
// taken off the team takes their reading and team events along.
func TestClaimLeaveReadsTwoInstances(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		stores := []*storage.Store{storagetest.Open(t, db.URL), storagetest.Open(t, db.URL)}
		s := stores[0]
		const members = 30
		var ids []int64
		for i := range members + 2 {
			u := mustUser(t, s, fmt.Sprintf("m%d@x.test", i), domain.RoleAgent)
			m := &domain.TeamMember{UserID: u.ID, Available: true, CreatedAt: t0, LeaveSource: domain.LeaveMicrosoft}
			switch i {
			case members: // no leave source
				m.LeaveSource = domain.LeaveNone
			case members + 1: // disabled account
				u.Disabled = true
				if err := s.UpdateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.SaveTeamMember(ctx, m); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		claimAll := func(now time.Time) map[int64]int {
			var mu sync.Mutex
			got := map[int64]int{}
			var wg sync.WaitGroup
			for w := range 6 {
				st := stores[w%2]
				wg.Go(func() {
					for {
						var cs []domain.LeaveClaim
						err := st.InTx(ctx, func(ctx context.Context, tx domain.Store) error {
							var err error
							cs, err = tx.ClaimLeaveReads(ctx, now, now.Add(5*time.Minute), 4)
							return err
						})
						if err != nil {
							t.Error(err)
							return
						}
						if len(cs) == 0 {
							return
						}
						mu.Lock()
						for _, c := range cs {
							got[c.MemberID]++
							if c.Source != domain.LeaveMicrosoft || c.Email == "" {
								t.Errorf("claim %+v", c)
							}
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			return got
		}
		for period := range 3 {
			now := t0.Add(time.Duration(period) * 5 * time.Minute)
			got := claimAll(now)
			if len(got) != members {
				t.Fatalf("period %d: %d members claimed, want %d", period, len(got), members)
			}
			for id, n := range got {
				if n != 1 {
					t.Errorf("period %d: member %d claimed %d times", period, id, n)
				}
			}
			if again := claimAll(now.Add(4 * time.Minute)); len(again) != 0 {
				t.Errorf("period %d: %d claimed again within the period", period, len(again))
			}
		}

		// A read, then a failure asking for a later retry, then a failure
		// asking for an earlier one (the due time only moves later).
		at := t0.Add(time.Hour)
		until := at.Add(48 * time.Hour)
		if err := s.RecordLeaveRead(ctx, ids[0], at, at.Add(5*time.Minute), domain.LeaveStatus{OnLeave: true, Until: &until, Detail: "automatic replies"}); err != nil {
			t.Fatal(err)
		}
		st, err := s.LeaveStateOf(ctx, ids[0])
		if err != nil || !st.OnLeave || st.Until == nil || !st.Until.Equal(until) || st.ReadAt == nil || !st.ReadAt.Equal(at) || st.Error != "" {
			t.Fatalf("after a read: %+v, %v", st, err)
		}
		if err := s.RecordLeaveFailure(ctx, ids[0], at, at.Add(time.Hour), "HTTP 429"); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordLeaveFailure(ctx, ids[0], at, at.Add(time.Minute), "HTTP 403"); err != nil {
			t.Fatal(err)
		}
		st, _ = s.LeaveStateOf(ctx, ids[0])
		if st.Error != "HTTP 403" || !st.DueAt.Equal(at.Add(time.Hour)) || !st.OnLeave || st.ErrorAt == nil {
			t.Errorf("after two failures: %+v", st)
		}
		// A read before the job ever claimed the member adds the row.
		if err := s.RecordLeaveFailure(ctx, ids[members], at, at, "x"); err != nil {
			t.Fatal(err)
		}
		all, err := s.LeaveStates(ctx)
		if err != nil || len(all) != members+1 {
			t.Errorf("LeaveStates = %d, %v; want %d (members with a leave source, the disabled one too)", len(all), err, members+1)
		}
		if err := s.AppendTeamEvent(ctx, &domain.TeamEvent{MemberID: ids[0], At: at, Kind: domain.TeamEventAway, Source: "microsoft", Detail: "d"}); err != nil {
			t.Fatal(err)
		}
		evs, err := s.ListTeamEvents(ctx, 10)
		if err != nil || len(evs) != 1 || evs[0].Email != "m0@x.test" || evs[0].Kind != "away" || !evs[0].At.Equal(at) {
			t.Errorf("team events = %+v, %v", evs, err)
		}
		if err := s.DeleteTeamMember(ctx, ids[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := s.LeaveStateOf(ctx, ids[0]); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("reading of a removed member: %v", err)
		}
		if evs, err := s.ListTeamEvents(ctx, 10); err != nil || len(evs) != 0 {
			t.Errorf("team events of a removed member remain: %+v, %v", evs, err)
		}
	})
}
