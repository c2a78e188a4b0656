package domain

import (
	"context"
	"fmt"
)

// Categorize sets ticket id's category, as an admin's decision. A ticket
// in triage then goes on to approvals or assignment; elsewhere the change
// is recorded (recategorized) and the ticket stays where it is. Either way
// the ticket becomes a training example for the classifier (method admin),
// and an admin pick (RecordAdminPick): the same wording gets the same
// category from the next classification on, on every instance.
func (d *Desk) Categorize(ctx context.Context, id int64, category string, actor Actor) (*Ticket, error) {
	if !actor.Admin {
		return nil, fmt.Errorf("categorize %s: %w: only admins pick categories", FormatRef(id), ErrForbidden)
	}
	if cat, err := d.store.GetCategoryByName(ctx, category); err == nil {
		d.readLeaveBefore(ctx, cat.ID)
	}
	var t *Ticket
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		var err error
		if t, err = tx.GetTicket(ctx, id); err != nil {
			return err
		}
		cat, err := tx.GetCategoryByName(ctx, category)
		if err != nil {
			return err
		}
		prev := t.Status
		was := t.Category
		t.CategoryID, t.Category, t.ClassMethod, t.ClassConfidence, t.UpdatedAt = cat.ID, cat.Name, MethodAdmin, 1, d.clock.Now()
		// Another category may have other targets and another calendar.
		if err := d.slaSync(ctx, tx, t, t.UpdatedAt, false, false); err != nil {
			return err
		}
		if err := tx.UpdateTicket(ctx, t, prev); err != nil {
			return err
		}
		// The classifiers of every instance learn it at their next poll
		// (classify.Learner), without waiting for a retraining.
		if err := tx.RecordAdminPick(ctx, t.ID); err != nil {
			return err
		}
		if prev != StatusTriage {
			detail := fmt.Sprintf("recategorized as %s by %s", cat.Name, actor)
			if was != "" {
				detail = fmt.Sprintf("recategorized from %s to %s by %s", was, cat.Name, actor)
			}
			return d.event(ctx, tx, t.ID, EventRecategorized, actor.String(), detail)
		}
		if err := d.event(ctx, tx, t.ID, EventClassified, actor.String(),
			fmt.Sprintf("classified as %s by %s (admin)", cat.Name, actor)); err != nil {
			return err
		}
		return d.routeClassified(ctx, tx, t)
	})
	if err != nil {
		return nil, fmt.Errorf("categorize %s: %w", FormatRef(id), err)
	}
	return t, nil
}
