package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"time"

	"ticketgate/domain"
)

// Transport opens sessions with the relay; SMTP is the real one.
type Transport interface {
	Dial(ctx context.Context) (Conn, error)
}

// Conn is one session with the relay. Send may be called again after an
// error while Usable reports true.
type Conn interface {
	Send(ctx context.Context, from, to string, raw []byte) error
	Usable() bool
	Close() error
}

// Retry policy; see the package comment.
const (
	FirstRetry         = time.Minute
	MaxRetry           = time.Hour
	DefaultMaxAttempts = 10
)

// Worker defaults.
const (
	DefaultInterval  = 2 * time.Second
	DefaultBatchSize = 25
	DefaultLease     = 10 * time.Minute
)

// Senders picks, for each mailbox (issue 14), the relay its mail goes
// through and its envelope sender. Implementations keep one Transport per
// mailbox, so a batch opens at most one session per mailbox.
type Senders interface {
	// Sender returns the transport and envelope sender of the mail of
	// mailbox (an OutboxMessage's Mailbox, never ""); ok false sends it
	// as the default mailbox's (WorkerConfig.Transport and From): a
	// mailbox disabled or deleted since the mail was queued.
	Sender(ctx context.Context, mailbox string) (t Transport, from string, ok bool)
}

// WorkerConfig wires a Worker.
type WorkerConfig struct {
	Store     domain.OutboxStore // a mail going dead writes its ticket's mail_failed event in UpdateOutbox
	Transport Transport
	// From is the envelope sender (MAIL FROM): MAIL_FROM, where bounces go.
	From string
	// Senders, when set, sends the mail of each mailbox but the default
	// through that mailbox's relay and login (see Senders); nil: all mail
	// through Transport.
	Senders     Senders
	MaxAttempts int          // OUTBOX_MAX_ATTEMPTS; 0 means DefaultMaxAttempts
	Clock       domain.Clock // nil: the system clock
	Log         *slog.Logger // nil: discard
	Metrics     *Metrics     // nil: none
	Interval    time.Duration
	BatchSize   int
	Lease       time.Duration
	// Jitter returns the random part added to a delay d; nil means uniform
	// in [0, d/10).
	Jitter func(d time.Duration) time.Duration
}

// Worker sends due outbox rows. Several workers may share one PostgreSQL
// database; on SQLite run one.
type Worker struct {
	cfg WorkerConfig
}

// NewWorker returns a worker with cfg's zero fields defaulted.
func NewWorker(cfg WorkerConfig) *Worker {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	defaultPolling(&cfg.Clock, &cfg.Log, &cfg.Interval, &cfg.BatchSize, &cfg.Lease, &cfg.Jitter)
	return &Worker{cfg: cfg}
}

// defaultPolling defaults the fields the mail and webhook workers share:
// the system clock, a discarding log, DefaultInterval, DefaultBatchSize,
// DefaultLease and a jitter uniform in [0, d/10).
func defaultPolling(clock *domain.Clock, log **slog.Logger, interval *time.Duration, batch *int, lease *time.Duration,
	jitter *func(time.Duration) time.Duration) {
	if *clock == nil {
		*clock = domain.SystemClock{}
	}
	if *log == nil {
		*log = slog.New(slog.DiscardHandler)
	}
	if *interval <= 0 {
		*interval = DefaultInterval
	}
	if *batch <= 0 {
		*batch = DefaultBatchSize
	}
	if *lease <= 0 {
		*lease = DefaultLease
	}
	if *jitter == nil {
		*jitter = func(d time.Duration) time.Duration {
			if d < 10 {
				return 0
			}
			return rand.N(d / 10)
		}
	}
}

// Backoff is the delay before the next attempt after n failed ones,
// without jitter: 1 min, 2, 4, 8 … capped at 1 h.
func Backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	d := FirstRetry
	for i := 1; i < n && d < MaxRetry; i++ {
		d *= 2
	}
	return min(d, MaxRetry)
}

// Run sends due mail until ctx is done, then returns nil. A panic is
// recovered, logged with its stack and returned as an error.
func (w *Worker) Run(ctx context.Context) error {
	w.cfg.Log.Info("outbox worker started", slog.Int("max_attempts", w.cfg.MaxAttempts))
	return pollLoop(ctx, w.cfg.Log, "outbox", w.cfg.Interval, w.cfg.BatchSize, w.SendDue, w.updateGauges)
}

// pollLoop runs sendDue every interval, and again at once while it
// claims full batches, then after (if not nil), until ctx is done; then
// it returns nil. A panic is recovered, logged with its stack and
// returned as an error. name names the worker in its log lines.
func pollLoop(ctx context.Context, log *slog.Logger, name string, interval time.Duration, batch int,
	sendDue func(context.Context) (int, error), after func(context.Context)) (err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Error(name+" worker panicked", slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			err = fmt.Errorf("%s worker panicked: %v", name, p)
		}
	}()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for ctx.Err() == nil {
			n, err := sendDue(ctx)
			if err != nil && ctx.Err() == nil {
				log.Warn(name+": send due", slog.Any("error", err))
			}
			if err != nil || n < batch {
				break
			}
		}
		if after != nil {
			after(ctx)
		}
		select {
		case <-ctx.Done():
			log.Info(name + " worker stopped")
			return nil
		case <-t.C:
		}
	}
}

