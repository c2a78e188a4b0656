package inbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"ticketgate/domain"
	"ticketgate/domain/mailauth"
)

// IMAPConfig configures the poller.
type IMAPConfig struct {
	// URL is IMAP_URL: imaps://user:pass@host[:993]/MAILBOX, or imap://…
	// [:143] with STARTTLS required unless ?tls=none.
	URL string
	// TLS holds the trusted roots (system roots plus TLS_CA_FILE).
	TLS *tls.Config
	// DoneMailbox receives processed mail; "" flags it \Seen instead.
	DoneMailbox string
	// QuarantineMailbox receives mail that went to quarantine; "" flags it.
	QuarantineMailbox string
	// PollInterval is the period of checks when the server has no IDLE,
	// and the safety re-check period while idling.
	PollInterval    time.Duration
	MaxMessageBytes int64
	// BatchSize is how many mails are committed together (default 200).
	BatchSize int
	// SASL, when set, logs in with OAuth2 (XOAUTH2 or OAUTHBEARER, with a
	// fresh token per login) instead of the URL's password; the URL still
	// names the user, which is part of the mailbox's key. A session ends
	// shortly before the token it logged in with expires, and the next
	// login carries a fresh one (Exchange Online ends such sessions itself).
	SASL mailauth.ClientFactory
	// Address is the address mail in this mailbox was sent to, which new
	// tickets keep (domain.Source.Address); "" for the default mailbox of
	// HELPDESK_ADDRESS.
	Address string
	// Name is the mailbox's name in the metrics' mailbox label and in the
	// state (its address); "" names it by its key.
	Name string
	// Report, when set, is told each change of the poller's health, from
	// the poller's goroutine: nil when a poll succeeds after a start or a
	// failure, the error when polling fails with another error than the
	// last. It must not block for long (a database write is fine).
	Report func(err error)
	// Wake, when set, cuts short the wait after a failure: an admin has
	// just connected the mailbox again, so the poller tries now, with a
	// fresh backoff, instead of at its next retry (up to a minute away
	// after a refused grant). A wake-up while polling is kept for the
	// next wait.
	Wake <-chan struct{}
}

// MailboxReader tells how far a mailbox was processed; *domain.Desk is one.
type MailboxReader interface {
	MailboxState(ctx context.Context, mailbox string) (*domain.MailboxState, error)
}

// account is IMAP_URL parsed.
type account struct {
	addr      string // host:port
	host      string
	implicit  bool // imaps://
	plaintext bool // ?tls=none
	user      string
	pass      string
	mailbox   string
	// key names the mailbox in the database and in the lock: the URL
	// without its password.
	key string
}

func parseIMAPURL(raw string) (account, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return account{}, errors.New("IMAP_URL: not a URL")
	}
	a := account{host: u.Hostname(), mailbox: strings.TrimPrefix(u.Path, "/")}
	if a.mailbox == "" {
		a.mailbox = "INBOX"
	}
	port := u.Port()
	switch u.Scheme {
	case "imaps":
		a.implicit = true
		if port == "" {
			port = "993"
		}
	case "imap":
		if port == "" {
			port = "143"
		}
		a.plaintext = u.Query().Get("tls") == "none"
	default:
		return account{}, fmt.Errorf("IMAP_URL: scheme %q: want imap:// or imaps://", u.Scheme)
	}
	if a.host == "" {
		return account{}, errors.New("IMAP_URL: no host")
	}
	a.addr = net.JoinHostPort(a.host, port)
	if u.User != nil {
		a.user = u.User.Username()
		a.pass, _ = u.User.Password()
	}
	if a.user == "" {
		return account{}, errors.New("IMAP_URL: no user name")
	}
	a.key = fmt.Sprintf("%s://%s@%s/%s", u.Scheme, a.user, a.addr, a.mailbox)
	return a, nil
}

// PollerState is what admins see of the poller.
type PollerState struct {
	Mailbox     string // the key: the URL without its password
	Name        string // IMAPConfig.Name, or the key
	Polling     bool   // this instance holds the mailbox's lock
	Connected   bool
	LastSuccess time.Time
	LastErrorAt time.Time
	LastError   string
	Backlog     int // mails found and not yet committed
	// NeedsReauthorization: the OAuth2 provider refused the grant; only
	// connecting the mailbox again helps. The poller keeps trying, at the
	// slowest pace of its backoff.
	NeedsReauthorization bool
}

