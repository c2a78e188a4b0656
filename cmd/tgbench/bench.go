package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"ticketgate/cmd/internal/benchmail"
	"ticketgate/domain"
	"ticketgate/storage"
)

// benchOpts are the bench command's flags.
type benchOpts struct {
	db        string // sqlite or postgres
	pgURL     string
	tickets   int
	senders   int
	duration  time.Duration
	serial    time.Duration
	conns     int
	direct    bool
	directSet bool
	keep      bool
	dir       string
	intake    string // auto, imap or smtp
	imapUser  string
	bin       string
	textsPath string
	history   int
}

const (
	benchHelpdesk = "help@company.test"
	benchAdmin    = "admin@company.test"
	benchAPI      = "api" // the pages read with the admin's API token
	benchDomain   = "company.test"
	// benchPassword is every signed-in user's password in the bench's
	// throwaway database.
	benchPassword = "bench-password-7Qx!v2"
	// directAbove is the size from which tickets are written through the
	// storage layer unless --direct=false says otherwise.
	directAbove = 200000
)

func parseBench(args []string) (*benchOpts, error) {
	o := &benchOpts{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&o.db, "db", "sqlite", "database engine: sqlite or postgres")
	fs.StringVar(&o.pgURL, "pg-url", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		"PostgreSQL server to use (its database is only connected to, to create tgbench_N)")
	fs.IntVar(&o.tickets, "tickets", 100000, "tickets in the database when the pages are measured")
	fs.IntVar(&o.senders, "senders", 3000, "distinct requesters writing in")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "load time per page, with --conns connections")
	fs.DurationVar(&o.serial, "serial", 2*time.Second, "time per page with one request at a time")
	fs.IntVar(&o.conns, "conns", 32, "HTTP connections of the load generator")
	fs.BoolVar(&o.direct, "direct", false, fmt.Sprintf("write the tickets through the storage layer, not through mail (default: above %d tickets)", directAbove))
	fs.BoolVar(&o.keep, "keep", false, "keep the seeded database in --dir and reuse it on the next run with the same --db and --tickets (pages only)")
	fs.StringVar(&o.dir, "dir", "", "directory for the SQLite file and --keep's notes (default: a temporary one; with --keep, ./.tgbench)")
	fs.StringVar(&o.intake, "intake", "auto", "auto (Dovecot when ../shared/mailstack runs, else SMTP), imap or smtp")
	fs.StringVar(&o.imapUser, "imap-user", "hr@company.test", "mailstack mailbox serve reads with --intake imap (emptied first)")
	fs.StringVar(&o.bin, "bin", "", "ticketgate binary (default: built from ./cmd/ticketgate)")
	fs.StringVar(&o.textsPath, "texts", "", "CSV of text,label rows (default: the shared data set's train.csv)")
	fs.IntVar(&o.history, "history", -1, "resolved tickets written through storage before serve starts, for the classifier to learn from (default: a tenth of --tickets, at most 10,000)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "direct" {
			o.directSet = true
		}
	})
	if !o.directSet {
		o.direct = o.tickets > directAbove
	}
	if o.db != "sqlite" && o.db != "postgres" {
		return nil, fmt.Errorf("bench: --db is sqlite or postgres, not %q", o.db)
	}
	if o.tickets < 10 || o.senders < 1 || o.conns < 1 || o.duration <= 0 {
		return nil, errors.New("bench: --tickets (at least 10), --senders, --conns and --duration must be positive")
	}
	if o.history < 0 {
		o.history = min(o.tickets/10, 10000)
	}
	if o.history >= o.tickets {
		return nil, errors.New("bench: --history must be below --tickets")
	}
	switch o.intake {
	case "auto", "imap", "smtp":
	default:
		return nil, fmt.Errorf("bench: --intake is auto, imap or smtp, not %q", o.intake)
	}
	return o, nil
}

// benchState is what a seeded database needs remembered for its page
// runs: kept beside it with --keep.
type benchState struct {
	DatabaseURL string         `json:"database_url"`
	Tickets     int            `json:"tickets"`
	Direct      bool           `json:"direct"`
	Intake      *intakeFigures `json:"intake,omitempty"`
	Requester   string         `json:"requester"`
	Agent       string         `json:"agent"`
	CategoryID  int64          `json:"category_id"`
	Category    string         `json:"category"`
}

// benchResult is what one bench run measured.
type benchResult struct {
	state   *benchState
	machine string
	pages   []pageFigures
	peak    int64
	dbSize  int64
	sizes   []storage.TableSize
}

