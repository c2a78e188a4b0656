package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// Files on comments written in the portal (issue 17, "Attachments out").
// They are stored on the ticket like a mail's attachments, in the
// comment's transaction, and go out as MIME parts of the mail that relays
// the comment. That mail is rendered and written to the outbox in the same
// transaction, files included, so a retry after a crash sends the same
// bytes.

// DefaultMaxMessageBytes is MAX_MESSAGE_BYTES when it is not set.
const DefaultMaxMessageBytes int64 = 25 << 20

// MaxCommentFiles bounds the files of one comment, as the mail parser's
// maxAttachments bounds those kept from one mail.
const MaxCommentFiles = 100

// mailReserve is the part of a comment's mail that is not its files: the
// header, the text and HTML parts (the comment's text is bounded apart,
// by the portal's request limit).
const mailReserve = 64 << 10

// ErrTooLarge: the files are larger than a mail may carry. The error
// that says so is ErrInvalid too.
var ErrTooLarge = errors.New("too large")

// tooLargeError is ErrInvalid and ErrTooLarge, with a message for people.
type tooLargeError struct{ msg string }

func (e *tooLargeError) Error() string   { return ErrInvalid.Error() + ": " + e.msg }
func (e *tooLargeError) Unwrap() []error { return []error{ErrInvalid, ErrTooLarge} }

// WithMaxMessageBytes sets MAX_MESSAGE_BYTES, the largest mail: the files
// of a comment must fit in a mail of that size (CommentFileBytes).
func WithMaxMessageBytes(n int64) Option {
	return func(d *Desk) {
		if n > 0 {
			d.maxMessageBytes = n
		}
	}
}

// CommentFileBytes is how many bytes of files one comment may carry when
// mails are at most maxMessage bytes: a mail carries files in base64 with
// lines of 76 characters (57 bytes become 78), with mailReserve left for
// the rest. An incoming mail of MAX_MESSAGE_BYTES carries no more.
func CommentFileBytes(maxMessage int64) int64 {
	return max(0, (maxMessage-mailReserve)/78*57)
}

// MaxCommentFileBytes is CommentFileBytes of the Desk's MAX_MESSAGE_BYTES.
func (d *Desk) MaxCommentFileBytes() int64 {
	return CommentFileBytes(d.maxMessageBytesOrDefault())
}

func (d *Desk) maxMessageBytesOrDefault() int64 {
	if d.maxMessageBytes > 0 {
		return d.maxMessageBytes
	}
	return DefaultMaxMessageBytes
}

// PortalComment is a comment written in the portal, with its files.
type PortalComment struct {
	Text  string
	Files []NewAttachment
}

// checkFiles applies the rules for files that go out by mail: at most
// MaxCommentFiles, none of a type mail providers refuse (refusedFile), and
// at most limit bytes together. The error wraps ErrInvalid (and
// ErrTooLarge for the size) and speaks to people.
func checkFiles(files []NewAttachment, limit int64) error {
	if len(files) > MaxCommentFiles {
		return fmt.Errorf("%w: attach at most %d files to one comment", ErrInvalid, MaxCommentFiles)
	}
	var total int64
	for _, f := range files {
		if why := refusedFile(cleanFileName(f.Name), cleanContentType(f.ContentType)); why != "" {
			return fmt.Errorf("%w: %s", ErrInvalid, why)
		}
		total += int64(len(f.Content))
	}
	if total > limit {
		return &tooLargeError{fmt.Sprintf("the files are too large to send by mail: %s together, at most %s",
			SizeText(total), SizeText(limit))}
	}
	return nil
}

// CommentWithFilesAs adds u's comment to ticket id from the portal with
// its files (see CommentAs for who may comment, and for CommentAs without
// files).
func (d *Desk) CommentWithFilesAs(ctx context.Context, u *User, id int64, in PortalComment) error {
	t, err := d.visibleTicket(ctx, d.store, u, id)
	if err != nil {
		return fmt.Errorf("comment: %w", err)
	}
	if !accessOf(u, t).Comment {
		return fmt.Errorf("comment on %s: %w", t.Ref(), ErrForbidden)
	}
	if err := checkFiles(in.Files, d.MaxCommentFileBytes()); err != nil {
		return err // a message for people, as it is
	}
	return d.commentWithFiles(ctx, id, actorOf(u), in.Text, "portal", portalFiles(in.Files))
}

// portalFiles are files given in the portal, their names and media types
// cleaned as for a new ticket's.
func portalFiles(in []NewAttachment) []InboundAttachment {
	var files []InboundAttachment
	for _, f := range in {
		files = append(files, InboundAttachment{Name: cleanFileName(f.Name), ContentType: cleanContentType(f.ContentType),
			Content: f.Content})
	}
	return files
}

// commentWithFiles is Comment with files: they are stored on the ticket
// and carried by the comment's mail, in the comment's transaction.
func (d *Desk) commentWithFiles(ctx context.Context, id int64, actor Actor, text, channel string, files []InboundAttachment) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return fmt.Errorf("comment on %s: %w: empty comment", FormatRef(id), ErrInvalid)
	}
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		t, err := tx.GetTicket(ctx, id)
		if err != nil {
			return err
		}
		if !actor.Admin && !SameMailbox(actor.Email, t.Requester) && !SameMailbox(actor.Email, t.Assignee) {
			return ErrForbidden
		}
		stored, err := d.storeAttachments(ctx, tx, t.ID, files, false)
		if err != nil {
			return err
		}
		return d.commentFiles(ctx, tx, t, actor, text, stored)
	})
	if err != nil {
		return fmt.Errorf("comment on %s: %w", FormatRef(id), err)
	}
	d.log.InfoContext(ctx, "comment", slog.String("ticket", FormatRef(id)), slog.String("by", actor.String()),
		slog.String("channel", channel), slog.Int("files", len(files)))
	return nil
}

// SizeText writes a byte count as people read it: "18.2 MiB", "900 bytes".
func SizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
