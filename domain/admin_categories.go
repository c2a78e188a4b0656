package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"unicode/utf8"
)

// The administration of categories (portal part 2): admins only. Every
// category write bumps the categories version in the same transaction
// (CategoryStore), so the classifiers of every instance retrain.

// Limits of a category's fields.
const (
	MaxCategoryDescription = 2000
	MaxApprovalLevels      = 10
	MaxLevelApprovers      = 20
)

// CategoryInfo is a category with what uses it.
type CategoryInfo struct {
	Category
	Tickets int      // tickets of any status in the category
	Members []string // addresses of the team members who serve it
}

// AdminCategories returns every category, by name, with its ticket count
// and team members.
func (d *Desk) AdminCategories(ctx context.Context, actor Actor) ([]CategoryInfo, error) {
	if err := mustBeAdmin(actor, "list categories"); err != nil {
		return nil, err
	}
	cats, err := d.store.ListCategories(ctx)
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	counts, err := d.store.CategoryTicketCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	members, err := d.store.ListTeamMembers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	out := make([]CategoryInfo, len(cats))
	for i, c := range cats {
		out[i] = CategoryInfo{Category: c, Tickets: counts[c.ID]}
		for _, m := range members {
			if slices.Contains(m.CategoryIDs, c.ID) {
				out[i].Members = append(out[i].Members, m.Email)
			}
		}
	}
	slices.SortFunc(out, func(a, b CategoryInfo) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out, nil
}

// AdminCategory returns category id with its ticket count and members.
func (d *Desk) AdminCategory(ctx context.Context, actor Actor, id int64) (*CategoryInfo, error) {
	all, err := d.AdminCategories(ctx, actor)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	return nil, fmt.Errorf("get category %d: %w", id, ErrNotFound)
}

// checkCategory checks every field of c and returns what is wrong with
// each (field names: name, description, levels, levels.N.rule,
// levels.N.approvers with N from 0), then normalizes c (see
// Category.Normalize).
func checkCategory(c *Category) FieldErrors {
	errs := FieldErrors{}
	name := strings.Join(strings.Fields(c.Name), " ")
	switch {
	case name == "":
		errs.add("name", "Give the category a name.")
	case utf8.RuneCountInString(name) > MaxCategoryName:
		errs.add("name", fmt.Sprintf("A name has at most %d characters.", MaxCategoryName))
	}
	if utf8.RuneCountInString(strings.TrimSpace(c.Description)) > MaxCategoryDescription {
		errs.add("description", fmt.Sprintf("A description has at most %d characters.", MaxCategoryDescription))
	}
	if len(c.ApprovalLevels) > MaxApprovalLevels {
		errs.add("levels", fmt.Sprintf("A category has at most %d approval levels.", MaxApprovalLevels))
	}
	for i, l := range c.ApprovalLevels {
		field := fmt.Sprintf("levels.%d.", i)
		if _, err := ParseRule(string(l.Rule)); err != nil {
			errs.add(field+"rule", "Choose whether all approvers or any one of them must approve.")
		}
		seen := []string{}
		var bad []string
		for _, a := range l.Approvers {
			if strings.TrimSpace(a) == "" {
				continue
			}
			addr, err := NormalizeEmail(a)
			if err != nil {
				bad = append(bad, strings.TrimSpace(a))
				continue
			}
			if containsMailbox(seen, addr) {
				errs.add(field+"approvers", addr+" is listed twice.")
			}
			seen = append(seen, addr)
		}
		switch {
		case len(bad) > 0:
			errs.add(field+"approvers", "Not an email address: "+strings.Join(bad, ", ")+".")
		case len(seen) == 0:
			errs.add(field+"approvers", "A level needs at least one approver; give an address or remove the level.")
		case len(seen) > MaxLevelApprovers:
			errs.add(field+"approvers", fmt.Sprintf("A level has at most %d approvers.", MaxLevelApprovers))
		}
	}
	if _, err := normalizeQuestions(c.Questions); err != nil {
		errs.add("questions", ruleText(err))
	}
	if len(errs) > 0 {
		return errs
	}
	for i := range c.ApprovalLevels { // blank lines of the form are no approvers
		c.ApprovalLevels[i].Approvers = slices.DeleteFunc(c.ApprovalLevels[i].Approvers,
			func(a string) bool { return strings.TrimSpace(a) == "" })
	}
	if err := c.Normalize(); err != nil { // cannot fail after the checks above
		errs.add("name", ruleText(err))
	}
	return errs
}

// ruleText is an ErrInvalid error's reason as a sentence.
func ruleText(err error) string {
	s := strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// SaveCategory creates c (ID 0) or updates category c.ID with c's name,
// description, keywords and approval levels (replaced as a whole; tickets
// keep the approvers they were sent to). What is wrong with the fields,
// a name taken by another category included, is a FieldErrors, and
// nothing is saved then.
func (d *Desk) SaveCategory(ctx context.Context, actor Actor, c Category) (*Category, error) {
	if err := mustBeAdmin(actor, "save category"); err != nil {
		return nil, err
	}
	if errs := checkCategory(&c); len(errs) > 0 {
		return nil, errs
	}
	taken := FieldErrors{"name": "Another category has this name."}
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		other, err := tx.GetCategoryByName(ctx, c.Name)
		switch {
		case err == nil && other.ID != c.ID:
			return taken
		case err != nil && !isNotFound(err):
			return err
		}
		now := d.clock.Now()
		c.UpdatedAt = now
		if c.ID == 0 {
			c.CreatedAt = now
			return tx.CreateCategory(ctx, &c)
		}
		cur, err := tx.GetCategory(ctx, c.ID)
		if err != nil {
			return err
		}
		c.CreatedAt, c.StarterKey = cur.CreatedAt, cur.StarterKey
		return tx.UpdateCategory(ctx, &c)
	})
	switch {
	case errors.Is(err, ErrConflict): // the same name saved at the same moment
		return nil, taken
	case err != nil:
		return nil, fmt.Errorf("save category %q: %w", c.Name, err)
	}
	d.log.InfoContext(ctx, "category saved", slog.String("category", c.Name), slog.Int("levels", len(c.ApprovalLevels)),
		slog.String("by", actor.String()))
	return &c, nil
}

