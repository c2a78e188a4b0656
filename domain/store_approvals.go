package domain

import "context"

// ApprovalStore keeps approvals beyond what TicketStore lists.
type ApprovalStore interface {
	// GetApproval returns approval id.
	GetApproval(ctx context.Context, id int64) (*Approval, error)
	// DecideApproval writes a's decision, via, comment and decided-at if a
	// is still pending in the database; ErrConflict otherwise (decided
	// meanwhile: one decision per approval, ever).
	DecideApproval(ctx context.Context, a *Approval) error
	// PendingApprovalsOf returns approver's pending approvals of tickets
	// still awaiting approval, newest first.
	PendingApprovalsOf(ctx context.Context, approver string) ([]Approval, error)
}