// Poller takes mail in from one IMAP mailbox, exactly once: a mail is
// committed (ticket, event, log entry or quarantine row, together with the
// mailbox's highest UID) before it is flagged \Seen or moved, and on start
// the poller finishes flagging what was committed but not yet flagged. One
// instance polls a mailbox at a time (a lock in the database); the others
// wait and take over when it dies.
//
// Errors never end Run: it reconnects with capped exponential backoff
// (1 s doubling to 1 min, with jitter) and logs once per change of state.
type Poller struct {
	cfg     IMAPConfig
	acct    account
	recv    Receiver
	mbox    MailboxReader
	locker  domain.Locker
	parse   ParseFunc
	log     *slog.Logger
	metrics *Metrics
	// budget bounds the bytes of one batch in memory (fetchBudget).
	budget int64

	mu    sync.Mutex
	state PollerState
}

// NewPoller checks cfg and returns a poller.
func NewPoller(cfg IMAPConfig, recv Receiver, mbox MailboxReader, locker domain.Locker, parse ParseFunc, m *Metrics, log *slog.Logger) (*Poller, error) {
	a, err := parseIMAPURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 30 * time.Second
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 200
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = 25 << 20
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Poller{cfg: cfg, acct: a, recv: recv, mbox: mbox, locker: locker, parse: Guard(parse, DefaultParseBudget), log: log, metrics: m,
		budget: fetchBudget}
	if cfg.Name == "" {
		p.cfg.Name = a.key
	}
	p.state.Mailbox, p.state.Name = a.key, p.cfg.Name
	return p, nil
}

// Mailbox is the mailbox's key: its URL without the password.
func (p *Poller) Mailbox() string { return p.acct.key }

// Name is IMAPConfig.Name, or the key when it was not given.
func (p *Poller) Name() string { return p.cfg.Name }

// State returns the poller's state now.
func (p *Poller) State() PollerState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

func (p *Poller) update(f func(s *PollerState)) {
	p.mu.Lock()
	f(&p.state)
	s := p.state
	p.mu.Unlock()
	p.metrics.pollerState(p.cfg.Name, s)
}

// Run polls until ctx ends.
func (p *Poller) Run(ctx context.Context) error {
	bo := backoff{min: time.Second, max: time.Minute}
	for ctx.Err() == nil {
		lock, err := p.acquire(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			p.failed(err)
			sleep(ctx, bo.next())
			continue
		}
		p.update(func(s *PollerState) { s.Polling = true })
		err = p.session(ctx, lock)
		lock.Release()
		p.update(func(s *PollerState) { s.Polling, s.Connected = false, false })
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			p.failed(err)
			d := bo.next()
			if errors.Is(err, mailauth.ErrNeedsReauthorization) {
				d = max(d, bo.max) // no storm of refused grants
			}
			if p.pause(ctx, d) {
				bo.reset()
			}
			continue
		}
		bo.reset()
	}
	return nil
}

// pause sleeps d after a failure, or until ctx ends or a wake-up comes
// (which it reports). Woken, the poller forgets its last error, so that
// the next attempt's outcome is reported even if it is the same error.
func (p *Poller) pause(ctx context.Context, d time.Duration) (woken bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-p.cfg.Wake: // nil without Wake: never ready
		p.log.Info("IMAP: woken to try again now", slog.String("mailbox", p.acct.key))
		p.update(func(s *PollerState) { s.LastError, s.NeedsReauthorization = "", false })
		return true
	}
	return false
}

// acquire waits for the mailbox's lock.
func (p *Poller) acquire(ctx context.Context) (domain.Lock, error) {
	waiting := false
	for {
		l, ok, err := p.locker.TryLock(ctx, "imap:"+p.acct.key)
		if err != nil {
			return nil, fmt.Errorf("take the mailbox lock: %w", err)
		}
		if ok {
			if waiting {
				p.log.Info("IMAP: taking over the mailbox", slog.String("mailbox", p.acct.key))
			}
			return l, nil
		}
		if !waiting {
			p.log.Info("IMAP: another instance polls this mailbox; standing by", slog.String("mailbox", p.acct.key))
			waiting = true
		}
		if !sleep(ctx, 2*time.Second) {
			return nil, ctx.Err()
		}
	}
}

