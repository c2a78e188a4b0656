package main

import (
	"context"
	"log/slog"
	"time"

	"ticketgate/domain"
)

// passwordLinksEvery is how often serve looks for "forgot password" asks
// that no wake-up announced: those another instance's portal recorded, or
// left behind when it stopped.
const passwordLinksEvery = 10 * time.Second

// startPasswordLinkJob runs desk.SendPasswordLinks at once, whenever the
// portal records an ask, and every period, until ctx ends; the returned
// function stops it and waits for the run in progress. Several instances
// may run it: each ask is claimed by one.
func startPasswordLinkJob(ctx context.Context, desk *domain.Desk, every time.Duration, log *slog.Logger) (stop func()) {
	return startPeriodicWake(ctx, "password links", every, desk.PasswordLinksRequested(), log, func(ctx context.Context) error {
		_, err := desk.SendPasswordLinks(ctx)
		return err
	})
}