// SendDue claims one batch of due mail, sends it over one session and
// records each outcome. It returns how many rows it claimed.
func (w *Worker) SendDue(ctx context.Context) (int, error) {
	start := w.cfg.Clock.Now()
	batch, err := w.cfg.Store.ClaimOutbox(ctx, start, start.Add(w.cfg.Lease), w.cfg.BatchSize)
	if err != nil {
		return 0, fmt.Errorf("claim outbox: %w", err)
	}
	if len(batch) == 0 {
		return 0, nil
	}
	// One session per relay (the default one and each mailbox's), opened
	// at its first mail, closed at the end of the batch.
	type session struct {
		conn    Conn
		dialErr error
	}
	sessions := map[Transport]*session{}
	var order []*session
	defer func() {
		for _, s := range order {
			if s.conn != nil {
				if err := s.conn.Close(); err != nil {
					w.cfg.Log.Debug("outbox: close session", slog.Any("error", err))
				}
			}
		}
	}()
	for i := range batch {
		m := &batch[i]
		// Stop early, well inside the lease, or when stopping: what is left
		// goes back to the queue unchanged, for this or another worker.
		if ctx.Err() != nil || w.cfg.Clock.Now().Sub(start) > w.cfg.Lease/2 {
			w.release(ctx, batch[i:])
			return len(batch), ctx.Err()
		}
		tr, from := w.sender(ctx, m)
		s := sessions[tr]
		if s == nil {
			s = &session{}
			sessions[tr] = s
			order = append(order, s)
		}
		if s.conn == nil || !s.conn.Usable() {
			if s.conn != nil {
				s.conn.Close()
				s.conn = nil
			}
			// One failed dial per relay and batch: the rest of its mail
			// fails the same way.
			if s.dialErr == nil {
				s.conn, s.dialErr = tr.Dial(ctx)
			}
		}
		var sendErr error
		if s.dialErr != nil {
			sendErr = s.dialErr
		} else {
			sendErr = s.conn.Send(ctx, from, m.To, m.Raw)
		}
		if sendErr != nil && ctx.Err() != nil {
			w.release(ctx, batch[i:])
			return len(batch), ctx.Err()
		}
		w.record(ctx, m, sendErr)
	}
	return len(batch), nil
}

// sender is the relay and envelope sender of m: its mailbox's, or the
// default's.
func (w *Worker) sender(ctx context.Context, m *domain.OutboxMessage) (Transport, string) {
	if m.Mailbox != "" && w.cfg.Senders != nil {
		if tr, from, ok := w.cfg.Senders.Sender(ctx, m.Mailbox); ok {
			return tr, from
		}
	}
	return w.cfg.Transport, w.cfg.From
}

// record writes the outcome of one attempt (see the package comment).
func (w *Worker) record(ctx context.Context, m *domain.OutboxMessage, sendErr error) {
	now := w.cfg.Clock.Now()
	m.Attempts++
	log := w.cfg.Log.With(slog.Int64("outbox_id", m.ID), slog.String("kind", m.Kind), slog.String("to", m.To),
		slog.Int("attempt", m.Attempts))
	if m.TicketID != 0 {
		log = log.With(slog.String("ticket", domain.FormatRef(m.TicketID)))
	}
	switch {
	case sendErr == nil:
		m.Status, m.SentAt, m.NextAttemptAt = domain.OutboxSent, &now, now
		log.Info("mail sent")
		w.cfg.Metrics.sent()
	case Permanent(sendErr) || m.Attempts >= w.cfg.MaxAttempts:
		m.Status, m.LastError, m.NextAttemptAt = domain.OutboxDead, sendErr.Error(), now
		log.Warn("mail dead", slog.Any("error", sendErr), slog.Bool("permanent", Permanent(sendErr)))
		w.cfg.Metrics.failed(Permanent(sendErr))
	default:
		delay := Backoff(m.Attempts)
		m.Status, m.LastError, m.NextAttemptAt = domain.OutboxQueued, sendErr.Error(), now.Add(delay+w.cfg.Jitter(delay))
		log.Info("mail deferred", slog.Any("error", sendErr), slog.Time("next_attempt_at", m.NextAttemptAt))
		w.cfg.Metrics.failed(false)
	}
	// Recorded even while stopping: the attempt happened.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := w.cfg.Store.UpdateOutbox(wctx, m); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			log.Info("mail was discarded while being sent")
			return
		}
		log.Error("outbox: record attempt", slog.Any("error", err))
		return
	}
}

// release puts claimed rows back, due now, without counting an attempt.
func (w *Worker) release(ctx context.Context, rest []domain.OutboxMessage) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	now := w.cfg.Clock.Now()
	for i := range rest {
		m := rest[i]
		m.NextAttemptAt = now
		if err := w.cfg.Store.UpdateOutbox(wctx, &m); err != nil && !errors.Is(err, domain.ErrNotFound) {
			w.cfg.Log.Warn("outbox: release claimed mail", slog.Int64("outbox_id", m.ID), slog.Any("error", err))
		}
	}
}

func (w *Worker) updateGauges(ctx context.Context) {
	if w.cfg.Metrics == nil || ctx.Err() != nil {
		return
	}
	counts, err := w.cfg.Store.CountOutbox(ctx)
	if err != nil {
		w.cfg.Log.Warn("outbox: count", slog.Any("error", err))
		return
	}
	w.cfg.Metrics.counts(counts)
}
