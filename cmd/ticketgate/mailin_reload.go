package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"ticketgate/domain"
	"ticketgate/inbox"
	"ticketgate/storage"
)

// This file keeps serve's pollers of the mailboxes table in step with the
// table while serve runs, on every instance sharing the database: every
// mailboxesCheckEvery it asks the store for the table's summary
// (MailboxesVersion, one aggregate query), and only when that changed
// does it read the mailboxes and compare the pollers it wants (each
// enabled mailbox with an IMAP URL, by address, with a fingerprint of the
// settings that polling depends on) with the ones it runs: it stops the
// pollers of mailboxes removed or disabled, starts those of mailboxes
// added or enabled, and restarts those whose settings changed. Stopping
// a poller cancels its context and waits for its Run to return, so its
// advisory lock is released and its last mail committed before another
// poller (here or on another instance) takes the mailbox. Secrets are read
// when a poller starts. IMAP_URL's poller is not the table's and is never
// touched. Serve's start is the first reconcile.

// mailboxesCheckEvery is how often serve asks whether the mailboxes table
// changed: a change on the admin page or by `setup apply` reaches every
// instance's pollers within about this long.
const mailboxesCheckEvery = 5 * time.Second

// mailboxesReadEvery: every this many checks, the table is read and
// compared in full whatever its summary says, in case a writer's clock
// went back (its updated_at older than the greatest one).
const mailboxesReadEvery = 12

// tablePollers are serve's pollers of the mailboxes table.
type tablePollers struct {
	st      *storage.Store
	desk    *domain.Desk
	secrets mailboxSecrets
	wakers  *wakers
	metrics *inbox.Metrics
	log     *slog.Logger
	// base is the settings every poller shares; baseErr, when set, is why
	// no mailbox of the table can be polled (TLS_CA_FILE unreadable).
	base    inbox.IMAPConfig
	baseErr error
	// fixed are the pollers outside the table (IMAP_URL's): a mailbox of
	// the table may not poll what they poll.
	fixed []*inbox.Poller

	// What the reconciler last saw; only its goroutine uses these.
	version domain.MailboxesVersion
	read    bool // the table has been read once
	checks  int
	// changed are called after each reconcile that found the table
	// changed (registered before serve runs the intake).
	changed []func(ctx context.Context, boxes []domain.Mailbox)

	// wg counts the running pollers' goroutines.
	wg sync.WaitGroup
	mu sync.Mutex
	// running are the table's mailboxes this instance polls or could
	// not poll, by address; notes say, for people, which mailboxes are
	// not polled and why.
	running map[string]*tablePoller
	notes   []string
}

// tablePoller is the poller of one mailbox of the table, or why there is
// none (p nil).
type tablePoller struct {
	fingerprint string
	p           *inbox.Poller
	why         string
	cancel      context.CancelFunc
	done        chan struct{} // closed when p's Run returned
}

// onChange registers f, called (from the reconciler's goroutine) with the
// mailboxes after each reconcile that found the table changed, the first
// at start included; register before mailIn.run. It is how other
// parts of serve follow the table (the outbound side's per-mailbox
// settings, say). f should return promptly: the next check waits for it.
func (t *tablePollers) onChange(f func(ctx context.Context, boxes []domain.Mailbox)) {
	t.changed = append(t.changed, f)
}

// pollerFingerprint is what a mailbox's poller depends on: when it
// changes, the poller is restarted. It holds the id (a mailbox deleted and
// added again is another row), the IMAP URL and the login with its
// references to secrets, never a secret, and none of the columns the
// pollers themselves write (state, tokens).
func pollerFingerprint(m *domain.Mailbox) string {
	b, err := json.Marshal(struct {
		ID           int64
		IMAPURL      string
		Auth         domain.MailboxAuth
		IMAPPassword domain.SecretRef
		OAuth2       domain.MailboxOAuth2
	}{m.ID, m.IMAPURL, m.Auth, m.IMAPPassword, m.OAuth2})
	if err != nil { // plain strings and slices: cannot happen
		panic(err)
	}
	return string(b)
}

// runningPoller is what planPollers needs of a running poller.
type runningPoller struct {
	fingerprint string
	polled      bool // false: it could not be polled (secret missing, duplicate)
}

// pollerPlan is what a reconcile does, each list in address order.
type pollerPlan struct {
	start, stop, restart []string
}

