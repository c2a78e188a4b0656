package domain

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SetupReport says what ApplySetup did, one line per thing the file named
// (and per thing pruned).
type SetupReport struct {
	Lines                               []string
	Created, Changed, Unchanged, Pruned int
}

func (r *SetupReport) add(counter *int, format string, args ...any) {
	*counter++
	r.Lines = append(r.Lines, fmt.Sprintf(format, args...))
}

// ApplySetup makes the database hold what f says, in one transaction:
// what f names is created or updated (a category's approval levels are
// replaced as a whole), what it leaves out is left alone unless prune is
// set. Pruning deletes categories, team members, mailboxes and canned
// replies the file leaves out and
// disables the users it leaves out (users are never deleted: tickets name
// them). It refuses to leave the helpdesk without an enabled admin. On any
// error nothing changes.
func (d *Desk) ApplySetup(ctx context.Context, f *SetupFile, prune bool) (*SetupReport, error) {
	var rep *SetupReport
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		rep = &SetupReport{}
		adminsBefore, err := enabledAdmins(ctx, tx)
		if err != nil {
			return err
		}
		if err := d.applyCalendars(ctx, tx, f, prune, rep); err != nil {
			return err
		}
		if err := d.applyCategories(ctx, tx, f, prune, rep); err != nil {
			return err
		}
		if err := d.applyCategorySLA(ctx, tx, f, rep); err != nil {
			return err
		}
		if err := d.applyUsers(ctx, tx, f, prune, rep); err != nil {
			return err
		}
		if err := d.applyTeam(ctx, tx, f, prune, rep); err != nil {
			return err
		}
		if err := d.applyMailboxes(ctx, tx, f, prune, rep); err != nil {
			return err
		}
		if err := d.applyCanned(ctx, tx, f, prune, rep); err != nil {
			return err
		}
		adminsAfter, err := enabledAdmins(ctx, tx)
		if err != nil {
			return err
		}
		if adminsBefore > 0 && adminsAfter == 0 {
			return &SetupError{Err: fmt.Errorf("%w: this would leave no enabled admin; keep at least one user with role admin", ErrInvalid)}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("apply setup: %w", err)
	}
	d.InvalidateMailboxes()
	return rep, nil
}

func enabledAdmins(ctx context.Context, tx Store) (int, error) {
	if err := tx.LockAdmins(ctx); err != nil {
		return 0, err
	}
	admins, err := tx.ListUsers(ctx, UserFilter{Role: RoleAdmin})
	n := 0
	for _, u := range admins {
		if !u.Disabled {
			n++
		}
	}
	return n, err
}

func (d *Desk) applyCategories(ctx context.Context, tx Store, f *SetupFile, prune bool, rep *SetupReport) error {
	existing, err := tx.ListCategories(ctx)
	if err != nil {
		return err
	}
	byName := map[string]*Category{}
	for i := range existing {
		byName[strings.ToLower(existing[i].Name)] = &existing[i]
	}
	now := d.clock.Now()
	named := map[string]bool{}
	for _, sc := range f.Categories {
		want := sc.category()
		if err := want.Normalize(); err != nil {
			return &SetupError{Line: sc.line, Err: err}
		}
		key := strings.ToLower(want.Name)
		named[key] = true
		cur, ok := byName[key]
		if !ok {
			want.CreatedAt, want.UpdatedAt = now, now
			if err := tx.CreateCategory(ctx, &want); err != nil {
				return fmt.Errorf("create category %q: %w", want.Name, err)
			}
			rep.add(&rep.Created, "category %q: created", want.Name)
			continue
		}
		if sameCategory(cur, &want) {
			rep.add(&rep.Unchanged, "category %q: unchanged", cur.Name)
			continue
		}
		cur.Name, cur.Description, cur.Keywords, cur.ApprovalLevels, cur.Questions = want.Name, want.Description, want.Keywords, want.ApprovalLevels, want.Questions
		cur.UpdatedAt = now
		if err := tx.UpdateCategory(ctx, cur); err != nil {
			return fmt.Errorf("update category %q: %w", cur.Name, err)
		}
		rep.add(&rep.Changed, "category %q: changed", cur.Name)
	}
	if !prune {
		return nil
	}
	for _, c := range existing {
		if named[strings.ToLower(c.Name)] {
			continue
		}
		if err := tx.DeleteCategory(ctx, c.ID); err != nil {
			if errors.Is(err, ErrConflict) {
				return &SetupError{Err: fmt.Errorf("%w: cannot prune category %q: tickets use it (merge them into another category first)", ErrInvalid, c.Name)}
			}
			return fmt.Errorf("delete category %q: %w", c.Name, err)
		}
		rep.add(&rep.Pruned, "category %q: removed", c.Name)
	}
	return nil
}

