package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"
)

// APITicket is what POST /api/v1/tickets sends.
type APITicket struct {
	Subject   string
	Body      string
	Requester string // "" is the token's user
	Category  string // "" lets classification pick
	// Attachments are stored with the ticket, in its transaction, as a
	// mail's or the portal's are (at most MaxCommentFiles).
	Attachments []NewAttachment
}

// MaxIdempotencyKey is the longest Idempotency-Key, in bytes.
const MaxIdempotencyKey = 200

// OpenAPITicket opens a ticket for the API token tok of user u through the
// same pipeline as a mail (OpenTicket, channel "api"). Only an admin may
// open one for another requester or name its category (the portal's rules:
// a category is an admin's pick). With a key (the Idempotency-Key), the
// same key of the same token gives back the ticket its first request
// opened, with created false: the key is stored in the ticket's
// transaction, so two requests racing with one key make one ticket.
func (d *Desk) OpenAPITicket(ctx context.Context, tok *APIToken, u *User, key string, in APITicket) (*Ticket, bool, error) {
	if len(key) > MaxIdempotencyKey || !utf8.ValidString(key) {
		return nil, false, FieldErrors{"Idempotency-Key": fmt.Sprintf("at most %d bytes of text", MaxIdempotencyKey)}
	}
	if err := (&PortalTicket{Subject: in.Subject, Body: in.Body}).Validate(); err != nil {
		field := "body"
		if strings.Contains(err.Error(), "subject") {
			field = "subject"
		}
		return nil, false, FieldErrors{field: strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")}
	}
	if len(in.Attachments) > MaxCommentFiles {
		return nil, false, FieldErrors{"files": fmt.Sprintf("at most %d files", MaxCommentFiles)}
	}
	requester := u.Email
	if in.Requester != "" {
		addr, err := NormalizeEmail(in.Requester)
		if err != nil {
			return nil, false, FieldErrors{"requester": stripMailPrefix(err)}
		}
		if addr != u.Email && !u.IsAdmin() {
			return nil, false, fmt.Errorf("%w: only admins open tickets for another requester", ErrForbidden)
		}
		requester = addr
	}
	if in.Category != "" && !u.IsAdmin() {
		return nil, false, fmt.Errorf("%w: only admins pick categories", ErrForbidden)
	}
	if in.Category != "" {
		if _, err := d.store.GetCategoryByName(ctx, in.Category); isNotFound(err) {
			return nil, false, FieldErrors{"category": "there is no category " + in.Category}
		} else if err != nil {
			return nil, false, fmt.Errorf("open API ticket: %w", err)
		}
	}
	if key != "" {
		if t, err := d.idempotentTicket(ctx, tok, key); err == nil || !isNotFound(err) {
			return t, false, err
		}
	}
	nt := NewTicket{Subject: in.Subject, Body: strings.TrimSpace(in.Body), From: requester, Channel: "api",
		Attachments: portalFiles(in.Attachments)}
	if requester == u.Email {
		nt.FromName = u.Name
	}
	var t *Ticket
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		var err error
		if t, err = d.openTicket(ctx, tx, nt); err != nil {
			return err
		}
		if key != "" {
			return tx.SaveIdempotentTicket(ctx, tok.ID, key, t.ID, d.clock.Now())
		}
		return nil
	})
	if key != "" && errors.Is(err, ErrConflict) {
		// Another request with this key won the race.
		t, err := d.idempotentTicket(ctx, tok, key)
		return t, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("open API ticket: %w", err)
	}
	if in.Category != "" {
		if t, err = d.Categorize(ctx, t.ID, in.Category, actorOf(u)); err != nil {
			return nil, false, fmt.Errorf("open API ticket: %w", err)
		}
	} else {
		d.ClassifyLater(t.ID)
	}
	d.log.InfoContext(ctx, "API ticket", slog.String("ticket", t.Ref()), slog.Int64("token", tok.ID))
	return t, true, nil
}

func (d *Desk) idempotentTicket(ctx context.Context, tok *APIToken, key string) (*Ticket, error) {
	id, err := d.store.IdempotentTicket(ctx, tok.ID, key)
	if err != nil {
		return nil, err
	}
	t, err := d.store.GetTicket(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("idempotent ticket: %w", err)
	}
	return t, nil
}