// failed records err and logs it once per change.
func (p *Poller) failed(err error) {
	msg := err.Error()
	var changed bool
	p.update(func(s *PollerState) {
		changed = s.LastError != msg || s.Connected
		s.Connected, s.LastError, s.LastErrorAt = false, msg, time.Now().UTC()
		s.NeedsReauthorization = errors.Is(err, mailauth.ErrNeedsReauthorization)
	})
	if changed {
		p.log.Error("IMAP: polling failed; retrying with backoff", slog.String("mailbox", p.acct.key), slog.String("error", msg))
		if p.cfg.Report != nil {
			p.cfg.Report(err)
		}
	}
}

func (p *Poller) succeeded() {
	var recovered bool
	p.update(func(s *PollerState) {
		recovered = !s.Connected
		s.Connected, s.LastSuccess = true, time.Now().UTC()
		s.LastError, s.NeedsReauthorization = "", false
	})
	if recovered {
		p.log.Info("IMAP: connected", slog.String("mailbox", p.acct.key))
		if p.cfg.Report != nil {
			p.cfg.Report(nil)
		}
	}
}

// session polls over one connection until an error, a lost lock, ctx, or
// (returning nil) the expiry of the OAuth2 token it logged in with.
func (p *Poller) session(ctx context.Context, lock domain.Lock) error {
	newMail := make(chan struct{}, 1)
	c, expiry, err := p.connect(ctx, newMail)
	if err != nil {
		return err
	}
	var relogin <-chan time.Time
	if !expiry.IsZero() {
		// Log in again a little before the token expires: a minute, or a
		// fifth of its life when that is shorter; never within a second,
		// so a token already at its end cannot spin the loop.
		left := time.Until(expiry)
		t := time.NewTimer(max(left-min(time.Minute, left/5), time.Second))
		defer t.Stop()
		relogin = t.C
	}
	// go-imap's client takes no context: close it when ctx ends or the
	// lock is lost, which makes any command in flight fail.
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
		case <-lock.Lost():
			p.log.Warn("IMAP: the mailbox lock was lost; stopping until it is taken again", slog.String("mailbox", p.acct.key))
		case <-done:
		}
		c.Close()
	}()
	defer c.Logout()

	for _, mb := range []string{p.cfg.DoneMailbox, p.cfg.QuarantineMailbox} {
		if mb != "" {
			// An existing mailbox makes CREATE fail; that is fine.
			c.Create(mb, nil).Wait()
		}
	}
	sel, err := c.Select(p.acct.mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("select %s: %w", p.acct.mailbox, err)
	}
	for first := true; ; first = false {
		if err := p.drain(ctx, c, sel.UIDValidity, first); err != nil {
			return err
		}
		p.succeeded()
		again, err := p.wait(ctx, c, lock, newMail, relogin)
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		if again {
			p.log.Debug("IMAP: the OAuth2 token expires; logging in again", slog.String("mailbox", p.acct.key))
			return nil
		}
		select {
		case <-lock.Lost():
			return errors.New("the mailbox lock was lost")
		default:
		}
	}
}

// connect dials and logs in; with OAuth2 it returns when the token used
// expires (zero otherwise).
func (p *Poller) connect(ctx context.Context, newMail chan struct{}) (*imapclient.Client, time.Time, error) {
	opts := &imapclient.Options{
		TLSConfig: p.tlsConfig(),
		Dialer:    &net.Dialer{Timeout: 15 * time.Second},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case newMail <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	var c *imapclient.Client
	var err error
	switch {
	case p.acct.implicit:
		c, err = imapclient.DialTLS(p.acct.addr, opts)
	case p.acct.plaintext:
		c, err = imapclient.DialInsecure(p.acct.addr, opts)
	default:
		c, err = imapclient.DialStartTLS(p.acct.addr, opts)
		if err != nil && !isNetError(err) {
			err = fmt.Errorf("STARTTLS with %s failed (use imaps://, or ?tls=none to allow plaintext): %w", p.acct.addr, err)
		}
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("connect to %s: %w", p.acct.addr, err)
	}
	// The greeting and the login take no context: ctx ending closes the
	// connection, which ends them.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, time.Time{}, fmt.Errorf("connect to %s: %w", p.acct.addr, err)
	}
	var expiry time.Time
	switch {
	case p.cfg.SASL != nil:
		var mech sasl.Client
		mech, expiry, err = p.cfg.SASL(ctx, func(m string) bool { return c.Caps().Has(imap.AuthCap(m)) })
		if err == nil {
			err = c.Authenticate(mech)
		}
	case c.Caps().Has(imap.AuthCap(sasl.Plain)):
		err = c.Authenticate(sasl.NewPlainClient("", p.acct.user, p.acct.pass))
	default:
		err = c.Login(p.acct.user, p.acct.pass).Wait()
	}
	if err != nil {
		c.Close()
		return nil, time.Time{}, fmt.Errorf("log in to %s as %s: %w", p.acct.addr, p.acct.user, err)
	}
	return c, expiry, nil
}

