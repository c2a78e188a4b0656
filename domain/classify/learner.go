package classify

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/classify/starter"
)

// Source is where a Learner reads what it learns from; domain.Store is one.
type Source interface {
	ListCategories(ctx context.Context) ([]domain.Category, error)
	CategoriesVersion(ctx context.Context) (int64, error)
	TrainingExamples(ctx context.Context, limit int) ([]domain.TrainingExample, error)
	CountTrainingExamples(ctx context.Context) (int64, error)
	CountTrainingExamplesSince(ctx context.Context, since time.Time) (int64, error)
	ExamplesVersion(ctx context.Context) (int64, error)
	AdminPicks(ctx context.Context, after int64, limit int) ([]domain.AdminPick, error)
}

// LearnerOptions tune a Learner; zero fields take the defaults.
type LearnerOptions struct {
	Config Config // model hyper-parameters; zero: DefaultConfig
	// Poll is how often the categories version, the number of confirmed
	// tickets and the examples version (admin picks) are checked (default
	// 10s).
	Poll time.Duration
	// RetrainAfter is how many newly confirmed tickets trigger retraining
	// (default 25), or a twentieth of the tickets the model learnt from
	// when that is more: training costs in proportion to what it reads (up
	// to MaxExamples), and 25 more tickets among 50,000 change nothing, so
	// a busy helpdesk does not retrain every poll.
	RetrainAfter int64
	// MaxExamples caps the confirmed tickets learned from, newest first
	// (default 50,000: a few seconds of training).
	MaxExamples int
	// WarmStart, if set, returns the starter set's warm-start history
	// (starter.Rows): the categories with a StarterKey learn from it until
	// the confirmed tickets replace it (see warm.go).
	WarmStart func() ([]starter.Row, error)
	Log       *slog.Logger
	// OnTrained, if set, is called after each successful training.
	OnTrained func(TrainStats)
	// OnPicks, if set, is called with the examples version after the
	// admin picks up to it were read between trainings.
	OnPicks func(version int64)
}

// TrainStats describes one training run.
type TrainStats struct {
	Version    int64 // categories version the model was built from
	Confirmed  int64 // confirmed tickets in the database at the time
	Examples   int   // examples learned from (tickets and category texts)
	Warm       int   // of which rows of the warm-start history
	Categories int
	Took       time.Duration
}

// Learner keeps a Local classifier's model up to date with the database:
// it trains at start, whenever the categories version changes (a category
// written on any instance bumps it), and when RetrainAfter more tickets
// were confirmed. After each training the Local remembers the newest
// confirmed tickets and the admins' picks (Local.Remember); between
// trainings, a new examples version (an admin picked a category, on any
// instance) makes it read the new picks (Local.RememberPicks), so the same
// wording gets the admin's category from the next poll on. The model is rebuilt from the database every time, never
// stored. Training happens in Run's goroutine while Local keeps answering
// with the previous model.
type Learner struct {
	src   Source
	local *Local
	opts  LearnerOptions
	log   *slog.Logger

	version int64     // of the last successful training
	learned int       // confirmed tickets the last model learnt from
	readAt  time.Time // when the last training began to read
	trained bool
	picks   int64 // the examples version whose admin picks Local remembers
}

