package domain

import "context"

// CannedReplyStore keeps the canned replies (issue 17). A reply's category
// is a foreign key: deleting the category leaves its replies without one
// (for every ticket), and MoveCannedReplies carries them along a merge.
type CannedReplyStore interface {
	// CreateCannedReply inserts c and sets its ID; ErrConflict if the
	// title is taken (case-insensitively) or the category does not exist.
	CreateCannedReply(ctx context.Context, c *CannedReply) error
	// UpdateCannedReply writes c's title, body, category and UpdatedAt;
	// ErrNotFound when there is no reply c.ID, ErrConflict as Create.
	UpdateCannedReply(ctx context.Context, c *CannedReply) error
	DeleteCannedReply(ctx context.Context, id int64) error
	// GetCannedReply and GetCannedReplyByTitle (any case) fill Category.
	GetCannedReply(ctx context.Context, id int64) (*CannedReply, error)
	GetCannedReplyByTitle(ctx context.Context, title string) (*CannedReply, error)
	// ListCannedReplies returns the replies that match f, by title (then
	// id), Category filled.
	ListCannedReplies(ctx context.Context, f CannedReplyFilter) ([]CannedReply, error)
	// MoveCannedReplies gives category from's replies category into.
	MoveCannedReplies(ctx context.Context, from, into int64) error
}

// CannedReplyFilter narrows ListCannedReplies; the zero value matches all.
type CannedReplyFilter struct {
	// FitFor keeps the replies fit for a ticket of category CategoryID:
	// those without a category and those of CategoryID (0: a ticket with
	// no category, which gets only the former).
	FitFor     bool
	CategoryID int64
}