func (p pollerPlan) empty() bool { return len(p.start)+len(p.stop)+len(p.restart) == 0 }

// planPollers compares the pollers wanted (address → fingerprint) with
// the running ones: a wanted one not running starts, a running one not
// wanted stops, one whose fingerprint changed restarts, and so does one
// that could not be polled (what stopped it, a duplicate or a secret,
// may be gone).
func planPollers(want map[string]string, running map[string]runningPoller) pollerPlan {
	var p pollerPlan
	for addr, fp := range want {
		r, ok := running[addr]
		switch {
		case !ok:
			p.start = append(p.start, addr)
		case r.fingerprint != fp || !r.polled:
			p.restart = append(p.restart, addr)
		}
	}
	for addr := range running {
		if _, ok := want[addr]; !ok {
			p.stop = append(p.stop, addr)
		}
	}
	slices.Sort(p.start)
	slices.Sort(p.stop)
	slices.Sort(p.restart)
	return p
}

// check asks whether the table changed and, if it did (or on the first
// call, or every mailboxesReadEvery calls), reconciles with it. ctx is the
// pollers' context too.
func (t *tablePollers) check(ctx context.Context) {
	v, err := t.st.MailboxesVersion(ctx)
	if err != nil {
		if ctx.Err() == nil {
			t.log.Warn("mailboxes not checked for changes; trying again shortly", slog.Any("error", err))
		}
		return
	}
	t.checks++
	if t.read && v == t.version && t.checks%mailboxesReadEvery != 0 {
		return
	}
	boxes, err := t.st.ListMailboxes(ctx)
	if err != nil {
		if ctx.Err() == nil {
			t.log.Warn("mailboxes not read; trying again shortly", slog.Any("error", err))
		}
		return
	}
	changed := !t.read || v != t.version
	t.read, t.version = true, v
	// A mailbox that could not be polled is tried again at a change of
	// the table, not at each full read: no error logged every minute.
	if t.reconcile(ctx, boxes, changed) {
		changed = true
	}
	if changed {
		for _, f := range t.changed {
			f(ctx, boxes)
		}
	}
}

// reconcile makes the running pollers those boxes want and reports
// whether it changed any; retry says to try again the mailboxes that
// could not be polled.
func (t *tablePollers) reconcile(ctx context.Context, boxes []domain.Mailbox, retry bool) bool {
	want := map[string]string{}
	byAddr := map[string]*domain.Mailbox{}
	var notes []string
	for i := range boxes {
		mb := &boxes[i]
		switch {
		case !mb.Enabled:
			notes = append(notes, "not polling "+mb.Address+": disabled")
		case mb.IMAPURL != "": // without, its mail comes through the receivers
			want[mb.Address], byAddr[mb.Address] = pollerFingerprint(mb), mb
		}
	}
	t.mu.Lock()
	running := map[string]runningPoller{}
	for addr, r := range t.running {
		running[addr] = runningPoller{fingerprint: r.fingerprint, polled: r.p != nil || !retry}
	}
	t.mu.Unlock()
	plan := planPollers(want, running)

	// Stop first, so that a mailbox moved from one row to another is
	// free for the new one.
	t.stop(append(slices.Clone(plan.stop), plan.restart...))
	for _, addr := range plan.stop {
		t.log.Info("mailbox no longer polled", slog.String("mailbox", addr))
	}
	for _, addr := range append(slices.Clone(plan.start), plan.restart...) {
		t.start(ctx, byAddr[addr], want[addr])
	}

	t.mu.Lock()
	for addr, r := range t.running {
		if r.p == nil {
			notes = append(notes, fmt.Sprintf("not polling %s: %s", addr, r.why))
		}
	}
	slices.Sort(notes)
	t.notes = notes
	t.mu.Unlock()
	return !plan.empty()
}

// stop stops the pollers of addrs and waits for their Run to return.
func (t *tablePollers) stop(addrs []string) {
	t.mu.Lock()
	var stopping []*tablePoller
	for _, addr := range addrs {
		if r := t.running[addr]; r != nil {
			delete(t.running, addr)
			stopping = append(stopping, r)
		}
	}
	t.mu.Unlock()
	for _, r := range stopping {
		if r.p == nil {
			continue
		}
		r.cancel()
		<-r.done
		t.wakers.forget(r.p.Name())
		t.metrics.Forget(r.p.Name())
	}
}

