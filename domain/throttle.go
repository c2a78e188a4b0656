package domain

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Throttling (docs/design.md "Security"): every throttled use case reserves its
// attempt before doing the work it throttles (checking a password, queueing
// a password link). The reservation is one transaction that locks the keys,
// counts the attempts in the window and, when every limit has room, records
// one attempt per limit. Concurrent requests are thus counted one after the
// other: 30 wrong passwords sent at once for one account get at most
// SignInAccountLimit answers that are not "throttled". A reserved attempt
// that turns out not to be a failure (the password was right) is released.

// attemptLimit is one throttle: at most limit attempts of key in scope.
type attemptLimit struct {
	scope, key string
	limit      int
}

// maxThrottleKey bounds a stored throttle key: an address is at most 254
// bytes, and a longer "address" typed into a form is cut rather than
// written whole (the forms take megabytes).
const maxThrottleKey = 320

// reserveAttempts reserves one attempt for every limit, in tx, at now,
// counting the attempts made within window. It returns the ids of the
// attempts it recorded, in the order of limits; or, when some limit is
// reached, how long to wait until it allows one more, and records nothing.
func (d *Desk) reserveAttempts(ctx context.Context, tx Store, now time.Time, window time.Duration, limits []attemptLimit) ([]int64, time.Duration, error) {
	since := now.Add(-window)
	limits = slices.Clone(limits)
	for i := range limits {
		if len(limits[i].key) > maxThrottleKey {
			limits[i].key = limits[i].key[:maxThrottleKey]
		}
	}
	// Locks in one order everywhere, so that two requests sharing keys
	// never wait on each other in a cycle.
	ordered := slices.Clone(limits)
	slices.SortFunc(ordered, func(a, b attemptLimit) int {
		return strings.Compare(a.scope+"\x00"+a.key, b.scope+"\x00"+b.key)
	})
	for _, l := range ordered {
		if err := tx.LockAttempts(ctx, l.scope, l.key); err != nil {
			return nil, 0, err
		}
	}
	var wait time.Duration
	for _, l := range limits {
		n, oldest, err := tx.CountAttempts(ctx, l.scope, l.key, since)
		if err != nil {
			return nil, 0, err
		}
		if n < l.limit {
			continue
		}
		// The oldest attempt leaves the window first; then one more is allowed.
		wait = max(wait, oldest.Sub(since), time.Second)
	}
	if wait > 0 {
		return nil, wait, nil
	}
	ids := make([]int64, len(limits))
	for i, l := range limits {
		id, err := tx.ReserveAttempt(ctx, l.scope, l.key, now, since)
		if err != nil {
			return nil, 0, err
		}
		ids[i] = id
	}
	return ids, 0, nil
}

// reserve is reserveAttempts in a transaction of its own, which commits
// before the caller checks a password: the slow hash runs with no lock
// held.
func (d *Desk) reserve(ctx context.Context, now time.Time, window time.Duration, limits []attemptLimit) ([]int64, time.Duration, error) {
	var ids []int64
	var wait time.Duration
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		var err error
		ids, wait, err = d.reserveAttempts(ctx, tx, now, window, limits)
		return err
	})
	return ids, wait, err
}

// releaseAttempts gives reserved attempts back, in st.
func releaseAttempts(ctx context.Context, st Store, ids []int64) error {
	for _, id := range ids {
		if err := st.ReleaseAttempt(ctx, id); err != nil {
			return err
		}
	}
	return nil
}
