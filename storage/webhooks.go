package storage

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.WebhookStore = (*Store)(nil)

type webhookRow struct {
	bun.BaseModel `bun:"table:webhooks"`

	ID             int64      `bun:"id,pk,autoincrement"`
	URL            string     `bun:"url"`
	Secret         string     `bun:"secret"`
	Enabled        bool       `bun:"enabled"`
	FailingSince   *time.Time `bun:"failing_since"`
	DisabledAt     *time.Time `bun:"disabled_at"`
	DisabledReason string     `bun:"disabled_reason"`
	CreatedAt      time.Time  `bun:"created_at"`
	UpdatedAt      time.Time  `bun:"updated_at"`
}

type webhookKindRow struct {
	bun.BaseModel `bun:"table:webhook_kinds"`

	Kind      string `bun:"kind,pk"`
	WebhookID int64  `bun:"webhook_id,pk"`
}

type deliveryRow struct {
	bun.BaseModel `bun:"table:webhook_deliveries,alias:d"`

	ID            int64      `bun:"id,pk,autoincrement"`
	WebhookID     int64      `bun:"webhook_id"`
	EventID       int64      `bun:"event_id"`
	TicketID      int64      `bun:"ticket_id"`
	Status        string     `bun:"status"`
	Attempts      int        `bun:"attempts"`
	NextAttemptAt time.Time  `bun:"next_attempt_at"`
	LastError     string     `bun:"last_error"`
	LastStatus    int        `bun:"last_status"`
	Payload       string     `bun:"payload"`
	CreatedAt     time.Time  `bun:"created_at"`
	SentAt        *time.Time `bun:"sent_at"`
}

// deliveryView is a delivery with its webhook's URL and secret and its
// event.
type deliveryView struct {
	deliveryRow `bun:",extend"`

	URL         string    `bun:"url"`
	Secret      string    `bun:"secret"`
	EventAt     time.Time `bun:"event_at"`
	EventKind   string    `bun:"event_kind"`
	EventActor  string    `bun:"event_actor"`
	EventDetail string    `bun:"event_detail"`
}

func (v *deliveryView) domain() domain.WebhookDelivery {
	return domain.WebhookDelivery{ID: v.ID, WebhookID: v.WebhookID, EventID: v.EventID, TicketID: v.TicketID, Status: v.Status,
		Attempts: v.Attempts, NextAttemptAt: v.NextAttemptAt.UTC(), LastError: v.LastError, LastStatus: v.LastStatus,
		Payload: []byte(v.Payload), CreatedAt: v.CreatedAt.UTC(), SentAt: utcPtr(v.SentAt), URL: v.URL, Secret: v.Secret,
		Event: domain.Event{ID: v.EventID, TicketID: v.TicketID, At: v.EventAt.UTC(), Kind: domain.EventKind(v.EventKind),
			Actor: v.EventActor, Detail: v.EventDetail}}
}

func (s *Store) deliveryQuery(rows any) *bun.SelectQuery {
	return s.idb.NewSelect().Model(rows).ColumnExpr("d.*").
		ColumnExpr("w.url, w.secret, e.at AS event_at, e.kind AS event_kind, e.actor AS event_actor, e.detail AS event_detail").
		Join("JOIN webhooks AS w ON w.id = d.webhook_id").
		Join("JOIN events AS e ON e.id = d.event_id")
}

// CreateWebhook inserts w and its kinds.
func (s *Store) CreateWebhook(ctx context.Context, w *domain.Webhook) error {
	return s.tx(ctx, func(ctx context.Context, tx *Store) error {
		row := &webhookRow{URL: w.URL, Secret: w.Secret, Enabled: w.Enabled, CreatedAt: utc(w.CreatedAt), UpdatedAt: utc(w.UpdatedAt)}
		if _, err := tx.idb.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
			return mapErr(err, "create webhook")
		}
		w.ID = row.ID
		return tx.setWebhookKinds(ctx, w)
	})
}

