package domain

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
)

// ApprovalProblems lists, newest first, the replies to approval mails that
// decided nothing and that admins should know of: refused attempts (a
// valid approval token from someone who is not the approver) and automatic
// replies (out of office) on tickets still awaiting approval.
func (d *Desk) ApprovalProblems(ctx context.Context, limit int) ([]ApprovalProblem, error) {
	ps, err := d.store.ApprovalProblems(ctx, limit)
	if err != nil {
		return nil, fmt.Errorf("approval problems: %w", err)
	}
	return ps, nil
}

// DeleteQuarantined drops quarantined mail id for good, as an admin's
// decision (spam, or a mail handled by hand).
func (d *Desk) DeleteQuarantined(ctx context.Context, id int64, actor Actor) error {
	if !actor.Admin {
		return fmt.Errorf("delete quarantined mail %d: %w", id, ErrForbidden)
	}
	if _, err := d.store.GetQuarantine(ctx, id); err != nil {
		return fmt.Errorf("delete quarantined mail %d: %w", id, err)
	}
	if err := d.store.DeleteQuarantine(ctx, id); err != nil {
		return fmt.Errorf("delete quarantined mail %d: %w", id, err)
	}
	d.log.InfoContext(ctx, "quarantined mail deleted", slog.Int64("quarantine_id", id), slog.String("by", actor.String()))
	return nil
}

// MaxHeaderBlock is the most of a quarantined mail's header that
// HeaderBlock returns.
const MaxHeaderBlock = 64 << 10

// HeaderBlock returns the header of the quarantined mail (everything
// before the first empty line), at most MaxHeaderBlock bytes of it, as
// valid UTF-8.
func (q *Quarantined) HeaderBlock() string {
	raw := q.Raw
	for _, sep := range [][]byte{[]byte("\r\n\r\n"), []byte("\n\n")} {
		if i := bytes.Index(raw, sep); i >= 0 {
			raw = raw[:i]
			break
		}
	}
	if len(raw) > MaxHeaderBlock {
		raw = raw[:MaxHeaderBlock]
	}
	return cleanText(string(raw))
}
