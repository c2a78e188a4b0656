package domain

import (
	"context"
	"fmt"
	"strings"
)

// SetupCannedReply is a canned reply in a setup file, named by its title
// (case-insensitively); Category is a category's name, "" for every
// ticket.
type SetupCannedReply struct {
	Title    string `json:"title"`
	Body     string `json:"body"`
	Category string `json:"category,omitempty"`
	line     int
}

// cannedWhere names reply i of the file for an error: its place and title.
func cannedWhere(i int, title string) string {
	if title == "" {
		return fmt.Sprintf("canned_replies[%d]", i)
	}
	return fmt.Sprintf("canned_replies[%d] (%q)", i, title)
}

// validateCanned checks f's canned replies and normalizes them in place:
// title and body present and within their limits, no unknown placeholder,
// no title twice.
func (f *SetupFile) validateCanned() error {
	seen := map[string]int{}
	for i := range f.CannedReplies {
		sc := &f.CannedReplies[i]
		c := CannedReply{Title: sc.Title, Body: sc.Body}
		normalizeCanned(&c)
		where := cannedWhere(i, c.Title)
		if errs := checkCannedText(c.Title, c.Body); len(errs) > 0 {
			msg := errs["title"]
			if msg == "" {
				msg = errs["body"]
			}
			return &SetupError{Line: sc.line, Where: where, Err: fmt.Errorf("%w: %s", ErrInvalid, strings.TrimSuffix(lowerFirst(msg), "."))}
		}
		key := strings.ToLower(c.Title)
		if prev, dup := seen[key]; dup {
			return &SetupError{Line: sc.line, Where: where, Err: fmt.Errorf("%w: canned reply %q is named twice (first at line %d)", ErrInvalid, c.Title, prev)}
		}
		seen[key] = sc.line
		sc.Title, sc.Body, sc.Category = c.Title, c.Body, strings.Join(strings.Fields(sc.Category), " ")
	}
	return nil
}

// lowerFirst lowers the first letter of a sentence, to follow a colon.
func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}

func sameCanned(a, b *CannedReply) bool {
	return a.Title == b.Title && a.Body == b.Body && sameInt64(a.CategoryID, b.CategoryID)
}

// applyCanned creates or updates the file's canned replies by title and,
// with prune, deletes the others. Categories are resolved by name in the
// database (the file's own categories are applied before).
func (d *Desk) applyCanned(ctx context.Context, tx Store, f *SetupFile, prune bool, rep *SetupReport) error {
	now := d.clock.Now()
	keep := map[int64]bool{}
	for i, sc := range f.CannedReplies {
		want := CannedReply{Title: sc.Title, Body: sc.Body}
		normalizeCanned(&want)
		where := cannedWhere(i, want.Title)
		if errs := checkCannedText(want.Title, want.Body); len(errs) > 0 { // a file not from ParseSetup
			return &SetupError{Line: sc.line, Where: where, Err: errs}
		}
		if sc.Category != "" {
			c, err := tx.GetCategoryByName(ctx, sc.Category)
			if isNotFound(err) {
				return &SetupError{Line: sc.line, Where: where, Err: fmt.Errorf("%w: category: no category named %q", ErrInvalid, sc.Category)}
			}
			if err != nil {
				return err
			}
			want.CategoryID = &c.ID
		}
		cur, err := tx.GetCannedReplyByTitle(ctx, want.Title)
		switch {
		case isNotFound(err):
			want.CreatedAt, want.UpdatedAt = now, now
			if err := tx.CreateCannedReply(ctx, &want); err != nil {
				return fmt.Errorf("create canned reply %q: %w", want.Title, err)
			}
			keep[want.ID] = true
			rep.add(&rep.Created, "canned reply %q: created", want.Title)
			continue
		case err != nil:
			return err
		}
		keep[cur.ID] = true
		if sameCanned(cur, &want) {
			rep.add(&rep.Unchanged, "canned reply %q: unchanged", cur.Title)
			continue
		}
		want.ID, want.CreatedAt, want.UpdatedAt = cur.ID, cur.CreatedAt, now
		if err := tx.UpdateCannedReply(ctx, &want); err != nil {
			return fmt.Errorf("update canned reply %q: %w", want.Title, err)
		}
		rep.add(&rep.Changed, "canned reply %q: changed", want.Title)
	}
	if !prune {
		return nil
	}
	all, err := tx.ListCannedReplies(ctx, CannedReplyFilter{})
	if err != nil {
		return err
	}
	for _, c := range all {
		if keep[c.ID] {
			continue
		}
		if err := tx.DeleteCannedReply(ctx, c.ID); err != nil {
			return fmt.Errorf("delete canned reply %q: %w", c.Title, err)
		}
		rep.add(&rep.Pruned, "canned reply %q: removed", c.Title)
	}
	return nil
}

// exportCanned adds the database's canned replies to f, by title.
func (d *Desk) exportCanned(ctx context.Context, f *SetupFile) error {
	cs, err := d.store.ListCannedReplies(ctx, CannedReplyFilter{})
	if err != nil {
		return err
	}
	for _, c := range cs {
		f.CannedReplies = append(f.CannedReplies, SetupCannedReply{Title: c.Title, Body: c.Body, Category: c.Category})
	}
	return nil
}