func bench(ctx context.Context, args []string) error {
	o, err := parseBench(args)
	if err != nil {
		return err
	}
	r, err := runBench(ctx, o)
	if err != nil {
		return err
	}
	printReport(os.Stdout, o, r)
	return nil
}

// runBench seeds (or reuses, with --keep) the database, then measures the
// pages.
func runBench(ctx context.Context, o *benchOpts) (*benchResult, error) {
	tmp, err := os.MkdirTemp("", "tgbench-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if o.dir == "" {
		o.dir = tmp
		if o.keep {
			o.dir = ".tgbench"
		}
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return nil, err
	}
	if o.bin == "" {
		if o.bin, err = buildTicketgate(ctx, tmp); err != nil {
			return nil, err
		}
	}
	if o.textsPath == "" {
		o.textsPath = benchmail.Dataset()
	}
	corpus, err := labelledTexts(o.textsPath)
	if err != nil {
		return nil, err
	}

	statePath := filepath.Join(o.dir, fmt.Sprintf("bench-%s-%d.json", o.db, o.tickets))
	var st *benchState
	if o.keep {
		if b, err := os.ReadFile(statePath); err == nil {
			st = &benchState{}
			if err := json.Unmarshal(b, st); err != nil {
				return nil, fmt.Errorf("%s: %w", statePath, err)
			}
			fmt.Printf("bench: reusing the database seeded before (%s); delete %s to seed again\n", redactURL(st.DatabaseURL), statePath)
		}
	}
	machine := machineLine()
	fmt.Printf("bench: %d tickets, %s, %s\n", o.tickets, o.db, machine)

	env := []string{"HELPDESK_ADDRESS=" + benchHelpdesk, "ADMIN_EMAIL=" + benchAdmin, "LOG_LEVEL=error",
		"SMTP_URL=", "ALLOWED_SENDER_DOMAINS=" + benchDomain, "API_RATE=1000000"}
	var srv *server
	if st == nil {
		st = &benchState{Tickets: o.tickets, Direct: o.direct}
		if st.DatabaseURL, err = freshDatabase(ctx, o); err != nil {
			return nil, err
		}
		if srv, err = seed(ctx, o, st, env, corpus, tmp); err != nil {
			return nil, err
		}
		if err := analyzeWithoutAutovacuum(ctx, st.DatabaseURL); err != nil {
			return nil, err
		}
		if o.keep {
			b, _ := json.MarshalIndent(st, "", "  ")
			if err := os.WriteFile(statePath, b, 0o644); err != nil {
				return nil, err
			}
		}
	} else {
		srv, err = newServer(o.bin, append(env, "DATABASE_URL="+st.DatabaseURL, "IMAP_URL="))
		if err != nil {
			return nil, err
		}
		if err := srv.start(ctx); err != nil {
			return nil, err
		}
	}
	defer srv.stop()
	if err := waitIdle(ctx, srv.cmd.Process.Pid, 60*time.Second); err != nil {
		return nil, err
	}

	pages, err := measurePages(ctx, o, st, srv)
	if err != nil {
		return nil, err
	}
	peak := srv.peak()
	if !srv.alive() {
		return nil, fmt.Errorf("serve died: %v\n%s", srv.exitErr, srv.output())
	}
	store, err := storage.Open(ctx, st.DatabaseURL, nil)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	sizes, err := store.TableSizes(ctx)
	if err != nil {
		return nil, err
	}
	dbSize, err := databaseSize(ctx, store, st.DatabaseURL)
	if err != nil {
		return nil, err
	}
	return &benchResult{state: st, machine: machine, pages: pages, peak: peak, dbSize: dbSize, sizes: sizes}, nil
}

// freshDatabase returns the URL of a new, empty database for this run.
func freshDatabase(ctx context.Context, o *benchOpts) (string, error) {
	if o.db == "sqlite" {
		p := filepath.Join(o.dir, fmt.Sprintf("bench-%d.db", o.tickets))
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(p + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return "", err
			}
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", err
		}
		return abs, nil
	}
	name := fmt.Sprintf("tgbench_%d", o.tickets)
	db, err := sql.Open("pgx", o.pgURL)
	if err != nil {
		return "", err
	}
	defer db.Close()
	// The name is made here of digits; it is no caller's text.
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return "", fmt.Errorf("drop %s: %w", name, err)
	}
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create %s: %w", name, err)
	}
	u, err := url.Parse(o.pgURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxx")
			return u.String()
		}
	}
	return s
}

