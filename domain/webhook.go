package domain

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Webhook is a URL an admin registered to be told of ticket events (issue
// 19): each event of a kind in Kinds is POSTed to URL, signed with Secret
// in the Standard Webhooks format (docs/webhooks.md).
type Webhook struct {
	ID      int64
	URL     string
	Secret  string // whsec_ and the base64 of the key's bytes
	Kinds   []EventKind
	Enabled bool
	// FailingSince is when the current run of failed attempts began; nil
	// while the URL answers.
	FailingSince   *time.Time
	DisabledAt     *time.Time // when the worker turned it off, nil otherwise
	DisabledReason string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Delivery statuses: queued (due, waiting for a retry, or being sent) and
// sent (a 2xx answer).
const (
	DeliveryQueued = "queued"
	DeliverySent   = "sent"
)

// WebhookDelivery is one event to send to one webhook.
type WebhookDelivery struct {
	ID            int64
	WebhookID     int64
	EventID       int64
	TicketID      int64
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	LastStatus    int    // the HTTP status of the last answer, 0 if none
	Payload       []byte // the body as first sent; empty until then
	CreatedAt     time.Time
	SentAt        *time.Time

	// Filled by ClaimWebhookDeliveries and ListWebhookDeliveries.
	URL    string
	Secret string
	Event  Event
}

// WebhookStore keeps webhooks and their deliveries. Deliveries are written
// by the store itself in the transaction of each event (see the
// migration), one per enabled webhook subscribed to the event's kind.
type WebhookStore interface {
	// CreateWebhook inserts w and sets its ID.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// UpdateWebhook writes w's URL, secret, kinds, enabled and UpdatedAt;
	// enabling clears FailingSince and the disabled fields.
	UpdateWebhook(ctx context.Context, w *Webhook) error
	// DeleteWebhook deletes w and its deliveries.
	DeleteWebhook(ctx context.Context, id int64) error
	GetWebhook(ctx context.Context, id int64) (*Webhook, error)
	// ListWebhooks returns every webhook by id.
	ListWebhooks(ctx context.Context) ([]Webhook, error)
	// ListWebhookDeliveries returns up to limit deliveries of a webhook,
	// newest first, with their events.
	ListWebhookDeliveries(ctx context.Context, webhookID int64, limit int) ([]WebhookDelivery, error)
	// RedeliverWebhook queues delivery id of webhook webhookID again, due
	// at now, with the same webhook-id and payload; ErrNotFound if the
	// webhook has no such delivery.
	RedeliverWebhook(ctx context.Context, webhookID, id int64, now time.Time) error
	// ClaimWebhookDeliveries leases up to limit due queued deliveries of
	// enabled webhooks until leaseUntil, skipping any delivery with an
	// earlier queued one of the same webhook and ticket (order per
	// ticket); several instances never claim one row twice.
	ClaimWebhookDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]WebhookDelivery, error)
	// RecordWebhookAttempt writes the outcome of an attempt on d (Status,
	// Attempts, NextAttemptAt, LastError, LastStatus, Payload, SentAt) and
	// the webhook's failing state: cleared on success, else set to at if
	// unset. It returns the webhook's FailingSince after the write (nil
	// on success).
	RecordWebhookAttempt(ctx context.Context, d *WebhookDelivery, at time.Time) (*time.Time, error)
	// DisableFailingWebhook turns webhook id off if it is on, with reason,
	// and reports whether this call did: the compare-and-set that makes
	// the admins' mail go once.
	DisableFailingWebhook(ctx context.Context, id int64, at time.Time, reason string) (bool, error)
}

// WebhookKinds are the event kinds a webhook can subscribe to.
var WebhookKinds = []EventKind{EventReceived, EventClassified, EventTriaged, EventApprovalRequested, EventApproved,
	EventRejected, EventApprovalRefused, EventAssigned, EventUnassigned, EventCommented, EventNote, EventResolved,
	EventReopened, EventClosed, EventRecategorized, EventAutoReply, EventMailFailed, EventRated}

// MaxWebhookURL bounds a webhook's URL.
const MaxWebhookURL = 2000

// NewWebhookSecret returns a fresh secret: whsec_ and 32 random bytes in
// base64.
func NewWebhookSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// WebhookKey is the HMAC key of a secret: the bytes of its base64 after
// whsec_.
func WebhookKey(secret string) ([]byte, error) {
	s, ok := strings.CutPrefix(secret, "whsec_")
	if !ok {
		return nil, fmt.Errorf("%w: a webhook secret starts with whsec_", ErrInvalid)
	}
	k, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(k) < 24 || len(k) > 64 {
		return nil, fmt.Errorf("%w: a webhook secret is whsec_ and the base64 of 24 to 64 bytes", ErrInvalid)
	}
	return k, nil
}

// Validate checks w's URL (http or https, a host, no user info), secret
// and kinds, and sorts the kinds; the errors name the form's fields.
func (w *Webhook) Validate() error {
	fe := FieldErrors{}
	w.URL = strings.TrimSpace(w.URL)
	if u, err := url.Parse(w.URL); err != nil || len(w.URL) > MaxWebhookURL || (u.Scheme != "http" && u.Scheme != "https") ||
		u.Host == "" || u.User != nil {
		fe.add("url", "Give an http:// or https:// URL with a host and no user name (at most 2000 characters).")
	}
	if _, err := WebhookKey(w.Secret); err != nil {
		fe.add("secret", "A secret is whsec_ followed by the base64 of 24 to 64 bytes; leave it empty to get one.")
	}
	if len(w.Kinds) == 0 {
		fe.add("kinds", "Pick at least one event kind.")
	}
	for _, k := range w.Kinds {
		if !slices.Contains(WebhookKinds, k) {
			fe.add("kinds", fmt.Sprintf("%q is not an event kind.", k))
		}
	}
	slices.Sort(w.Kinds)
	w.Kinds = slices.Compact(w.Kinds)
	return fe.orNil()
}

// DisableFailingWebhook turns webhook w off after it failed for the whole
// window and mails every enabled admin once (MailWebhookDisabled) in the
// same transaction; the store's compare-and-set makes a second caller (a
// retry, another instance) do nothing. Without a Composer it only turns
// the webhook off. It reports whether this call did.
func (d *Desk) DisableFailingWebhook(ctx context.Context, w *Webhook, reason string) (bool, error) {
	done := false
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		now := d.clock.Now()
		var err error
		if done, err = tx.DisableFailingWebhook(ctx, w.ID, now, reason); err != nil || !done || !d.mailing() {
			return err
		}
		admins, err := tx.ListUsers(ctx, UserFilter{Role: RoleAdmin})
		if err != nil {
			return err
		}
		since := now
		if w.FailingSince != nil {
			since = *w.FailingSince
		}
		for _, a := range admins {
			if a.Disabled {
				continue
			}
			// MailWebhookDisabled reads these Vars:
			//   url     the webhook's URL
			//   reason  the last failure
			//   since   when the failures began (RFC 3339, UTC)
			err := d.sendMail(ctx, tx, Mail{Kind: MailWebhookDisabled, To: a.Email, ToName: a.Name,
				Vars: map[string]string{"url": w.URL, "reason": reason, "since": since.UTC().Format(time.RFC3339)}})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("disable failing webhook %d: %w", w.ID, err)
	}
	if done {
		d.log.WarnContext(ctx, "webhook disabled after failing for the whole window", "webhook", w.ID, "reason", reason)
	}
	return done, nil
}