func (s *Store) setWebhookKinds(ctx context.Context, w *domain.Webhook) error {
	if _, err := s.idb.NewDelete().Model((*webhookKindRow)(nil)).Where("webhook_id = ?", w.ID).Exec(ctx); err != nil {
		return mapErr(err, "set kinds of webhook %d", w.ID)
	}
	if len(w.Kinds) == 0 {
		return nil
	}
	rows := make([]webhookKindRow, len(w.Kinds))
	for i, k := range w.Kinds {
		rows[i] = webhookKindRow{Kind: string(k), WebhookID: w.ID}
	}
	_, err := s.idb.NewInsert().Model(&rows).Exec(ctx)
	return mapErr(err, "set kinds of webhook %d", w.ID)
}

// UpdateWebhook writes w; enabling it forgets its failures.
func (s *Store) UpdateWebhook(ctx context.Context, w *domain.Webhook) error {
	return s.tx(ctx, func(ctx context.Context, tx *Store) error {
		q := tx.idb.NewUpdate().Model((*webhookRow)(nil)).
			Set("url = ?", w.URL).Set("secret = ?", w.Secret).Set("enabled = ?", w.Enabled).
			Set("updated_at = ?", utc(w.UpdatedAt)).Where("id = ?", w.ID)
		if w.Enabled {
			q = q.Set("failing_since = NULL").Set("disabled_at = NULL").Set("disabled_reason = ''")
			w.FailingSince, w.DisabledAt, w.DisabledReason = nil, nil, ""
		}
		res, err := q.Exec(ctx)
		if err := mustAffect(res, err); err != nil {
			return mapErr(err, "update webhook %d", w.ID)
		}
		return tx.setWebhookKinds(ctx, w)
	})
}

// DeleteWebhook deletes a webhook; its kinds and deliveries cascade.
func (s *Store) DeleteWebhook(ctx context.Context, id int64) error {
	res, err := s.idb.NewDelete().Model((*webhookRow)(nil)).Where("id = ?", id).Exec(ctx)
	return mapErr(mustAffect(res, err), "delete webhook %d", id)
}

// GetWebhook returns webhook id with its kinds.
func (s *Store) GetWebhook(ctx context.Context, id int64) (*domain.Webhook, error) {
	var row webhookRow
	if err := s.idb.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, mapErr(err, "get webhook %d", id)
	}
	ws, err := s.withKinds(ctx, []webhookRow{row})
	if err != nil {
		return nil, err
	}
	return &ws[0], nil
}

// ListWebhooks returns every webhook by id, with its kinds.
func (s *Store) ListWebhooks(ctx context.Context) ([]domain.Webhook, error) {
	var rows []webhookRow
	if err := s.idb.NewSelect().Model(&rows).Order("id").Scan(ctx); err != nil {
		return nil, mapErr(err, "list webhooks")
	}
	return s.withKinds(ctx, rows)
}

func (s *Store) withKinds(ctx context.Context, rows []webhookRow) ([]domain.Webhook, error) {
	out := make([]domain.Webhook, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]int64, len(rows))
	at := map[int64]int{}
	for i, r := range rows {
		ids[i], at[r.ID] = r.ID, i
		out[i] = domain.Webhook{ID: r.ID, URL: r.URL, Secret: r.Secret, Enabled: r.Enabled, FailingSince: utcPtr(r.FailingSince),
			DisabledAt: utcPtr(r.DisabledAt), DisabledReason: r.DisabledReason, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	}
	var kinds []webhookKindRow
	if err := s.idb.NewSelect().Model(&kinds).Where("webhook_id IN (?)", bun.In(ids)).Order("kind").Scan(ctx); err != nil {
		return nil, mapErr(err, "kinds of webhooks")
	}
	for _, k := range kinds {
		w := &out[at[k.WebhookID]]
		w.Kinds = append(w.Kinds, domain.EventKind(k.Kind))
	}
	return out, nil
}