// NewLearner returns a Learner that trains local's models from src.
func NewLearner(src Source, local *Local, opts LearnerOptions) *Learner {
	if opts.Config == (Config{}) {
		opts.Config = DefaultConfig()
	}
	if opts.Poll <= 0 {
		opts.Poll = 10 * time.Second
	}
	if opts.RetrainAfter <= 0 {
		opts.RetrainAfter = 25
	}
	if opts.MaxExamples <= 0 {
		opts.MaxExamples = 50000
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Learner{src: src, local: local, opts: opts, log: log}
}

// Retrain builds a model from the database now and hands it to the Local
// classifier. With no categories there is nothing to learn and the
// classifier keeps its model.
func (l *Learner) Retrain(ctx context.Context) (TrainStats, error) {
	start := time.Now()
	var st TrainStats
	var err error
	// Tickets changed from now on count towards the next training (step).
	// A change stamped before now but committed after the read below is
	// learnt at a later training, not this one: the count only decides
	// when to train.
	// Read the version first: a change made while we train is seen at the
	// next poll and trains again.
	if st.Version, err = l.src.CategoriesVersion(ctx); err != nil {
		return st, fmt.Errorf("retrain: %w", err)
	}
	if st.Confirmed, err = l.src.CountTrainingExamples(ctx); err != nil {
		return st, fmt.Errorf("retrain: %w", err)
	}
	pv, err := l.src.ExamplesVersion(ctx)
	if err != nil {
		return st, fmt.Errorf("retrain: %w", err)
	}
	picks, err := l.src.AdminPicks(ctx, 0, RecallPicks)
	if err != nil {
		return st, fmt.Errorf("retrain: %w", err)
	}
	cats, err := l.src.ListCategories(ctx)
	if err != nil {
		return st, fmt.Errorf("retrain: %w", err)
	}
	st.Categories = len(cats)
	if len(cats) == 0 {
		l.version, l.readAt, l.trained = st.Version, start, true
		return st, nil
	}
	tickets, err := l.src.TrainingExamples(ctx, l.opts.MaxExamples)
	if err != nil {
		return st, fmt.Errorf("retrain: %w", err)
	}
	examples := ExamplesFromDatabase(cats, tickets)
	if l.opts.WarmStart != nil {
		rows, err := l.opts.WarmStart()
		if err != nil {
			return st, fmt.Errorf("retrain: %w", err)
		}
		warm := WarmExamples(rows, cats, len(tickets))
		examples, st.Warm = append(examples, warm...), len(warm)
	}
	m, err := Train(examples, Keywords(cats), l.opts.Config)
	if err != nil {
		return st, fmt.Errorf("retrain: %w", err)
	}
	l.local.Set(m)
	l.local.Remember(tickets, picks)
	l.version, l.learned, l.readAt, l.trained, l.picks = st.Version, len(tickets), start, true, pv
	st.Examples, st.Took = len(examples), time.Since(start)
	l.log.InfoContext(ctx, "classifier trained", slog.Int("examples", st.Examples), slog.Int("warm_start", st.Warm), slog.Int("categories", st.Categories),
		slog.Int64("confirmed_tickets", st.Confirmed), slog.Int64("categories_version", st.Version),
		slog.Int("features", m.Features()), slog.Int("admin_picks", len(picks)), slog.Duration("took", st.Took))
	if l.opts.OnTrained != nil {
		l.opts.OnTrained(st)
	}
	return st, nil
}

// ExamplesFromDatabase is what a model learns from: the categories' own
// texts (SeedExamples) and the confirmed tickets of categories that still
// exist, as MailText (normalized when the model reads them, as the mails
// it classifies are).
func ExamplesFromDatabase(cats []domain.Category, tickets []domain.TrainingExample) []Example {
	examples := SeedExamples(cats)
	names := make(map[string]string, len(cats))
	for _, c := range cats {
		names[strings.ToLower(c.Name)] = c.Name
	}
	for _, t := range tickets {
		if name, ok := names[strings.ToLower(t.Category)]; ok {
			examples = append(examples, Example{Text: MailText(t.Subject, t.Body), Label: name})
		}
	}
	return examples
}

// Run trains at once, then polls until ctx ends. Failures are logged and
// tried again at the next poll; a panic is recovered and logged.
func (l *Learner) Run(ctx context.Context) error {
	l.step(ctx)
	tick := time.NewTicker(l.opts.Poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			l.step(ctx)
		}
	}
}

// step retrains if the model is missing or out of date.
func (l *Learner) step(ctx context.Context) {
	defer func() {
		if r := recover(); r != nil {
			l.log.ErrorContext(ctx, "classifier training panic", slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
		}
	}()
	if l.trained {
		v, err := l.src.CategoriesVersion(ctx)
		if err != nil {
			l.warn(ctx, err)
			return
		}
		// The tickets confirmed since the last training began, not all
		// of them: the count reads what changed, whatever the size of the
		// helpdesk (at 1,000,000 tickets a full count every poll cost 4 %
		// of a core).
		n, err := l.src.CountTrainingExamplesSince(ctx, l.readAt)
		if err != nil {
			l.warn(ctx, err)
			return
		}
		if v == l.version && n < l.retrainAfter() {
			l.learnPicks(ctx)
			return
		}
	}
	if _, err := l.Retrain(ctx); err != nil {
		l.warn(ctx, err)
	}
}

// learnPicks makes the Local remember the admin picks made since it last
// read them, if the examples version says there are any. The version is
// read first: a pick committed after it is numbered above it and read at
// the next poll.
func (l *Learner) learnPicks(ctx context.Context) {
	v, err := l.src.ExamplesVersion(ctx)
	if err != nil {
		l.warn(ctx, err)
		return
	}
	if v == l.picks {
		return
	}
	picks, err := l.src.AdminPicks(ctx, l.picks, RecallPicks)
	if err != nil {
		l.warn(ctx, err)
		return
	}
	l.local.RememberPicks(picks)
	l.picks = v
	l.log.DebugContext(ctx, "classifier learnt admin picks", slog.Int("picks", len(picks)), slog.Int64("examples_version", v))
	if l.opts.OnPicks != nil {
		l.opts.OnPicks(v)
	}
}

// retrainShare: a model is trained again once the confirmed tickets grew
// by a twentieth of those it learnt from (LearnerOptions.RetrainAfter).
const retrainShare = 20

// retrainAfter is how many newly confirmed tickets make the model out of
// date.
func (l *Learner) retrainAfter() int64 {
	return max(l.opts.RetrainAfter, int64(l.learned/retrainShare))
}

func (l *Learner) warn(ctx context.Context, err error) {
	if ctx.Err() == nil {
		l.log.WarnContext(ctx, "classifier training", slog.Any("error", err))
	}
}