func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}

func (p *Poller) tlsConfig() *tls.Config {
	var cfg *tls.Config
	if p.cfg.TLS != nil {
		cfg = p.cfg.TLS.Clone()
	} else {
		cfg = &tls.Config{}
	}
	cfg.ServerName = p.acct.host
	cfg.MinVersion = tls.VersionTLS12
	return cfg
}

// wait blocks until new mail may be there: IDLE when the server has it,
// else the poll interval. It reports whether relogin fired.
func (p *Poller) wait(ctx context.Context, c *imapclient.Client, lock domain.Lock, newMail chan struct{}, relogin <-chan time.Time) (bool, error) {
	timer := time.NewTimer(p.cfg.PollInterval)
	defer timer.Stop()
	again := false
	if !c.Caps().Has(imap.CapIdle) {
		select {
		case <-ctx.Done():
		case <-lock.Lost():
		case <-timer.C:
		case <-relogin:
			again = true
		}
		return again, nil
	}
	idle, err := c.Idle()
	if err != nil {
		return false, fmt.Errorf("idle: %w", err)
	}
	select {
	case <-ctx.Done():
		idle.Close()
		return false, nil
	case <-lock.Lost():
	case <-newMail:
	case <-timer.C:
	case <-relogin:
		again = true
	}
	if err := idle.Close(); err != nil {
		return false, fmt.Errorf("end idle: %w", err)
	}
	if err := idle.Wait(); err != nil {
		return false, fmt.Errorf("idle: %w", err)
	}
	return again, nil
}

// drain takes in every mail not yet committed; when first (a session's
// first drain) it first flags what was committed but not flagged. Within
// a session every committed batch is flagged or the session ends with
// the error, so only a session's start can find such mail (after a crash,
// a failed flag, another instance's session); searching for it on every
// wake would read the flags of the whole mailbox each time, which costs
// the server more the more mail it keeps (a Maildir of 90,000 mails:
// over a second after a flag change).
func (p *Poller) drain(ctx context.Context, c *imapclient.Client, uidValidity uint32, first bool) (err error) {
	st, err := p.mbox.MailboxState(ctx, p.acct.key)
	if err != nil {
		return fmt.Errorf("read mailbox state: %w", err)
	}
	last, rescan := st.LastUID, false
	if st.UIDValidity != uidValidity {
		if st.UIDValidity != 0 {
			p.log.Warn("IMAP: UIDVALIDITY changed; rescanning the mailbox (duplicates are recognised by Message-ID)",
				slog.String("mailbox", p.acct.key), slog.Uint64("was", uint64(st.UIDValidity)), slog.Uint64("now", uint64(uidValidity)))
		}
		last, rescan = 0, true
	}
	// Committed before a crash, not flagged yet: flag (or move) now.
	if first && last > 0 {
		crit := &imap.SearchCriteria{UID: []imap.UIDSet{{imap.UIDRange{Start: 1, Stop: imap.UID(last)}}}}
		if p.cfg.DoneMailbox == "" {
			crit.NotFlag = []imap.Flag{imap.FlagSeen}
		}
		data, err := c.UIDSearch(crit, nil).Wait()
		if err != nil {
			return fmt.Errorf("search committed mail: %w", err)
		}
		if uids := data.AllUIDs(); len(uids) > 0 {
			if err := p.markDone(c, uids, p.cfg.DoneMailbox); err != nil {
				return err
			}
		}
	}
	crit := &imap.SearchCriteria{UID: []imap.UIDSet{{imap.UIDRange{Start: imap.UID(last + 1), Stop: 0}}}}
	if rescan && p.cfg.DoneMailbox == "" {
		// Without a done mailbox, \Seen marks what was handled (by us or,
		// before ticketgate, by people).
		crit.NotFlag = []imap.Flag{imap.FlagSeen}
	}
	data, err := c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return fmt.Errorf("search new mail: %w", err)
	}
	var uids []imap.UID
	for _, u := range data.AllUIDs() {
		if uint32(u) > last { // "n:*" also matches the highest UID when it is lower
			uids = append(uids, u)
		}
	}
	slices.Sort(uids)
	p.update(func(s *PollerState) { s.Backlog = len(uids) })
	// One batch's intake runs while the next is fetched; whatever ends the
	// loop, the batch in intake is waited for and what it committed flagged.
	var pend *pending
	defer func() {
		if ferr := p.finish(c, pend); err == nil {
			err = ferr
		}
		p.update(func(s *PollerState) { s.Backlog = len(uids) })
	}()
	for len(uids) > 0 {
		n := min(len(uids), p.cfg.BatchSize)
		if err := p.takeIn(ctx, c, uidValidity, uids[:n], rescan, &pend); err != nil {
			return err
		}
		uids = uids[n:]
		p.update(func(s *PollerState) { s.Backlog = len(uids) + pend.size() })
	}
	return nil
}