// ListWebhookDeliveries returns a webhook's latest deliveries.
func (s *Store) ListWebhookDeliveries(ctx context.Context, webhookID int64, limit int) ([]domain.WebhookDelivery, error) {
	var rows []deliveryView
	if err := s.deliveryQuery(&rows).Where("d.webhook_id = ?", webhookID).OrderExpr("d.id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, mapErr(err, "deliveries of webhook %d", webhookID)
	}
	out := make([]domain.WebhookDelivery, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// RedeliverWebhook queues a delivery again, due now.
func (s *Store) RedeliverWebhook(ctx context.Context, webhookID, id int64, now time.Time) error {
	res, err := s.idb.NewUpdate().Model((*deliveryRow)(nil)).
		Set("status = ?", domain.DeliveryQueued).Set("next_attempt_at = ?", utc(now)).Set("sent_at = NULL").
		Where("id = ?", id).Where("webhook_id = ?", webhookID).Exec(ctx)
	return mapErr(mustAffect(res, err), "redeliver webhook delivery %d", id)
}

// ClaimWebhookDeliveries leases due deliveries like ClaimOutbox: one
// UPDATE whose inner SELECT takes the rows FOR UPDATE SKIP LOCKED on
// PostgreSQL. A delivery is due only when no earlier delivery of the same
// webhook and ticket is queued: a leased or deferred one keeps the later
// ones waiting, so a receiver sees a ticket's events in order.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]domain.WebhookDelivery, error) {
	lock := ""
	if s.Postgres() {
		lock = " FOR UPDATE OF d SKIP LOCKED"
	}
	var ids []int64
	err := s.idb.NewRaw(`UPDATE webhook_deliveries SET next_attempt_at = ?
		WHERE id IN (SELECT d.id FROM webhook_deliveries AS d JOIN webhooks AS w ON w.id = d.webhook_id
			WHERE d.status = 'queued' AND d.next_attempt_at <= ? AND w.enabled
			AND NOT EXISTS (SELECT 1 FROM webhook_deliveries AS p WHERE p.webhook_id = d.webhook_id
				AND p.ticket_id = d.ticket_id AND p.status = 'queued' AND p.id < d.id)
			ORDER BY d.next_attempt_at, d.id LIMIT ?`+lock+`)
		RETURNING id`, utc(leaseUntil), utc(now), limit).Scan(ctx, &ids)
	if err != nil {
		return nil, mapErr(err, "claim webhook deliveries")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	slices.Sort(ids)
	var rows []deliveryView
	if err := s.deliveryQuery(&rows).Where("d.id IN (?)", bun.In(ids)).OrderExpr("d.id").Scan(ctx); err != nil {
		return nil, mapErr(err, "claim webhook deliveries")
	}
	out := make([]domain.WebhookDelivery, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// RecordWebhookAttempt writes an attempt's outcome and the webhook's
// failing state in one transaction.
func (s *Store) RecordWebhookAttempt(ctx context.Context, d *domain.WebhookDelivery, at time.Time) (*time.Time, error) {
	var since *time.Time
	err := s.tx(ctx, func(ctx context.Context, tx *Store) error {
		res, err := tx.idb.NewUpdate().Model((*deliveryRow)(nil)).
			Set("status = ?", d.Status).Set("attempts = ?", d.Attempts).Set("next_attempt_at = ?", utc(d.NextAttemptAt)).
			Set("last_error = ?", d.LastError).Set("last_status = ?", d.LastStatus).Set("payload = ?", string(d.Payload)).
			Set("sent_at = ?", utcPtr(d.SentAt)).Where("id = ?", d.ID).Exec(ctx)
		if err := mustAffect(res, err); err != nil {
			return mapErr(err, "record webhook delivery %d", d.ID)
		}
		q := tx.idb.NewUpdate().Model((*webhookRow)(nil)).Where("id = ?", d.WebhookID)
		if d.Status == domain.DeliverySent {
			_, err = q.Set("failing_since = NULL").Exec(ctx)
			return mapErr(err, "record webhook %d works", d.WebhookID)
		}
		var rows []webhookRow
		err = q.Set("failing_since = COALESCE(failing_since, ?)", utc(at)).Returning("failing_since").Scan(ctx, &rows)
		if err != nil {
			return mapErr(err, "record webhook %d fails", d.WebhookID)
		}
		if len(rows) == 1 {
			since = utcPtr(rows[0].FailingSince)
		}
		return nil
	})
	return since, err
}

// DisableFailingWebhook is a compare-and-set on enabled.
func (s *Store) DisableFailingWebhook(ctx context.Context, id int64, at time.Time, reason string) (bool, error) {
	res, err := s.idb.NewUpdate().Model((*webhookRow)(nil)).
		Set("enabled = ?", false).Set("disabled_at = ?", utc(at)).Set("disabled_reason = ?", reason).
		Where("id = ?", id).Where("enabled").Exec(ctx)
	if err != nil {
		return false, mapErr(err, "disable webhook %d", id)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("disable webhook %d: %w", id, err)
	}
	return n == 1, nil
}
