package domain

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// "Forgot password" in two steps, so that the request does the same work
// whether or not the address has an account: RequestPasswordLink (the
// portal's request) only reserves its throttle attempts and records the
// ask, with the same statements for every address; SendPasswordLinks (a
// job of serve, woken at once through PasswordLinksRequested) looks the
// address up and, for a user who may sign in, makes the link and queues
// its mail. The answer's time thus tells nothing about which addresses
// exist. See docs/portal.md.

// PasswordLinkRequest is one recorded "forgot password" ask.
type PasswordLinkRequest struct {
	ID          int64
	Email       string // normalized; it may name nobody
	ClientAddr  string // who asked, for the log
	BaseURL     string // the portal's public URL: the link starts with it
	RequestedAt time.Time
}

// RequestPasswordLink is the "forgot password" use case. It records the
// ask for SendPasswordLinks, which mails a link to the user with address
// email if there is one who is not disabled and does nothing otherwise. A
// user without a password yet (an employee created from mail) gets the
// link as an invitation: this is how they set their first password. The
// work here is the same for every well-formed address, known or not, and
// the caller answers the same in every case; the returned error is only
// for the log. baseURL is the portal's public URL (BASE_URL).
func (d *Desk) RequestPasswordLink(ctx context.Context, email, clientAddr, baseURL string) error {
	addr, err := NormalizeEmail(email)
	if err != nil {
		return nil // nobody to mail; the answer is the same
	}
	now := d.clock.Now()
	var wait time.Duration
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		_, w, err := d.reserveAttempts(ctx, tx, now, LinkWindow, []attemptLimit{
			{scopeLinkAccount, addr, LinkAccountLimit},
			{scopeLinkAddress, clientAddr, LinkAddressLimit},
		})
		if err != nil || w > 0 {
			wait = w
			return err
		}
		return tx.QueuePasswordLinkRequest(ctx, &PasswordLinkRequest{Email: addr, ClientAddr: clientAddr,
			BaseURL: baseURL, RequestedAt: now})
	})
	if err != nil {
		return fmt.Errorf("password link for %s: %w", addr, err)
	}
	if wait > 0 {
		d.log.WarnContext(ctx, "password link throttled", slog.String("email", addr), slog.String("client", clientAddr))
		return nil
	}
	select {
	case d.linkRequested <- struct{}{}:
	default: // a wake-up is pending already
	}
	d.log.InfoContext(ctx, "password link requested", slog.String("email", addr), slog.String("client", clientAddr))
	return nil
}

// PasswordLinksRequested receives a value after RequestPasswordLink
// recorded an ask, so that the job running SendPasswordLinks can run at
// once rather than at its next tick. Asks recorded by other instances are
// not announced here.
func (d *Desk) PasswordLinksRequested() <-chan struct{} { return d.linkRequested }

// SendPasswordLinks acts on the recorded "forgot password" asks, oldest
// first, at most jobBatch of them: each is deleted and, when its address
// is a user who is not disabled, a link is made and its mail queued, in
// one transaction. An ask whose link or mail cannot be made (no composer,
// a broken template) is logged and dropped, so that it does not fail every
// run: the user can ask again. It returns how many links were mailed.
func (d *Desk) SendPasswordLinks(ctx context.Context) (int, error) {
	mailed := 0
	for range jobBatch {
		var req *PasswordLinkRequest
		var sent, none bool
		err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
			r, err := tx.ClaimPasswordLinkRequest(ctx)
			if isNotFound(err) {
				none = true
				return nil
			}
			if err != nil {
				return err
			}
			req = r
			if err := tx.DeletePasswordLinkRequest(ctx, r.ID); err != nil {
				return err
			}
			u, err := tx.GetUserByEmail(ctx, r.Email)
			if isNotFound(err) {
				return nil
			}
			if err != nil {
				return err
			}
			if u.Disabled {
				return nil
			}
			purpose := LinkReset
			if u.PasswordHash == "" {
				// Created from mail or by setup: this is their first password.
				purpose = LinkInvite
			}
			sent = true
			return d.sendPasswordLink(ctx, tx, u, purpose, r.BaseURL)
		})
		switch {
		case none:
			return mailed, nil
		case err != nil && req == nil:
			return mailed, fmt.Errorf("password links: %w", err)
		case err != nil:
			d.log.ErrorContext(ctx, "password link not sent", slog.String("email", req.Email), slog.Any("error", err))
			if err := d.store.DeletePasswordLinkRequest(ctx, req.ID); err != nil {
				return mailed, fmt.Errorf("password links: drop the ask of %s: %w", req.Email, err)
			}
		case sent:
			mailed++
			d.log.InfoContext(ctx, "password link mailed", slog.String("email", req.Email), slog.String("client", req.ClientAddr))
		default:
			d.log.InfoContext(ctx, "password link not mailed: no such user, or disabled", slog.String("email", req.Email),
				slog.String("client", req.ClientAddr))
		}
	}
	return mailed, nil
}
