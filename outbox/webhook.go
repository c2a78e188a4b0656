package outbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"ticketgate/domain"
)

// Webhook delivery (issue 19). A delivery is a row the store writes in the
// transaction of its event, one per enabled webhook subscribed to the
// event's kind. The WebhookWorker claims due rows like the mail Worker
// (leases, FOR UPDATE SKIP LOCKED on PostgreSQL), POSTs each one and
// records the outcome. A 2xx answer is success; anything else (another
// status, a refused or private address, a timeout) is a failure retried
// after Backoff(attempts) plus jitter, the mail queue's policy, for as
// long as the webhook is on. A delivery never goes dead: it waits, and so
// do the later deliveries of its ticket to the same webhook, so a receiver
// sees each ticket's events in order. When a webhook's failures have
// lasted FailWindow (24 h) without one success it is turned off and the
// admins are mailed once (domain.Desk.DisableFailingWebhook); its queued
// deliveries go out when an admin turns it on again.
//
// Each request carries the Standard Webhooks headers: webhook-id (msg_
// and the delivery's id, the same on every attempt, for de-duplication),
// webhook-timestamp (the attempt's Unix time) and webhook-signature
// ("v1," and the base64 HMAC-SHA256 of "id.timestamp.body" under the
// secret's key). The body is frozen at the first attempt, so every
// attempt signs the same bytes.

// Webhook worker defaults.
const (
	DefaultFailWindow      = 24 * time.Hour
	WebhookTimeout         = 15 * time.Second
	MaxWebhookResponse     = 64 << 10 // bytes of an answer read (and dropped)
	maxWebhookErrorExcerpt = 200
)

// ErrPrivateAddress refuses a webhook request to a loopback, link-local,
// private or otherwise non-public address.
var ErrPrivateAddress = errors.New("webhook address is not public")

// NewWebhookClient returns the HTTP client webhooks are sent with: bounded
// by WebhookTimeout, no redirects followed (a 3xx is a failure), no proxy
// from the environment, and, unless allowPrivate (WEBHOOK_ALLOW_PRIVATE),
// a dialer that refuses non-public IPs. The check runs on the address
// being connected to, after name resolution, so a name that resolves (or
// re-resolves) to 127.0.0.1 is refused as well.
func NewWebhookClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if !allowPrivate {
		d.Control = refusePrivate
	}
	return &http.Client{
		Timeout: WebhookTimeout,
		Transport: &http.Transport{
			DialContext:           d.DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: WebhookTimeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// refusePrivate is a net.Dialer Control func: it sees the resolved
// address of each connection attempt.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrPrivateAddress, address)
	}
	if !PublicAddr(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrPrivateAddress, ap.Addr())
	}
	return nil
}

// cgnat is the shared address space of RFC 6598.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// PublicAddr reports whether a is an address a webhook may be sent to:
// not loopback, link-local, private (RFC 1918, fc00::/7), shared
// (100.64/10), unspecified or multicast.
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsValid() && !a.IsLoopback() && !a.IsPrivate() && !a.IsLinkLocalUnicast() && !a.IsLinkLocalMulticast() &&
		!a.IsInterfaceLocalMulticast() && !a.IsMulticast() && !a.IsUnspecified() && !cgnat.Contains(a)
}