// fetchBudget bounds the bytes of one batch held in memory; two batches
// are held at most (one in intake, the next fetched), 64 MiB together.
const fetchBudget = 32 << 20

// maxKeptHeader bounds the header kept of a mail over MAX_MESSAGE_BYTES.
const maxKeptHeader = 256 << 10

// takeIn fetches uids and hands them to intake in batches, each after the
// one before it has committed (see commitBatch); *pend is the batch whose
// intake is running.
func (p *Poller) takeIn(ctx context.Context, c *imapclient.Client, uidValidity uint32, uids []imap.UID, rescan bool, pend **pending) error {
	sizes, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		return fmt.Errorf("fetch sizes: %w", err)
	}
	size := map[imap.UID]int64{}
	for _, m := range sizes {
		size[m.UID] = m.RFC822Size
	}
	single := false
	for len(uids) > 0 {
		// Cut the batch at the memory budget; a mail over the size limit
		// is fetched as its header only, for the quarantine.
		var batch, big []imap.UID
		var total int64
		for _, u := range uids {
			sz, ok := size[u]
			if !ok {
				continue // expunged meanwhile
			}
			if sz > p.cfg.MaxMessageBytes {
				big = append(big, u)
				continue
			}
			if len(batch) > 0 && (single || total+sz > p.budget) {
				break
			}
			batch, total = append(batch, u), total+sz
		}
		taken := len(batch) + len(big)
		if taken == 0 {
			return nil
		}
		n := countThrough(uids, batch, big)
		cut, err := p.commitBatch(ctx, c, uidValidity, batch, big, size, rescan, pend)
		if err != nil {
			return err
		}
		single = false
		if cut != 0 {
			// The server sent more than its sizes said: what was left out
			// comes in the next round. When nothing could be committed,
			// that round takes one mail.
			k := slices.Index(uids, cut)
			single = k == 0
			n = max(k, 0)
		}
		uids = uids[n:]
	}
	return nil
}

// countThrough returns how many leading uids the batch and big lists cover.
func countThrough(uids, batch, big []imap.UID) int {
	var hi imap.UID
	for _, u := range batch {
		hi = max(hi, u)
	}
	for _, u := range big {
		hi = max(hi, u)
	}
	n := 0
	for n < len(uids) && uids[n] <= hi {
		n++
	}
	return n
}

// fetched is what a streamed FETCH gave.
type fetched struct {
	raws map[imap.UID][]byte
	over map[imap.UID]int64 // mails over the size limit (header only in raws), by size
	cut  imap.UID           // lowest UID left out at the memory budget; 0: none
}

