package main

import (
	"context"
	"log/slog"
	"sync"

	"ticketgate/domain"
	"ticketgate/outbox"
	"ticketgate/storage"
)

// startWebhooks runs the webhook worker (outbox.WebhookWorker) under
// supervise and returns the func that stops it and waits. It always runs:
// with no webhook registered a poll is one indexed query that finds
// nothing. WEBHOOK_ALLOW_PRIVATE lets it reach private addresses.
func startWebhooks(ctx context.Context, c *Config, st *storage.Store, desk *domain.Desk, log *slog.Logger) func() {
	w := outbox.NewWebhookWorker(outbox.WebhookWorkerConfig{Store: st, Disabler: desk,
		Client: outbox.NewWebhookClient(c.WebhookAllowPrivate), Helpdesk: c.HelpdeskAddress, Log: log.With(slog.String("component", "webhooks"))})
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { supervise(ctx, log, "webhooks", w.Run) })
	return func() { cancel(); wg.Wait() }
}
