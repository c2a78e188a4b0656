package domain

// # Poison mail
//
// A mail that makes the process die (a parser bug, an out-of-memory, a
// runaway input) would otherwise be fetched or redelivered after every
// restart and stop intake for good. Intake therefore commits each mail's
// identity as "in flight" before the mail is parsed, tagged with a random
// id of this process life, and Receive removes it in the transaction that
// commits the mail. A row found at a later intake was left by a life that
// died with the mail in flight, when the row names another life; a retry
// inside one life (after a database error) is not a crash, and a graceful
// stop releases its rows (ReleaseInFlight), so database outages and
// restarts never count.
//
// Mail found in flight after a crash is taken in one mail per transaction,
// each counting its crash just before it is parsed: a batch-mate of the
// poison mail that was never reached keeps its count, so only the mail that
// was being processed when the process died accumulates crashes. When a
// mail's count reaches MaxCrashes it is quarantined unparsed with the
// reason ReasonCrashed, and intake goes on.
//
// The cost is one extra statement and commit per batch (the claim), and
// one delete inside the commit that takes the batch in.
//
// A row whose mail never comes back would stay for ever: an SMTP sender
// that gave up after a crash (or after a database outage answered 451), a
// mailbox whose UIDVALIDITY changed (its mails come back under new keys).
// Such a row can matter no more once the mail is past any redelivery, so
// serve's scheduled jobs remove rows untouched for InFlightHorizon
// (PruneInFlight).

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// MaxCrashes is how many process lives may die while holding one mail; the
// next life quarantines it without parsing it.
const MaxCrashes = 2

// ReasonCrashed is the quarantine reason of a mail that was being processed
// when the process died, MaxCrashes times.
const ReasonCrashed = "crashed the process while being processed"

func newInstanceID() string {
	b := make([]byte, 12)
	rand.Read(b) // never fails (crypto/rand crashes the program instead)
	return hex.EncodeToString(b)
}

// Instance is the random id of this Desk's process life, as written in the
// rows of mails in flight.
func (d *Desk) Instance() string { return d.instance }

