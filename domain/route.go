package domain

import (
	"context"
)

// routeClassified moves a ticket that was just given its category on,
// inside tx: level 1 of the category's approvals (see requestLevel), or,
// when it has none, on to a team member.
func (d *Desk) routeClassified(ctx context.Context, tx Store, t *Ticket) error {
	cat, err := tx.GetCategory(ctx, t.CategoryID)
	if err != nil {
		return err
	}
	if len(cat.ApprovalLevels) == 0 {
		return d.assignOrWait(ctx, tx, t, SystemActor)
	}
	return d.requestLevel(ctx, tx, t, cat, 1)
}
