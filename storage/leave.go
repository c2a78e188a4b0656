package storage

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.LeaveStore = (*Store)(nil)

// memberLeaveRow is a member's leave reading (migration 20261207000039).
type memberLeaveRow struct {
	bun.BaseModel `bun:"table:member_leave"`

	MemberID   int64      `bun:"member_id,pk"`
	DueAt      time.Time  `bun:"due_at"`
	ReadAt     *time.Time `bun:"read_at"`
	OnLeave    bool       `bun:"on_leave"`
	LeaveUntil *time.Time `bun:"leave_until"`
	Detail     string     `bun:"detail"`
	Error      string     `bun:"error"`
	ErrorAt    *time.Time `bun:"error_at"`
}

type teamEventRow struct {
	bun.BaseModel `bun:"table:team_events"`

	ID       int64     `bun:"id,pk,autoincrement"`
	MemberID int64     `bun:"member_id"`
	At       time.Time `bun:"at"`
	Kind     string    `bun:"kind"`
	Source   string    `bun:"source"`
	Detail   string    `bun:"detail"`
}

// leaveView is a reading with its member's address and source.
type leaveView struct {
	memberLeaveRow `bun:",extend"`

	Email       string `bun:"email"`
	LeaveSource string `bun:"leave_source"`
}

func (v leaveView) domain() domain.LeaveState {
	return domain.LeaveState{MemberID: v.MemberID, Email: v.Email, Source: domain.LeaveSource(v.LeaveSource),
		DueAt: v.DueAt.UTC(), ReadAt: utcPtr(v.ReadAt), OnLeave: v.OnLeave, Until: utcPtr(v.LeaveUntil),
		Detail: v.Detail, Error: v.Error, ErrorAt: utcPtr(v.ErrorAt)}
}

// ClaimLeaveReads gives every member with a leave source a reading row
// (due at once), then claims the due ones: selected FOR UPDATE SKIP
// LOCKED on PostgreSQL (SQLite serializes writers) and moved to next in
// the same transaction, so another instance finds them not due.
func (s *Store) ClaimLeaveReads(ctx context.Context, now, next time.Time, limit int) ([]domain.LeaveClaim, error) {
	return s.claimLeaveReads(ctx, nil, now, next, limit)
}

// ClaimLeaveReadsOf is ClaimLeaveReads among members (ids) only.
func (s *Store) ClaimLeaveReadsOf(ctx context.Context, members []int64, now, next time.Time) ([]domain.LeaveClaim, error) {
	if len(members) == 0 {
		return nil, nil
	}
	return s.claimLeaveReads(ctx, members, now, next, len(members))
}

func (s *Store) claimLeaveReads(ctx context.Context, members []int64, now, next time.Time, limit int) ([]domain.LeaveClaim, error) {
	if _, err := s.idb.NewRaw(`INSERT INTO member_leave (member_id, due_at)
		SELECT tm.id, ? FROM team_members AS tm
		WHERE tm.leave_source <> ? AND NOT EXISTS (SELECT 1 FROM member_leave AS ml WHERE ml.member_id = tm.id)
		ON CONFLICT (member_id) DO NOTHING`, utc(now), string(domain.LeaveNone)).Exec(ctx); err != nil {
		return nil, mapErr(err, "add leave readings")
	}
	var rows []leaveView
	q := s.idb.NewSelect().Model(&rows).ModelTableExpr("member_leave AS ml").
		ColumnExpr("ml.*, u.email, tm.leave_source").
		Join("JOIN team_members AS tm ON tm.id = ml.member_id").
		Join("JOIN users AS u ON u.id = tm.user_id").
		Where("tm.leave_source <> ?", string(domain.LeaveNone)).Where("u.disabled = ?", false).
		Where("ml.due_at <= ?", utc(now)).
		OrderExpr("ml.due_at, ml.member_id").Limit(int64(limit))
	if members != nil {
		q = q.Where("ml.member_id IN (?)", bun.In(members))
	}
	if err := s.skipLocked(q, "ml").Scan(ctx); err != nil {
		return nil, mapErr(err, "claim leave reads")
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	out := make([]domain.LeaveClaim, len(rows))
	for i, r := range rows {
		ids[i] = r.MemberID
		out[i] = domain.LeaveClaim{MemberID: r.MemberID, Email: r.Email, Source: domain.LeaveSource(r.LeaveSource)}
	}
	if _, err := s.idb.NewUpdate().Model((*memberLeaveRow)(nil)).Set("due_at = ?", utc(next)).
		Where("member_id IN (?)", bun.In(ids)).Exec(ctx); err != nil {
		return nil, mapErr(err, "claim leave reads")
	}
	return out, nil
}

// upsertLeave writes row's columns named in cols, adding the row when the
// member has none yet (a read made before an assignment, before the job
// ever claimed the member).
func (s *Store) upsertLeave(ctx context.Context, row *memberLeaveRow, cols ...string) error {
	q := s.idb.NewInsert().Model(row).On("CONFLICT (member_id) DO UPDATE")
	for _, c := range cols {
		q = q.Set(c + " = EXCLUDED." + c)
	}
	_, err := q.Exec(ctx)
	return mapErr(err, "leave reading of member %d", row.MemberID)
}

// RecordLeaveRead writes a read that got an answer.
func (s *Store) RecordLeaveRead(ctx context.Context, memberID int64, at, due time.Time, st domain.LeaveStatus) error {
	at = utc(at)
	row := &memberLeaveRow{MemberID: memberID, DueAt: utc(due), ReadAt: &at, OnLeave: st.OnLeave, LeaveUntil: utcPtr(st.Until),
		Detail: st.Detail}
	return s.upsertLeave(ctx, row, "due_at", "read_at", "on_leave", "leave_until", "detail", "error", "error_at")
}

// RecordLeaveFailure writes a failed read; the due time only moves later.
func (s *Store) RecordLeaveFailure(ctx context.Context, memberID int64, at, due time.Time, msg string) error {
	at = utc(at)
	cur, err := s.LeaveStateOf(ctx, memberID)
	switch {
	case errors.Is(err, domain.ErrNotFound):
	case err != nil:
		return err
	case cur.DueAt.After(due):
		due = cur.DueAt
	}
	row := &memberLeaveRow{MemberID: memberID, DueAt: utc(due), Error: msg, ErrorAt: &at}
	return s.upsertLeave(ctx, row, "due_at", "error", "error_at")
}

// LeaveStates returns the readings of the members with a leave source.
func (s *Store) LeaveStates(ctx context.Context) ([]domain.LeaveState, error) {
	return s.leaveStates(ctx, "")
}

// LeaveStateOf returns a member's reading.
func (s *Store) LeaveStateOf(ctx context.Context, memberID int64) (*domain.LeaveState, error) {
	out, err := s.leaveStates(ctx, "ml.member_id = ?", memberID)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, mapErr(sql.ErrNoRows, "leave reading of member %d", memberID)
	}
	return &out[0], nil
}