func sameCategory(a, b *Category) bool {
	if a.Name != b.Name || a.Description != b.Description || !slices.Equal(a.Keywords, b.Keywords) ||
		len(a.ApprovalLevels) != len(b.ApprovalLevels) || !slices.EqualFunc(a.Questions, b.Questions, sameQuestion) {
		return false
	}
	for i := range a.ApprovalLevels {
		x, y := a.ApprovalLevels[i], b.ApprovalLevels[i]
		if x.Rule != y.Rule || !slices.Equal(x.Approvers, y.Approvers) {
			return false
		}
	}
	return true
}

func sameQuestion(a, b Question) bool {
	return a.Text == b.Text && a.Required == b.Required && a.Kind == b.Kind && slices.Equal(a.Choices, b.Choices)
}

func (d *Desk) applyUsers(ctx context.Context, tx Store, f *SetupFile, prune bool, rep *SetupReport) error {
	now := d.clock.Now()
	named := map[string]bool{}
	for _, su := range f.Users {
		named[su.Email] = true
		u, err := tx.GetUserByEmail(ctx, su.Email)
		switch {
		case isNotFound(err):
			u = &User{Email: su.Email, Name: su.Name, Role: Role(su.Role), Disabled: su.Disabled, Language: su.Language,
				TimeZone: su.TimeZone, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateUser(ctx, u); err != nil {
				return fmt.Errorf("create user %s: %w", su.Email, err)
			}
			rep.add(&rep.Created, "user %s: created (%s, no password yet)", u.Email, u.Role)
			continue
		case err != nil:
			return err
		}
		if u.Name == su.Name && u.Role == Role(su.Role) && u.Disabled == su.Disabled && u.Language == su.Language && u.TimeZone == su.TimeZone {
			rep.add(&rep.Unchanged, "user %s: unchanged", u.Email)
			continue
		}
		u.Name, u.Role, u.Disabled, u.Language, u.TimeZone, u.UpdatedAt = su.Name, Role(su.Role), su.Disabled, su.Language, su.TimeZone, now
		if err := d.saveUser(ctx, tx, u); err != nil {
			return fmt.Errorf("update user %s: %w", u.Email, err)
		}
		rep.add(&rep.Changed, "user %s: changed", u.Email)
	}
	if !prune {
		return nil
	}
	all, err := tx.ListUsers(ctx, UserFilter{})
	if err != nil {
		return err
	}
	for _, u := range all {
		if named[u.Email] || u.Disabled {
			continue
		}
		u.Disabled, u.UpdatedAt = true, now
		if err := d.saveUser(ctx, tx, &u); err != nil {
			return fmt.Errorf("disable user %s: %w", u.Email, err)
		}
		rep.add(&rep.Pruned, "user %s: disabled", u.Email)
	}
	return nil
}

func (d *Desk) applyTeam(ctx context.Context, tx Store, f *SetupFile, prune bool, rep *SetupReport) error {
	now := d.clock.Now()
	keep := map[int64]bool{}
	for i, sm := range f.TeamMembers {
		where := fmt.Sprintf("team_members[%d]", i)
		u, err := tx.GetUserByEmail(ctx, sm.Email)
		switch {
		case isNotFound(err):
			u = &User{Email: sm.Email, Role: RoleAgent, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateUser(ctx, u); err != nil {
				return fmt.Errorf("create user %s: %w", sm.Email, err)
			}
			rep.add(&rep.Created, "user %s: created (agent, no password yet)", u.Email)
		case err != nil:
			return err
		case u.Role == RoleEmployee:
			u.Role, u.UpdatedAt = RoleAgent, now
			if err := tx.UpdateUser(ctx, u); err != nil {
				return fmt.Errorf("update user %s: %w", u.Email, err)
			}
			rep.add(&rep.Changed, "user %s: changed (employee → agent, as a team member)", u.Email)
		}
		want := TeamMember{UserID: u.ID, Available: sm.Available == nil || *sm.Available, LeaveSource: LeaveNone, AwaySource: AwayManual}
		if sm.LeaveSource != "" {
			want.LeaveSource = LeaveSource(sm.LeaveSource)
		}
		if sm.AwayUntil != nil {
			t := sm.AwayUntil.UTC()
			want.AwayUntil = &t
		}
		for _, name := range sm.Categories {
			c, err := tx.GetCategoryByName(ctx, name)
			if isNotFound(err) {
				return &SetupError{Line: sm.line, Where: where, Err: fmt.Errorf("%w: no category named %q", ErrInvalid, name)}
			}
			if err != nil {
				return err
			}
			want.CategoryIDs = append(want.CategoryIDs, c.ID)
		}
		slices.Sort(want.CategoryIDs)
		cur, err := tx.GetTeamMemberByUser(ctx, u.ID)
		switch {
		case isNotFound(err):
			want.CreatedAt = now
			if err := tx.SaveTeamMember(ctx, &want); err != nil {
				return fmt.Errorf("create team member %s: %w", u.Email, err)
			}
			keep[want.ID] = true
			rep.add(&rep.Created, "team member %s: created", u.Email)
			continue
		case err != nil:
			return err
		}
		keep[cur.ID] = true
		if sm.LeaveSource == "" {
			want.LeaveSource = cur.LeaveSource
		}
		sameAvailability := cur.Available == want.Available && sameTime(cur.AwayUntil, want.AwayUntil)
		if sameAvailability && slices.Equal(cur.CategoryIDs, want.CategoryIDs) && cur.LeaveSource == want.LeaveSource {
			rep.add(&rep.Unchanged, "team member %s: unchanged", u.Email)
			continue
		}
		oldSource := cur.LeaveSource
		cur.CategoryIDs, cur.LeaveSource = want.CategoryIDs, want.LeaveSource
		if !sameAvailability {
			manualAvailability(cur, want.Available, want.AwayUntil, now)
		} else {
			dropProviderAway(cur, oldSource)
		}
		if err := tx.SaveTeamMember(ctx, cur); err != nil {
			return fmt.Errorf("update team member %s: %w", u.Email, err)
		}
		rep.add(&rep.Changed, "team member %s: changed", u.Email)
	}
	if !prune {
		return nil
	}
	all, err := tx.ListTeamMembers(ctx)
	if err != nil {
		return err
	}
	for _, m := range all {
		if keep[m.ID] {
			continue
		}
		if err := tx.DeleteTeamMember(ctx, m.ID); err != nil {
			return fmt.Errorf("delete team member %s: %w", m.Email, err)
		}
		rep.add(&rep.Pruned, "team member %s: removed", m.Email)
	}
	return nil
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// ExportSetup returns the database's categories, users, team members,
// mailboxes and canned replies in the setup file's form; ApplySetup of it changes nothing. A
// mailbox's secrets appear only as the references it was given.
func (d *Desk) ExportSetup(ctx context.Context) (*SetupFile, error) {
	f := &SetupFile{Categories: []SetupCategory{}, Users: []SetupUser{}, TeamMembers: []SetupTeamMember{}, Mailboxes: []SetupMailbox{}}
	cats, err := d.store.ListCategories(ctx)
	if err != nil {
		return nil, fmt.Errorf("export setup: %w", err)
	}
	names := map[int64]string{}
	for _, c := range cats {
		names[c.ID] = c.Name
		f.Categories = append(f.Categories, fromCategory(c, 0))
	}
	users, err := d.store.ListUsers(ctx, UserFilter{})
	if err != nil {
		return nil, fmt.Errorf("export setup: %w", err)
	}
	for _, u := range users {
		f.Users = append(f.Users, SetupUser{Email: u.Email, Name: u.Name, Role: string(u.Role), Disabled: u.Disabled,
			Language: u.Language, TimeZone: u.TimeZone})
	}
	members, err := d.store.ListTeamMembers(ctx)
	if err != nil {
		return nil, fmt.Errorf("export setup: %w", err)
	}
	for _, m := range members {
		available := m.Available
		sm := SetupTeamMember{Email: m.Email, Categories: []string{}, Available: &available, AwayUntil: m.AwayUntil}
		if m.LeaveSource != "" && m.LeaveSource != LeaveNone {
			sm.LeaveSource = string(m.LeaveSource)
		}
		for _, id := range m.CategoryIDs {
			sm.Categories = append(sm.Categories, names[id])
		}
		f.TeamMembers = append(f.TeamMembers, sm)
	}
	if err := d.exportMailboxes(ctx, f, names); err != nil {
		return nil, fmt.Errorf("export setup: %w", err)
	}
	if err := d.exportCanned(ctx, f); err != nil {
		return nil, fmt.Errorf("export setup: %w", err)
	}
	if err := d.exportCalendars(ctx, f, cats); err != nil {
		return nil, fmt.Errorf("export setup: %w", err)
	}
	return f, nil
}