// CategoryInUseError refuses to delete a category that tickets use; merge
// it into another one instead (MergeCategory). It is an ErrConflict.
type CategoryInUseError struct {
	Name    string
	Tickets int
}

func (e *CategoryInUseError) Error() string {
	return fmt.Sprintf("category %q is used by %s", e.Name, plural(e.Tickets, "ticket"))
}

// Unwrap makes it an ErrConflict.
func (e *CategoryInUseError) Unwrap() error { return ErrConflict }

// DeleteCategory deletes category id, which its team members then no
// longer serve. While tickets use it, it is a *CategoryInUseError.
func (d *Desk) DeleteCategory(ctx context.Context, actor Actor, id int64) error {
	if err := mustBeAdmin(actor, "delete category"); err != nil {
		return err
	}
	var name string
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		c, err := tx.GetCategory(ctx, id)
		if err != nil {
			return err
		}
		name = c.Name
		counts, err := tx.CategoryTicketCounts(ctx)
		if err != nil {
			return err
		}
		if n := counts[id]; n > 0 {
			return &CategoryInUseError{Name: c.Name, Tickets: n}
		}
		err = tx.DeleteCategory(ctx, id)
		if errors.Is(err, ErrConflict) { // a ticket arrived meanwhile
			return &CategoryInUseError{Name: c.Name, Tickets: 1}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("delete category %d: %w", id, err)
	}
	d.log.InfoContext(ctx, "category deleted", slog.String("category", name), slog.String("by", actor.String()))
	return nil
}

// MergeCategory moves every ticket of category from into category into,
// then deletes from, in one transaction, and returns how many tickets
// moved. Each moved ticket gets a recategorized event and becomes a
// training example (method admin), as if an admin had recategorized it;
// its status, approvals and assignee stay. from's canned replies become
// into's. The members who served from do
// not serve into unless they did already. Waiting tickets are then
// offered to into's team (AssignWaiting; an error there is logged).
func (d *Desk) MergeCategory(ctx context.Context, actor Actor, from, into int64) (int, error) {
	if err := mustBeAdmin(actor, "merge category"); err != nil {
		return 0, err
	}
	if from == into {
		return 0, FieldErrors{"into": "Choose another category to merge into."}
	}
	var moved []int64
	var src, dst *Category
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		var err error
		if src, err = tx.GetCategory(ctx, from); err != nil {
			return err
		}
		if dst, err = tx.GetCategory(ctx, into); isNotFound(err) {
			return FieldErrors{"into": "Choose a category to merge into."}
		} else if err != nil {
			return err
		}
		now := d.clock.Now()
		if moved, err = tx.MoveCategoryTickets(ctx, from, into, MethodAdmin, 1, now); err != nil {
			return err
		}
		detail := fmt.Sprintf("recategorized from %s to %s by %s (%s merged into %s)", src.Name, dst.Name, actor, src.Name, dst.Name)
		for chunk := range slices.Chunk(moved, 500) {
			es := make([]*Event, len(chunk))
			for i, id := range chunk {
				es[i] = &Event{TicketID: id, At: now, Kind: EventRecategorized, Actor: actor.String(), Detail: detail}
			}
			if err := tx.AppendEvents(ctx, es...); err != nil {
				return err
			}
		}
		if err := tx.MoveCannedReplies(ctx, from, into); err != nil {
			return err
		}
		return tx.DeleteCategory(ctx, from)
	})
	if err != nil {
		return 0, fmt.Errorf("merge category %d into %d: %w", from, into, err)
	}
	d.log.InfoContext(ctx, "category merged", slog.String("from", src.Name), slog.String("into", dst.Name),
		slog.Int("tickets", len(moved)), slog.String("by", actor.String()))
	if _, err := d.AssignWaiting(ctx); err != nil {
		d.log.WarnContext(ctx, "assigning waiting tickets after a merge", slog.Any("error", err))
	}
	return len(moved), nil
}