func (s *Store) leaveStates(ctx context.Context, where string, args ...any) ([]domain.LeaveState, error) {
	var rows []leaveView
	q := s.idb.NewSelect().Model(&rows).ModelTableExpr("member_leave AS ml").
		ColumnExpr("ml.*, u.email, tm.leave_source").
		Join("JOIN team_members AS tm ON tm.id = ml.member_id").
		Join("JOIN users AS u ON u.id = tm.user_id").
		OrderExpr("ml.member_id")
	if where != "" {
		q = q.Where(where, args...)
	} else {
		q = q.Where("tm.leave_source <> ?", string(domain.LeaveNone))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err, "leave readings")
	}
	out := make([]domain.LeaveState, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// SaveAway writes a member's availability and what set it.
func (s *Store) SaveAway(ctx context.Context, memberID int64, available bool, awayUntil *time.Time, source domain.AwaySource, manualUntil *time.Time) error {
	res, err := s.idb.NewUpdate().Model((*teamMemberRow)(nil)).
		Set("available = ?", available).Set("away_until = ?", utcPtr(awayUntil)).
		Set("away_source = ?", string(source)).Set("manual_until = ?", utcPtr(manualUntil)).
		Where("id = ?", memberID).Exec(ctx)
	return mapErr(mustAffect(res, err), "save availability of team member %d", memberID)
}

// AppendTeamEvent adds a team event.
func (s *Store) AppendTeamEvent(ctx context.Context, e *domain.TeamEvent) error {
	row := &teamEventRow{MemberID: e.MemberID, At: utc(e.At), Kind: e.Kind, Source: e.Source, Detail: e.Detail}
	if _, err := s.idb.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "team event of member %d", e.MemberID)
	}
	e.ID = row.ID
	return nil
}

// ListTeamEvents returns the latest team events, newest first.
func (s *Store) ListTeamEvents(ctx context.Context, limit int) ([]domain.TeamEvent, error) {
	var rows []struct {
		teamEventRow `bun:",extend"`
		Email        string `bun:"email"`
	}
	err := s.idb.NewSelect().Model(&rows).ModelTableExpr("team_events AS te").ColumnExpr("te.*, u.email").
		Join("JOIN team_members AS tm ON tm.id = te.member_id").
		Join("JOIN users AS u ON u.id = tm.user_id").
		OrderExpr("te.id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, mapErr(err, "team events")
	}
	out := make([]domain.TeamEvent, len(rows))
	for i, r := range rows {
		out[i] = domain.TeamEvent{ID: r.ID, MemberID: r.MemberID, Email: r.Email, At: r.At.UTC(), Kind: r.Kind, Source: r.Source, Detail: r.Detail}
	}
	return out, nil
}