// fetchStream fetches section of uids one message at a time, reading each
// literal through a limit of MAX_MESSAGE_BYTES+1 into a buffer of its exact
// size: one message never holds more than the limit in memory, whatever
// RFC822.SIZE said before. A body over the limit keeps only its header. Once
// the batch holds its budget of bytes, further bodies are skipped (the FETCH
// reads them through without keeping them) and cut names where to resume.
func (p *Poller) fetchStream(c *imapclient.Client, uids []imap.UID, section *imap.FetchItemBodySection, headerOnly bool) (*fetched, error) {
	f := &fetched{raws: map[imap.UID][]byte{}, over: map[imap.UID]int64{}}
	if len(uids) == 0 {
		return f, nil
	}
	cmd := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}})
	defer cmd.Close()
	var total int64
	var readErr error
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		var uid imap.UID
		var raw []byte
		var size int64
		var have, over, skipped bool
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch item := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = item.UID
			case imapclient.FetchItemDataBodySection:
				if item.Literal == nil || have || readErr != nil {
					continue
				}
				size = item.Literal.Size()
				if !headerOnly && len(f.raws) > 0 && total+min(size, p.cfg.MaxMessageBytes) > p.budget {
					skipped = true
					continue // msg.Next discards the literal
				}
				var err error
				if headerOnly || size > p.cfg.MaxMessageBytes {
					raw, err = readLiteralHeader(item.Literal)
					over = size > p.cfg.MaxMessageBytes
				} else {
					raw, err = readLimited(item.Literal, p.cfg.MaxMessageBytes)
				}
				if err != nil {
					readErr = fmt.Errorf("read fetched mail: %w", err)
					continue
				}
				have, total = true, total+int64(len(raw))
			}
		}
		switch {
		case uid == 0:
		case skipped:
			if f.cut == 0 || uid < f.cut {
				f.cut = uid
			}
		case have:
			f.raws[uid] = raw
			if over {
				f.over[uid] = size
			}
		}
	}
	if err := cmd.Close(); err != nil {
		return nil, err
	}
	if readErr != nil {
		return nil, readErr
	}
	return f, nil
}

