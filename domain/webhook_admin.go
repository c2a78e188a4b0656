package domain

import (
	"context"
	"fmt"
)

// The admin's webhooks page: every use case checks that the actor is an
// admin.

// WebhookDeliveriesShown is how many of a webhook's latest deliveries its
// page lists.
const WebhookDeliveriesShown = 50

// AdminWebhooks returns every webhook, by id.
func (d *Desk) AdminWebhooks(ctx context.Context, actor Actor) ([]Webhook, error) {
	if err := mustBeAdmin(actor, "list webhooks"); err != nil {
		return nil, err
	}
	ws, err := d.store.ListWebhooks(ctx)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return ws, nil
}

// AdminWebhook returns webhook id and its latest deliveries, newest first.
func (d *Desk) AdminWebhook(ctx context.Context, actor Actor, id int64) (*Webhook, []WebhookDelivery, error) {
	if err := mustBeAdmin(actor, "show webhook"); err != nil {
		return nil, nil, err
	}
	w, err := d.store.GetWebhook(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	ds, err := d.store.ListWebhookDeliveries(ctx, id, WebhookDeliveriesShown)
	if err != nil {
		return nil, nil, err
	}
	return w, ds, nil
}

// SaveWebhook creates w (ID 0) or updates it. An empty Secret gets a new
// one on creation and keeps the stored one on update; the caller shows a
// new secret once. Turning a webhook on forgets its failures, and its
// waiting deliveries go out. Errors name the form's fields.
func (d *Desk) SaveWebhook(ctx context.Context, actor Actor, w Webhook) (*Webhook, error) {
	if err := mustBeAdmin(actor, "save webhook"); err != nil {
		return nil, err
	}
	now := d.clock.Now()
	if w.ID != 0 {
		old, err := d.store.GetWebhook(ctx, w.ID)
		if err != nil {
			return nil, err
		}
		if w.Secret == "" {
			w.Secret = old.Secret
		}
		w.CreatedAt = old.CreatedAt
	} else {
		if w.Secret == "" {
			w.Secret = NewWebhookSecret()
		}
		w.CreatedAt = now
	}
	w.UpdatedAt = now
	if err := w.Validate(); err != nil {
		return nil, err
	}
	var err error
	if w.ID == 0 {
		err = d.store.CreateWebhook(ctx, &w)
	} else {
		err = d.store.UpdateWebhook(ctx, &w)
	}
	if err != nil {
		return nil, fmt.Errorf("save webhook: %w", err)
	}
	d.log.InfoContext(ctx, "webhook saved", "webhook", w.ID, "url", w.URL, "enabled", w.Enabled, "by", actor.Email)
	return &w, nil
}

// DeleteWebhook deletes webhook id and its deliveries.
func (d *Desk) DeleteWebhook(ctx context.Context, actor Actor, id int64) error {
	if err := mustBeAdmin(actor, "delete webhook"); err != nil {
		return err
	}
	if err := d.store.DeleteWebhook(ctx, id); err != nil {
		return err
	}
	d.log.InfoContext(ctx, "webhook deleted", "webhook", id, "by", actor.Email)
	return nil
}

// RedeliverWebhook queues delivery id of webhook webhookID again, due
// now: the same message (webhook-id and body), so a receiver that has it
// can drop it.
func (d *Desk) RedeliverWebhook(ctx context.Context, actor Actor, webhookID, id int64) error {
	if err := mustBeAdmin(actor, "redeliver webhook"); err != nil {
		return err
	}
	return d.store.RedeliverWebhook(ctx, webhookID, id, d.clock.Now())
}