// InFlightKey is the identity of a mail while it is in flight: for IMAP its
// mailbox, UIDVALIDITY and UID; for the other channels a hash of its bytes
// (a sending MTA retries with the same bytes; an imported file is the same
// file).
func InFlightKey(src Source, raw []byte) string {
	if src.Mailbox != "" && src.UID != 0 {
		k := fmt.Sprintf("imap %d %d %s", src.UIDValidity, src.UID, src.Mailbox)
		if len(k) <= 300 {
			return k
		}
		sum := sha256.Sum256([]byte(src.Mailbox))
		return fmt.Sprintf("imap %d %d sha256:%s", src.UIDValidity, src.UID, hex.EncodeToString(sum[:]))
	}
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Intake takes in a batch of raw mails: it records them in flight (one
// commit), parses each with parse (except items that carry a Mail or a
// ParseError already), and hands them to Receive, which commits them and
// removes their in-flight rows together. Mail that a dead process life left
// in flight is taken in one mail per transaction instead, and a mail that
// was in flight at MaxCrashes deaths is quarantined unparsed (see the
// comment at the top of this file).
//
// The result follows Receive's contract: one outcome per mail committed, in
// order; on an error, items[len(outcomes):] were not committed.
func (d *Desk) Intake(ctx context.Context, items []Received, parse func(raw []byte) (*Inbound, error)) ([]Outcome, error) {
	if len(items) == 0 {
		return nil, nil
	}
	suspect, err := d.claim(ctx, items)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(suspect, true) {
		d.prepare(ctx, items, parse) // parsed (and classified) on all cores
		return d.Receive(ctx, items)
	}
	d.log.WarnContext(ctx, "mail left in flight by a process that stopped abruptly: taking this batch in one mail at a time",
		slog.Int("mails", len(items)))
	var outs []Outcome
	for i := range items {
		if suspect[i] {
			o, done, err := d.takeSuspect(ctx, items[i])
			if err != nil {
				return outs, err
			}
			if done {
				outs = append(outs, o)
				continue
			}
		}
		parseItem(&items[i], parse)
		o, err := d.Receive(ctx, items[i:i+1])
		outs = append(outs, o...)
		if err != nil {
			return outs, err
		}
	}
	return outs, nil
}

func parseItem(it *Received, parse func(raw []byte) (*Inbound, error)) {
	if it.Mail != nil || it.ParseError != nil {
		return
	}
	it.Mail, it.ParseError = parse(it.Raw)
	if it.ParseError != nil {
		it.Mail = nil
	} else if it.Mail == nil {
		it.ParseError = fmt.Errorf("the parser returned nothing")
	}
}

// claim records items in flight and reports, per item, whether it was in
// flight already in a way that asks for care: left by another process life,
// or counted as a crash before.
func (d *Desk) claim(ctx context.Context, items []Received) ([]bool, error) {
	keys := make([]string, len(items))
	for i := range items {
		if items[i].Key == "" {
			items[i].Key = InFlightKey(items[i].Source, items[i].Raw)
		}
		keys[i] = items[i].Key
	}
	old, err := d.store.ClaimInFlight(ctx, keys, d.instance, d.clock.Now())
	if err != nil {
		return nil, fmt.Errorf("record mail in flight: %w", err)
	}
	suspect := make([]bool, len(items))
	if len(old) == 0 {
		return suspect, nil
	}
	byKey := make(map[string]InFlight, len(old))
	for _, f := range old {
		byKey[f.Key] = f
	}
	for i, k := range keys {
		if f, ok := byKey[k]; ok && (f.Instance != d.instance || f.Crashes > 0) {
			suspect[i] = true
		}
	}
	return suspect, nil
}

// takeSuspect counts a crash for it when a dead life held it, committed
// before it is parsed. At MaxCrashes it quarantines it unparsed instead, and
// reports done.
func (d *Desk) takeSuspect(ctx context.Context, it Received) (Outcome, bool, error) {
	var o Outcome
	var crashes int
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		f, err := tx.TakeInFlight(ctx, it.Key, d.instance, d.clock.Now())
		if isNotFound(err) {
			crashes = 0 // committed meanwhile: take it in as usual
			return nil
		}
		if err != nil {
			return err
		}
		if crashes = f.Crashes; crashes < MaxCrashes {
			return nil
		}
		if o, err = d.quarantine(ctx, tx, it, ReasonCrashed); err != nil {
			return err
		}
		if err := d.saveMailboxStates(ctx, tx, []Received{it}); err != nil {
			return err
		}
		return tx.DeleteInFlight(ctx, []string{it.Key})
	})
	if err != nil {
		return Outcome{}, false, fmt.Errorf("take mail in flight: %w", err)
	}
	if crashes < MaxCrashes {
		if crashes > 0 {
			d.log.WarnContext(ctx, "mail was in flight when the process died; taking it in alone",
				slog.String("key", it.Key), slog.Int("crashes", crashes))
		}
		return Outcome{}, false, nil
	}
	d.log.ErrorContext(ctx, "mail quarantined without parsing: the process died while processing it",
		slog.String("key", it.Key), slog.Int("crashes", crashes), slog.String("outcome", string(o.Kind)))
	return o, true, nil
}

// InFlightHorizon is how long a mail's in-flight row is kept after it was
// claimed or last taken. Past it the mail is not coming back: MTAs give a
// mail up after 4 to 5 days by default (Postfix's maximal_queue_lifetime,
// sendmail's queuereturn, Exim's retry rules), and an IMAP mail still in
// its mailbox is taken again at the next start, which renews its row.
// Only a mailbox left unread for longer than the horizon with a mail that
// crashed a process in it loses that count.
const InFlightHorizon = 7 * 24 * time.Hour

// PruneInFlight removes the in-flight rows of mails last claimed or taken
// more than InFlightHorizon ago, and returns how many it removed. Serve's
// scheduled jobs run it (RunJobs).
func (d *Desk) PruneInFlight(ctx context.Context) (int, error) {
	n, err := d.store.PruneInFlight(ctx, d.clock.Now().Add(-InFlightHorizon))
	if err != nil {
		return 0, fmt.Errorf("prune mail in flight: %w", err)
	}
	return n, nil
}

// ReleaseInFlight forgets the mails this process life holds in flight; a
// graceful stop calls it, so what it leaves uncommitted counts no crash.
func (d *Desk) ReleaseInFlight(ctx context.Context) error {
	if err := d.store.ReleaseInFlight(ctx, d.instance); err != nil {
		return fmt.Errorf("release mail in flight: %w", err)
	}
	return nil
}

// inFlightKeys returns the in-flight keys of items (those Intake recorded).
func inFlightKeys(items []Received) []string {
	var keys []string
	for _, it := range items {
		if it.Key != "" {
			keys = append(keys, it.Key)
		}
	}
	return keys
}