// readLimited reads a literal of at most limit bytes whole.
func readLimited(lit imap.LiteralReader, limit int64) ([]byte, error) {
	buf := make([]byte, min(lit.Size(), limit+1))
	n, err := io.ReadFull(io.LimitReader(lit, limit+1), buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// readLiteralHeader reads the header of a literal, at most maxKeptHeader bytes
// of it; the rest is left for the FETCH to discard.
func readLiteralHeader(lit imap.LiteralReader) ([]byte, error) {
	buf := make([]byte, min(lit.Size(), maxKeptHeader))
	if _, err := io.ReadFull(lit, buf); err != nil {
		return nil, err
	}
	return domain.HeaderSection(buf), nil
}

// pending is a batch in intake: its mails' UIDs in the order of intake,
// and, once done is closed, what intake said of them.
type pending struct {
	order []imap.UID
	done  chan struct{}
	outs  []domain.Outcome
	err   error
	start time.Time
}

func (pb *pending) size() int {
	if pb == nil {
		return 0
	}
	return len(pb.order)
}

// commitBatch fetches batch (whole) and big (their headers), in UID order,
// and starts their intake once the intake of *pend, the batch before, has
// ended; then it flags or moves what that batch committed. So the next
// batch is fetched, and the one before flagged, while a batch commits, and
// batches commit one after the other, in order. A batch whose intake
// failed ends the round: its committed mails are flagged, the rest and the
// fetched batch are left for the next round (nothing of them was
// committed).
//
// It returns the UID where the next round must resume when the server
// sent more bytes than its sizes said (0: the whole batch was taken).
func (p *Poller) commitBatch(ctx context.Context, c *imapclient.Client, uidValidity uint32, batch, big []imap.UID, size map[imap.UID]int64, rescan bool, pend **pending) (imap.UID, error) {
	t0 := time.Now()
	whole, err := p.fetchStream(c, batch, &imap.FetchItemBodySection{Peek: true}, false)
	if err != nil {
		return 0, fmt.Errorf("fetch mail: %w", err)
	}
	headers, err := p.fetchStream(c, big, &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}, true)
	if err != nil {
		return 0, fmt.Errorf("fetch headers: %w", err)
	}
	all := append(slices.Clone(batch), big...)
	slices.Sort(all)
	items := make([]domain.Received, 0, len(all))
	order := make([]imap.UID, 0, len(all))
	for _, u := range all {
		if whole.cut != 0 && u >= whole.cut {
			break // left for the next round, with what follows it
		}
		raw, ok := whole.raws[u]
		tooBig, isOver := whole.over[u]
		if !ok {
			raw, ok = headers.raws[u]
			tooBig, isOver = size[u], true
		}
		if !ok {
			continue // expunged meanwhile
		}
		src := domain.Source{Channel: "imap", Mailbox: p.acct.key, Address: p.cfg.Address, UIDValidity: uidValidity, UID: uint32(u), Rescan: rescan}
		it := domain.Received{Source: src, Raw: raw}
		if isOver {
			it.ParseError = fmt.Errorf("larger than MAX_MESSAGE_BYTES (%d bytes); only its header is kept here, the mail stays in the IMAP account", tooBig)
		}
		items = append(items, it)
		order = append(order, u)
	}
	p.log.Debug("IMAP: batch fetched", slog.Int("mails", len(items)), slog.Duration("fetch", time.Since(t0)))
	prev := *pend
	if prev != nil {
		<-prev.done
		if prev.err != nil {
			*pend = nil
			return 0, errors.Join(fmt.Errorf("take in mail: %w", prev.err), p.flag(c, prev))
		}
	}
	next := &pending{order: order, done: make(chan struct{}), start: time.Now()}
	go func() {
		defer close(next.done)
		next.outs, next.err = p.recv.Intake(ctx, items, p.parse)
	}()
	*pend = next
	if prev != nil {
		if err := p.flag(c, prev); err != nil {
			return 0, err
		}
	}
	return whole.cut, nil
}

// finish waits for the intake of pb (nil: none) and flags or moves what it
// committed.
func (p *Poller) finish(c *imapclient.Client, pb *pending) error {
	if pb == nil {
		return nil
	}
	<-pb.done
	var err error
	if pb.err != nil {
		err = fmt.Errorf("take in mail: %w", pb.err)
	}
	return errors.Join(err, p.flag(c, pb))
}

// flag flags or moves the mails of an ended intake that it committed.
// Only committed mail is flagged or moved. An intake error is the
// caller's to report (finish, commitBatch).
func (p *Poller) flag(c *imapclient.Client, pb *pending) error {
	t := time.Now()
	var done, quarantined []imap.UID
	for i, o := range pb.outs {
		p.metrics.received("imap", o.Kind)
		if o.Kind == domain.OutcomeQuarantined {
			quarantined = append(quarantined, pb.order[i])
		} else {
			done = append(done, pb.order[i])
		}
	}
	if err := p.markDone(c, done, p.cfg.DoneMailbox); err != nil {
		return err
	}
	if err := p.markDone(c, quarantined, p.cfg.QuarantineMailbox); err != nil {
		return err
	}
	p.log.Debug("IMAP: batch taken in", slog.Int("mails", len(done)+len(quarantined)),
		slog.Duration("intake", t.Sub(pb.start)), slog.Duration("flag", time.Since(t)))
	return nil
}

// markDone flags uids \Seen, or moves them to mailbox when one is named
// (COPY, STORE \Deleted and EXPUNGE where the server has no MOVE).
func (p *Poller) markDone(c *imapclient.Client, uids []imap.UID, mailbox string) error {
	if len(uids) == 0 {
		return nil
	}
	set := imap.UIDSetNum(uids...)
	if mailbox == "" {
		if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
			return fmt.Errorf("flag processed mail: %w", err)
		}
		return nil
	}
	if _, err := c.Move(set, mailbox).Wait(); err != nil {
		return fmt.Errorf("move processed mail to %s: %w", mailbox, err)
	}
	return nil
}

// backoff is capped exponential backoff with jitter.
type backoff struct {
	min, max time.Duration
	cur      time.Duration
}

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(b.cur*2, b.max)
	}
	// ±20 % so instances do not retry in step.
	return time.Duration(float64(b.cur) * (0.8 + 0.4*rand.Float64()))
}

func (b *backoff) reset() { b.cur = 0 }

// sleep waits d or until ctx ends; it reports whether the full time passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