// databaseSize is SQLite's file and WAL together, or pg_database_size.
func databaseSize(ctx context.Context, store *storage.Store, dbURL string) (int64, error) {
	if store.Postgres() {
		return store.DatabaseSize(ctx)
	}
	var n int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(dbURL + suffix); err == nil {
			n += fi.Size()
		}
	}
	return n, nil
}

// machineLine says what the figures were measured on.
func machineLine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %.0f GB RAM", float64(kb)/(1<<20))
		}
	}
	return fmt.Sprintf("%d cores (%s)%s, %s", runtime.NumCPU(), model, mem, runtime.Version())
}

// intakeFigures is what seeding through mail measured.
type intakeFigures struct {
	Channel    string        `json:"channel"` // smtp or imap
	Mails      int           `json:"mails"`
	Elapsed    time.Duration `json:"elapsed"`
	CPU        time.Duration `json:"cpu"`
	LatencyMed time.Duration `json:"latency_median"`
	LatencyMax time.Duration `json:"latency_max"`
	PeakRSS    int64         `json:"peak_rss"`
}

// seed fills a fresh database: the setup, the history the classifier
// learns from, then the tickets, through mail or directly; it returns
// serve running on it.
func seed(ctx context.Context, o *benchOpts, st *benchState, env []string, corpus []labelled, tmp string) (*server, error) {
	channel := o.intake
	if o.direct {
		channel = "direct"
	} else if channel == "auto" {
		channel = "smtp"
		if mailstackEnv() != nil {
			channel = "imap"
		}
	}
	imapURL := ""
	if channel == "imap" {
		ms := mailstackEnv()
		if ms == nil {
			return nil, errors.New("bench: --intake imap, but ../shared/mailstack is not running (run its start script)")
		}
		imapURL = mailstackURL(ms, o.imapUser)
	}
	env = append(env, "DATABASE_URL="+st.DatabaseURL)
	srv, err := newServer(o.bin, append(env, "IMAP_URL="))
	if err != nil {
		return nil, err
	}
	if _, err := srv.run(ctx, "migrate", "up"); err != nil {
		return nil, err
	}
	setup := filepath.Join(tmp, "setup.json")
	setupJSON, agents := benchSetup(corpus)
	if err := os.WriteFile(setup, setupJSON, 0o600); err != nil {
		return nil, err
	}
	if _, err := srv.run(ctx, "setup", "apply", setup); err != nil {
		return nil, err
	}
	store, err := storage.Open(ctx, st.DatabaseURL, nil)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	cats, err := store.ListCategories(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cats {
		if c.Name == "Hardware" {
			st.CategoryID, st.Category = c.ID, c.Name
		}
	}
	st.Agent = agents["Hardware"][0]
	st.Requester = senderAddr(0)
	// Passwords are set here, in the throwaway database, so the page runs
	// can sign in through the real form.
	if err := setPasswords(ctx, store, benchAdmin, st.Agent); err != nil {
		return nil, err
	}

	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	if channel == "direct" {
		fmt.Printf("seed: writing %d tickets DIRECTLY THROUGH THE STORAGE LAYER (not through mail): tickets, events, users, approvals, outbox rows in multi-row inserts\n", o.tickets)
		if err := seedDirect(ctx, store, o, corpus, cats, agents, rng); err != nil {
			return nil, err
		}
		if err := setPasswords(ctx, store, st.Requester); err != nil {
			return nil, err
		}
		fmt.Printf("seed: %d tickets written in %.0f s (tgbench's CPU: %.0f s)\n", o.tickets, time.Since(start).Seconds(), ownCPU().Seconds())
		if err := srv.start(ctx); err != nil {
			return nil, err
		}
		return srv, nil
	}

	fmt.Printf("seed: %d resolved tickets written through the storage layer as the helpdesk's history (the classifier learns from them)\n", o.history)
	if err := seedHistory(ctx, store, o.history, corpus, cats, agents, rng); err != nil {
		return nil, err
	}
	mails := o.tickets - o.history
	if channel == "imap" {
		srv, err = newServer(o.bin, append(env, "IMAP_URL="+imapURL, "TLS_CA_FILE="+mailstackEnv()["TLS_CA_FILE"], "SMTP_LISTEN=off"))
		if err != nil {
			return nil, err
		}
	}
	var fig *intakeFigures
	if channel == "imap" {
		fig, err = intakeIMAP(ctx, srv, o, mails, corpus, rng)
	} else {
		fig, err = intakeSMTP(ctx, srv, o, mails, corpus)
	}
	if err != nil {
		srv.stop()
		return nil, err
	}
	st.Intake = fig
	if err := setPasswords(ctx, store, st.Requester); err != nil {
		srv.stop()
		return nil, err
	}
	return srv, nil
}

func senderAddr(i int) string { return fmt.Sprintf("user%d@%s", i, benchDomain) }

// setPasswords gives the users benchPassword, to be changed never.
func setPasswords(ctx context.Context, store *storage.Store, emails ...string) error {
	hash, err := domain.HashPassword(benchPassword)
	if err != nil {
		return err
	}
	for _, e := range emails {
		u, err := store.GetUserByEmail(ctx, e)
		if err != nil {
			return fmt.Errorf("user %s: %w", e, err)
		}
		u.PasswordHash, u.MustChangePassword = hash, false
		if err := store.UpdateUser(ctx, u); err != nil {
			return err
		}
	}
	return nil
}

// ownCPU is this process's CPU time so far (SQLite's writes included: its
// driver runs in process).
func ownCPU() time.Duration {
	d, _ := cpuTime(os.Getpid())
	return d
}

// cpuTime is a process's user and system CPU time so far (Linux).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold blanks: fields count from after its ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("odd /proc stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	var utime, stime int64
	fmt.Sscan(f[11], &utime)
	fmt.Sscan(f[12], &stime)
	// USER_HZ is 100 on every Linux this runs on.
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// waitIdle waits until the process uses under 5 % of a core over half a
// second: start-up work (migrations, training the classifier) is done.
func waitIdle(ctx context.Context, pid int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	prev, err := cpuTime(pid)
	if err != nil {
		return err
	}
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		cur, err := cpuTime(pid)
		if err != nil {
			return err
		}
		if cur-prev <= 25*time.Millisecond {
			return nil
		}
		prev = cur
	}
	return nil // busy all along: measure anyway
}