// stopAll stops every poller of the table and waits for them.
func (t *tablePollers) stopAll() {
	t.mu.Lock()
	addrs := make([]string, 0, len(t.running))
	for addr := range t.running {
		addrs = append(addrs, addr)
	}
	t.mu.Unlock()
	t.stop(addrs)
	t.wg.Wait()
}

// start builds mb's poller (reading its secrets now) and runs it under
// ctx. A mailbox that cannot be polled (a secret missing, a duplicate)
// goes to state error with the reason, and is kept with it.
func (t *tablePollers) start(ctx context.Context, mb *domain.Mailbox, fingerprint string) {
	p, err := t.build(mb)
	if err != nil {
		t.log.Error("mailbox not polled", slog.String("mailbox", mb.Address), slog.String("error", err.Error()))
		if werr := writeMailboxState(t.st, mb.ID, domain.MailboxError, "not polled: "+err.Error()); werr != nil {
			t.log.Warn("mailbox state not saved", slog.String("mailbox", mb.Address), slog.Any("error", werr))
		}
		t.mu.Lock()
		t.running[mb.Address] = &tablePoller{fingerprint: fingerprint, why: err.Error()}
		t.mu.Unlock()
		return
	}
	pctx, cancel := context.WithCancel(ctx)
	r := &tablePoller{fingerprint: fingerprint, p: p, cancel: cancel, done: make(chan struct{})}
	t.mu.Lock()
	t.running[mb.Address] = r
	t.mu.Unlock()
	t.log.Info("polling mailbox", slog.String("mailbox", mb.Address), slog.String("imap", p.Mailbox()))
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer close(r.done)
		supervise(pctx, t.log, "imap "+p.Name(), p.Run)
	}()
}

// build is mb's poller, with its state written to the row and a wake-up
// for "Reconnect"; an error when it cannot be polled.
func (t *tablePollers) build(mb *domain.Mailbox) (*inbox.Poller, error) {
	if t.baseErr != nil {
		return nil, t.baseErr
	}
	cfg, err := t.secrets.imapConfig(mb, t.st, t.base)
	if err != nil {
		return nil, err
	}
	id, address, log := mb.ID, mb.Address, t.log
	cfg.Address = address // its new tickets are this mailbox's
	cfg.Report, cfg.Wake = t.wakers.resumable(address, func() func(error) {
		return reauthNotifier(t.desk, id, address, stateWriter(t.st, id, address, log), log)
	})
	p, err := inbox.NewPoller(cfg, t.desk, t.desk, t.st, parseMail, t.metrics, log)
	if err == nil {
		err = t.taken(p)
	}
	if err != nil {
		t.wakers.forget(address)
		return nil, err
	}
	return p, nil
}

// taken says whether another poller polls p's IMAP mailbox or name.
func (t *tablePollers) taken(p *inbox.Poller) error {
	for _, f := range t.fixed {
		switch {
		case f.Mailbox() == p.Mailbox():
			return fmt.Errorf("%s polls the IMAP mailbox %s already", f.Name(), p.Mailbox())
		case f.Name() == p.Name():
			return fmt.Errorf("IMAP_URL polls the mailbox of HELPDESK_ADDRESS, %s, already", p.Name())
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for addr, r := range t.running {
		if r.p != nil && r.p.Mailbox() == p.Mailbox() {
			return fmt.Errorf("%s polls the IMAP mailbox %s already", addr, p.Mailbox())
		}
	}
	return nil
}

// notPolled says, for people, which mailboxes of the table are not polled
// and why.
func (t *tablePollers) notPolled() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.notes)
}

// polling returns the table's running pollers in address order.
func (t *tablePollers) polling() []*inbox.Poller {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []*inbox.Poller
	for _, r := range t.running {
		if r.p != nil {
			out = append(out, r.p)
		}
	}
	slices.SortFunc(out, func(a, b *inbox.Poller) int { return strings.Compare(a.Name(), b.Name()) })
	return out
}

// run reconciles once, then every mailboxesCheckEvery until ctx ends;
// then it stops every poller of the table and waits for them.
func (t *tablePollers) run(ctx context.Context, every time.Duration) {
	defer t.stopAll()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			t.check(ctx)
		}
	}
}