// SignWebhook returns the webhook-signature value of a message: "v1," and
// the base64 HMAC-SHA256 of "id.timestamp.body" keyed with the secret's
// bytes (domain.WebhookKey).
func SignWebhook(secret, id string, timestamp int64, body []byte) (string, error) {
	key, err := domain.WebhookKey(secret)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// WebhookID is the webhook-id of a delivery.
func WebhookID(deliveryID int64) string { return "msg_" + strconv.FormatInt(deliveryID, 10) }

// WebhookSource is what the webhook worker reads and writes.
type WebhookSource interface {
	domain.WebhookStore
	GetTicket(ctx context.Context, id int64) (*domain.Ticket, error)
}

// WebhookDisabler turns a webhook off after FailWindow of failures and
// tells the admins; *domain.Desk is one.
type WebhookDisabler interface {
	DisableFailingWebhook(ctx context.Context, w *domain.Webhook, reason string) (bool, error)
}

// WebhookWorkerConfig wires a WebhookWorker.
type WebhookWorkerConfig struct {
	Store      WebhookSource
	Disabler   WebhookDisabler
	Client     *http.Client  // nil: NewWebhookClient(false)
	FailWindow time.Duration // 0: DefaultFailWindow
	Clock      domain.Clock  // nil: the system clock
	Log        *slog.Logger  // nil: discard
	// Helpdesk is HELPDESK_ADDRESS, the mailbox a ticket of the default
	// mailbox shows (as in `ticket list --json`).
	Helpdesk  string
	Interval  time.Duration
	BatchSize int
	Lease     time.Duration
	// Jitter as WorkerConfig's.
	Jitter func(d time.Duration) time.Duration
}

// WebhookWorker sends due webhook deliveries. Several may share one
// PostgreSQL database.
type WebhookWorker struct {
	cfg WebhookWorkerConfig
}

// NewWebhookWorker returns a worker with cfg's zero fields defaulted.
func NewWebhookWorker(cfg WebhookWorkerConfig) *WebhookWorker {
	if cfg.Client == nil {
		cfg.Client = NewWebhookClient(false)
	}
	if cfg.FailWindow <= 0 {
		cfg.FailWindow = DefaultFailWindow
	}
	defaultPolling(&cfg.Clock, &cfg.Log, &cfg.Interval, &cfg.BatchSize, &cfg.Lease, &cfg.Jitter)
	return &WebhookWorker{cfg: cfg}
}

// Run sends due deliveries until ctx is done, then returns nil. A panic is
// recovered, logged with its stack and returned as an error.
func (w *WebhookWorker) Run(ctx context.Context) error {
	w.cfg.Log.Info("webhook worker started")
	return pollLoop(ctx, w.cfg.Log, "webhook", w.cfg.Interval, w.cfg.BatchSize, w.SendDue, nil)
}

// SendDue claims one batch of due deliveries, sends them and records each
// outcome. It returns how many it claimed.
func (w *WebhookWorker) SendDue(ctx context.Context) (int, error) {
	start := w.cfg.Clock.Now()
	batch, err := w.cfg.Store.ClaimWebhookDeliveries(ctx, start, start.Add(w.cfg.Lease), w.cfg.BatchSize)
	if err != nil {
		return 0, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	// The webhooks that failed in this batch, with their failed
	// delivery's next attempt: the rest of their deliveries in the batch
	// wait until then, unattempted, so a URL that is down costs one
	// request per retry, not one per ticket.
	failed := map[int64]time.Time{}
	for i := range batch {
		d := &batch[i]
		if ctx.Err() != nil || w.cfg.Clock.Now().Sub(start) > w.cfg.Lease/2 {
			w.release(ctx, batch[i:], w.cfg.Clock.Now())
			return len(batch), ctx.Err()
		}
		if next, ok := failed[d.WebhookID]; ok {
			w.release(ctx, batch[i:i+1], next)
			continue
		}
		status, sendErr := w.send(ctx, d)
		if sendErr != nil && ctx.Err() != nil {
			w.release(ctx, batch[i:], w.cfg.Clock.Now())
			return len(batch), ctx.Err()
		}
		w.record(ctx, d, status, sendErr)
		if sendErr != nil {
			failed[d.WebhookID] = d.NextAttemptAt
		}
	}
	return len(batch), nil
}

// send POSTs d once and returns the answer's status.
func (w *WebhookWorker) send(ctx context.Context, d *domain.WebhookDelivery) (int, error) {
	if len(d.Payload) == 0 {
		body, err := w.payload(ctx, d)
		if err != nil {
			return 0, err
		}
		d.Payload = body
	}
	id, ts := WebhookID(d.ID), w.cfg.Clock.Now().Unix()
	sig, err := SignWebhook(d.Secret, id, ts, d.Payload)
	if err != nil {
		return 0, err
	}
	rctx, cancel := context.WithTimeout(ctx, WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, d.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ticketgate-webhooks")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, MaxWebhookResponse))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if len(excerpt) > maxWebhookErrorExcerpt {
			excerpt = excerpt[:maxWebhookErrorExcerpt]
		}
		return resp.StatusCode, fmt.Errorf("answered %s: %q", resp.Status, excerpt)
	}
	return resp.StatusCode, nil
}

// record writes the outcome of one attempt and turns the webhook off when
// its failures have lasted the window.
func (w *WebhookWorker) record(ctx context.Context, d *domain.WebhookDelivery, status int, sendErr error) {
	now := w.cfg.Clock.Now()
	d.Attempts++
	d.LastStatus = status
	log := w.cfg.Log.With(slog.Int64("delivery", d.ID), slog.Int64("webhook", d.WebhookID),
		slog.String("ticket", domain.FormatRef(d.TicketID)), slog.String("kind", string(d.Event.Kind)), slog.Int("attempt", d.Attempts))
	if sendErr == nil {
		d.Status, d.SentAt, d.NextAttemptAt, d.LastError = domain.DeliverySent, &now, now, ""
		log.Info("webhook delivered")
	} else {
		delay := Backoff(d.Attempts)
		d.Status, d.LastError, d.NextAttemptAt = domain.DeliveryQueued, sendErr.Error(), now.Add(delay+w.cfg.Jitter(delay))
		log.Info("webhook delivery deferred", slog.Any("error", sendErr), slog.Time("next_attempt_at", d.NextAttemptAt))
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	since, err := w.cfg.Store.RecordWebhookAttempt(wctx, d, now)
	if err != nil {
		if !errors.Is(err, domain.ErrNotFound) { // not found: the webhook was deleted meanwhile
			log.Error("webhooks: record attempt", slog.Any("error", err))
		}
		return
	}
	if sendErr == nil || since == nil || now.Sub(*since) < w.cfg.FailWindow || w.cfg.Disabler == nil {
		return
	}
	if _, err := w.cfg.Disabler.DisableFailingWebhook(wctx, &domain.Webhook{ID: d.WebhookID, URL: d.URL, FailingSince: since},
		sendErr.Error()); err != nil {
		log.Error("webhooks: disable failing webhook", slog.Any("error", err))
	}
}

// release puts claimed deliveries back, due at due, without counting an
// attempt.
func (w *WebhookWorker) release(ctx context.Context, rest []domain.WebhookDelivery, due time.Time) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for i := range rest {
		if err := w.cfg.Store.RedeliverWebhook(wctx, rest[i].WebhookID, rest[i].ID, due); err != nil && !errors.Is(err, domain.ErrNotFound) {
			w.cfg.Log.Warn("webhooks: release claimed delivery", slog.Int64("delivery", rest[i].ID), slog.Any("error", err))
		}
	}
}

// WebhookPayload is the JSON body of a delivery.
type WebhookPayload struct {
	ID    string       `json:"id"` // the webhook-id
	Type  string       `json:"type"`
	Event WebhookEvent `json:"event"`
	// Ticket is the ticket as `ticket list --json` gives it, as it was
	// when the delivery was first attempted.
	Ticket domain.TicketJSON `json:"ticket"`
}

// WebhookEvent is the event a delivery tells of.
type WebhookEvent struct {
	ID     int64     `json:"id"`
	Kind   string    `json:"kind"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Detail string    `json:"detail"`
	Ticket string    `json:"ticket"` // its ref
}

func (w *WebhookWorker) payload(ctx context.Context, d *domain.WebhookDelivery) ([]byte, error) {
	t, err := w.cfg.Store.GetTicket(ctx, d.TicketID)
	if err != nil {
		return nil, err
	}
	p := WebhookPayload{ID: WebhookID(d.ID), Type: "ticket." + string(d.Event.Kind),
		Event: WebhookEvent{ID: d.EventID, Kind: string(d.Event.Kind), At: d.Event.At.UTC(), Actor: d.Event.Actor,
			Detail: d.Event.Detail, Ticket: t.Ref()},
		Ticket: domain.NewTicketJSON(t, w.cfg.Helpdesk)}
	return json.Marshal(p)
}