// sumSeries adds every series of one metric, whatever its labels.
func sumSeries(text, name string) float64 {
	var sum float64
	for _, line := range strings.Split(text, "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (rest != "" && rest[0] != '{' && rest[0] != ' ') {
			continue
		}
		if i := strings.LastIndexByte(rest, ' '); i >= 0 {
			var f float64
			fmt.Sscan(rest[i+1:], &f)
			sum += f
		}
	}
	return sum
}

// processed is how many mails serve has made tickets of and how many
// tickets it has classified, from /metrics.
func processed(ctx context.Context, srv *server, channel string) (tickets, classified float64, err error) {
	text, err := srv.metrics(ctx)
	if err != nil {
		return 0, 0, err
	}
	return counter(text, "ticketgate_mails_received_total", `channel="`+channel+`",outcome="ticket"`),
		sumSeries(text, "ticketgate_classify_duration_seconds_count"), nil
}

// waitProcessed waits until serve has made n tickets from mail on channel
// and classified them all (or left them in triage): acknowledgements and
// approval mails are queued in the same transactions.
func waitProcessed(ctx context.Context, srv *server, channel string, tickets, classified float64, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		t, c, err := processed(ctx, srv, channel)
		if err != nil {
			return err
		}
		if t >= tickets && c >= classified {
			return nil
		}
		if !srv.alive() {
			return fmt.Errorf("serve died: %v\n%s", srv.exitErr, srv.output())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %v: %.0f of %.0f tickets made, %.0f of %.0f classified", limit, t, tickets, c, classified)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// benchMail is one new-ticket mail from sender i.
func benchMail(rng *rand.Rand, corpus []labelled, sender int, id string) []byte {
	text := corpus[rng.IntN(len(corpus))].text
	from := senderAddr(sender)
	return fmt.Appendf(nil, "From: User %d <%s>\r\nTo: IT Helpdesk <%s>\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%sUser %d\r\n",
		sender, from, benchHelpdesk, benchmail.Subject(text), time.Now().Format(time.RFC1123Z), id, benchmail.Body(text), sender)
}

// intakeSMTP starts serve, sends mails over 8 SMTP connections and waits
// until all are processed; then 15 single mails, each timed from the
// start of its sending to its classification.
func intakeSMTP(ctx context.Context, srv *server, o *benchOpts, mails int, corpus []labelled) (*intakeFigures, error) {
	if err := srv.start(ctx); err != nil {
		return nil, err
	}
	pid := srv.cmd.Process.Pid
	if err := waitIdle(ctx, pid, 60*time.Second); err != nil {
		return nil, err
	}
	t0, c0, err := processed(ctx, srv, "smtp")
	if err != nil {
		return nil, err
	}
	cpu0, err := cpuTime(pid)
	if err != nil {
		return nil, err
	}
	fmt.Printf("intake: %d mails from %d senders over 8 SMTP connections to serve's receiver\n", mails, o.senders)
	start := time.Now()
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for c := range 8 {
		rng := rand.New(rand.NewPCG(uint64(c), 7))
		wg.Go(func() {
			var cl *smtp.Client
			defer func() {
				if cl != nil {
					cl.Quit()
				}
			}()
			for ctx.Err() == nil {
				n := next.Add(1) - 1
				if n >= int64(mails) {
					return
				}
				sender := int(n) % o.senders
				raw := benchMail(rng, corpus, sender, fmt.Sprintf("bench-%d@%s", n, benchDomain))
				ok := false
				for try := 0; try < 5 && !ok; try++ {
					if cl == nil {
						var derr error
						if cl, derr = smtp.Dial(srv.smtpAddr); derr != nil {
							cl = nil
							time.Sleep(100 * time.Millisecond)
							continue
						}
					}
					if err := sendOne(cl, senderAddr(sender), benchHelpdesk, raw); err != nil {
						cl.Close()
						cl = nil
						time.Sleep(50 * time.Millisecond)
						continue
					}
					ok = true
				}
				if !ok {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() > 0 {
		return nil, fmt.Errorf("intake: %d mails could not be sent", failed.Load())
	}
	sent := time.Since(start)
	want := float64(mails)
	if err := waitProcessed(ctx, srv, "smtp", t0+want, c0+want, time.Duration(mails)*10*time.Millisecond+5*time.Minute); err != nil {
		return nil, err
	}
	fig := &intakeFigures{Channel: "smtp", Mails: mails, Elapsed: time.Since(start)}
	cpu1, err := cpuTime(pid)
	if err != nil {
		return nil, err
	}
	fig.CPU = cpu1 - cpu0
	fig.PeakRSS = srv.peak()
	fmt.Printf("intake: sent in %.1f s, all processed after %.1f s\n", sent.Seconds(), fig.Elapsed.Seconds())

	// Single mails, each on an idle server.
	rng := rand.New(rand.NewPCG(9, 9))
	var lat []time.Duration
	for i := range 15 {
		t, c, err := processed(ctx, srv, "smtp")
		if err != nil {
			return nil, err
		}
		cl, err := smtp.Dial(srv.smtpAddr)
		if err != nil {
			return nil, err
		}
		sender := rng.IntN(o.senders)
		raw := benchMail(rng, corpus, sender, fmt.Sprintf("bench-single-%d@%s", i, benchDomain))
		began := time.Now()
		err = sendOne(cl, senderAddr(sender), benchHelpdesk, raw)
		cl.Quit()
		if err != nil {
			return nil, err
		}
		if err := waitProcessed(ctx, srv, "smtp", t+1, c+1, time.Minute); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(began))
		time.Sleep(200 * time.Millisecond)
	}
	fig.LatencyMed, fig.LatencyMax = median(lat), maxOf(lat)
	return fig, nil
}

// labelled is one text of the data set and its category.
type labelled struct{ text, label string }

// labelledTexts reads text,label rows; without a data set, the fallback
// texts under one label.
func labelledTexts(path string) ([]labelled, error) {
	if path == "" {
		var out []labelled
		for i, t := range benchmail.FallbackTexts() {
			out = append(out, labelled{t, []string{"Hardware", "Access", "Hardware", "Purchase", "Access", "Access"}[i%6]})
		}
		return out, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csvReader(f)
	var out []labelled
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		if len(rec) >= 2 && rec[0] != "text" && strings.TrimSpace(rec[0]) != "" && strings.TrimSpace(rec[1]) != "" {
			out = append(out, labelled{rec[0], strings.TrimSpace(rec[1])})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no text,label rows", path)
	}
	return out, nil
}

// analyzeWithoutAutovacuum runs ANALYZE after the seeding when the
// PostgreSQL server has autovacuum off (this machine's has), as
// autovacuum would have during the intake, and says so: the pages are
// measured on the statistics a production server keeps.
func analyzeWithoutAutovacuum(ctx context.Context, url string) error {
	store, err := storage.Open(ctx, url, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	off, err := store.AutovacuumOff(ctx)
	if err != nil || !off {
		return err
	}
	fmt.Println("seed: the server's autovacuum is off: ANALYZE after the seeding, as autovacuum would have run it")
	return store.Analyze(ctx)
}
