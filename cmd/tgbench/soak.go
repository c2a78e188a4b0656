package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"ticketgate/cmd/internal/benchmail"
)

// soakSetup is a small real helpdesk: categories, so every plain mail is
// classified as it would be in production.
const soakSetup = `{"categories": [
 {"name": "Hardware", "description": "Laptops, monitors, printers, docking stations", "keywords": ["laptop", "monitor", "printer", "dock"]},
 {"name": "Access", "description": "Accounts, passwords, shares, VPN", "keywords": ["access", "password", "vpn", "share"]},
 {"name": "Purchase", "description": "Buying hardware and software", "keywords": ["order", "purchase", "buy"]}
]}`

// soakResult counts what the senders saw.
type soakResult struct {
	sent    [3]atomic.Int64 // by mailKind, acknowledged with 250
	bounces atomic.Int64    // hostile mails that are delivery reports: logged, never tickets
	retried atomic.Int64    // 4xx answers, tried again as an MTA would
	refused atomic.Int64    // 5xx answers: the mail was not taken
	first   sync.Once       // the first 5xx answer, to say why
	why     string
	failed  atomic.Int64 // gave up after retries or a broken connection
}

func soak(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	mails := fs.Int("mails", 10000, "mails to send")
	hostileEvery := fs.Int("hostile-every", 10, "one mail in this many is hostile (0: none)")
	replyEvery := fs.Int("reply-every", 5, "one plain mail in this many is the requester's reply to an earlier ticket (0: none)")
	conns := fs.Int("conns", 8, "SMTP connections sending at once")
	hostileDir := fs.String("hostile", "", "directory of hostile *.eml (default: the set of package inbox/hostile)")
	dbURL := fs.String("database-url", "", "database for serve (default: a new SQLite file); a PostgreSQL database must be empty")
	bin := fs.String("bin", "", "ticketgate binary (default: built from ./cmd/ticketgate)")
	textsPath := fs.String("texts", "", "CSV whose first column holds ticket texts (default: the shared data set's train.csv, when found)")
	maxRSS := fs.Int64("max-rss-mb", 200, "fail when serve's peak resident set exceeds this many MB (0: no check)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *mails <= 0 || *conns <= 0 {
		return errors.New("soak: -mails and -conns must be positive")
	}
	tmp, err := os.MkdirTemp("", "tgbench-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	if *bin == "" {
		if *bin, err = buildTicketgate(ctx, tmp); err != nil {
			return err
		}
	}
	if *textsPath == "" {
		*textsPath = benchmail.Dataset()
	}
	tx, err := benchmail.Texts(*textsPath)
	if err != nil {
		return err
	}
	var hostile []namedMail
	if *hostileEvery > 0 {
		if hostile, err = hostileMails(*hostileDir); err != nil {
			return err
		}
	}
	if *dbURL == "" {
		*dbURL = filepath.Join(tmp, "soak.db")
	}
	const helpdesk = "help@company.test"
	srv, err := newServer(*bin, []string{"DATABASE_URL=" + *dbURL, "HELPDESK_ADDRESS=" + helpdesk,
		"ADMIN_EMAIL=admin@company.test", "LOG_LEVEL=error", "IMAP_URL=", "SMTP_URL="})
	if err != nil {
		return err
	}
	setup := filepath.Join(tmp, "setup.json")
	if err := os.WriteFile(setup, []byte(soakSetup), 0o600); err != nil {
		return err
	}
	if _, err := srv.run(ctx, "setup", "apply", setup); err != nil {
		return err
	}
	if err := srv.start(ctx); err != nil {
		return err
	}
	defer srv.stop()
	pid := srv.cmd.Process.Pid
	base, err := srv.metrics(ctx)
	if err != nil {
		return err
	}

	// Health is watched throughout: serve must answer and never restart.
	var badHealth atomic.Int64
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for watchCtx.Err() == nil {
			if !srv.healthy(watchCtx, "/healthz") && watchCtx.Err() == nil {
				badHealth.Add(1)
			}
			select {
			case <-watchCtx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()

	fmt.Printf("soak: %d mails over %d SMTP connections to serve (pid %d, %s), one in %d hostile (%d kinds)\n",
		*mails, *conns, pid, *dbURL, *hostileEvery, len(hostile))
	var res soakResult
	var wg sync.WaitGroup
	var next atomic.Int64
	start := time.Now()
	for c := range *conns {
		w := &writer{rng: rand.New(rand.NewPCG(uint64(c), 42)), texts: tx, hostile: hostile, domain: "company.test", conn: c}
		wg.Go(func() {
			sendAll(ctx, srv.smtpAddr, helpdesk, w, &next, int64(*mails), *hostileEvery, *replyEvery, &res)
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopWatch()
	<-watched

	after, err := srv.metrics(ctx)
	if err != nil && srv.alive() {
		return err
	}
	outcome := func(o string) int64 {
		l := `channel="smtp",outcome="` + o + `"`
		return int64(counter(after, "ticketgate_mails_received_total", l) - counter(base, "ticketgate_mails_received_total", l))
	}
	tickets, comments, quarantined := outcome("ticket"), outcome("comment"), outcome("quarantined")
	other := outcome("logged") + outcome("duplicate")
	acked := res.sent[kindNew].Load() + res.sent[kindReply].Load() + res.sent[kindHostile].Load()
	peak := srv.peak()

	fmt.Printf("sent: %d new, %d replies, %d hostile acknowledged in %.1f s: %.0f mails/s\n",
		res.sent[kindNew].Load(), res.sent[kindReply].Load(), res.sent[kindHostile].Load(), elapsed.Seconds(),
		float64(acked)/elapsed.Seconds())
	fmt.Printf("smtp: %d answers 4xx (retried), %d refused 5xx, %d given up\n", res.retried.Load(), res.refused.Load(), res.failed.Load())
	if res.why != "" {
		fmt.Printf("smtp: the first 5xx answer: %s\n", res.why)
	}
	fmt.Printf("outcomes: %d tickets, %d comments, %d quarantined, %d other (logged or duplicate; %d hostile bounces were sent)\n",
		tickets, comments, quarantined, other, res.bounces.Load())
	fmt.Printf("serve: peak RSS %.0f MB, %d failed health checks, running at the end: %v\n",
		float64(peak)/(1<<20), badHealth.Load(), srv.alive())

	if quarantined > 0 {
		if list, err := srv.run(ctx, "inbox", "quarantine", "list"); err == nil {
			lines := strings.Split(strings.TrimSpace(list), "\n")
			fmt.Printf("quarantine (ticketgate inbox quarantine list, %d shown):\n", min(len(lines), 21)-1)
			for _, l := range lines[:min(len(lines), 21)] {
				fmt.Println("  " + l)
			}
		}
	}

	var problems []error
	if !srv.alive() {
		problems = append(problems, fmt.Errorf("serve died: %v\n%s", srv.exitErr, srv.output()))
	}
	if badHealth.Load() > 0 {
		problems = append(problems, fmt.Errorf("%d health checks failed", badHealth.Load()))
	}
	if acked != int64(*mails) {
		problems = append(problems, fmt.Errorf("%d of %d mails were not taken (see the smtp line)", int64(*mails)-acked, *mails))
	}
	// A hostile delivery report is automatic mail: the inbox log takes it,
	// as it takes every bounce.
	if tickets+comments+quarantined+other != acked || other != res.bounces.Load() {
		problems = append(problems, fmt.Errorf("%d mails acknowledged (%d of them bounces), but %d tickets + %d comments + %d quarantined + %d other",
			acked, res.bounces.Load(), tickets, comments, quarantined, other))
	}
	if res.sent[kindReply].Load() > comments {
		problems = append(problems, fmt.Errorf("%d replies sent but only %d comments", res.sent[kindReply].Load(), comments))
	}
	if *maxRSS > 0 && peak > *maxRSS<<20 {
		problems = append(problems, fmt.Errorf("peak RSS %.0f MB is over %d MB", float64(peak)/(1<<20), *maxRSS))
	}
	if len(problems) > 0 {
		return errors.Join(problems...)
	}
	fmt.Println("soak: OK: every mail is a ticket, a comment or quarantined, and serve ran throughout")
	return nil
}

// sendAll sends mails over one connection, taking numbers from next until
// total, as an MTA would: a 4xx answer is tried again (up to 5 times), a
// broken connection is dialled again.
func sendAll(ctx context.Context, addr, helpdesk string, w *writer, next *atomic.Int64, total int64, hostileEvery, replyEvery int, res *soakResult) {
	var c *smtp.Client
	defer func() {
		if c != nil {
			c.Quit()
		}
	}()
	for ctx.Err() == nil {
		n := next.Add(1) - 1
		if n >= total {
			return
		}
		kind := kindNew
		switch {
		case hostileEvery > 0 && n%int64(hostileEvery) == int64(hostileEvery)-1:
			kind = kindHostile
		case replyEvery > 0 && n%int64(replyEvery) == 0 && len(w.mine) > 0:
			kind = kindReply
		}
		from, raw := w.next(kind, helpdesk, n/max(int64(hostileEvery), 1))
		ok := false
		for try := 0; try < 5 && !ok && ctx.Err() == nil; try++ {
			if c == nil {
				var err error
				if c, err = smtp.Dial(addr); err != nil {
					time.Sleep(100 * time.Millisecond)
					continue
				}
			}
			err := sendOne(c, from, helpdesk, raw)
			var se *smtp.SMTPError
			switch {
			case err == nil:
				ok = true
			case errors.As(err, &se) && se.Code >= 500:
				res.refused.Add(1)
				res.first.Do(func() { res.why = se.Error() })
				c.Reset()
				try = 5
			case errors.As(err, &se):
				res.retried.Add(1)
				c.Reset()
				time.Sleep(time.Duration(100*(try+1)) * time.Millisecond)
			default: // the connection broke: dial again
				c.Close()
				c = nil
			}
		}
		if !ok {
			if ctx.Err() == nil {
				res.failed.Add(1)
			}
			continue
		}
		res.sent[kind].Add(1)
		if kind == kindHostile && w.lastBounce {
			res.bounces.Add(1)
		}
		if kind == kindNew {
			w.acked()
		}
	}
}

func sendOne(c *smtp.Client, from, to string, raw []byte) error {
	// SIZE, as MTAs declare it (RFC 1870).
	if err := c.Mail(from, &smtp.MailOptions{Size: int64(len(raw))}); err != nil {
		return err
	}
	if err := c.Rcpt(to, nil); err != nil {
		return err
	}
	wc, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := bytes.NewReader(raw).WriteTo(wc); err != nil {
		wc.Close()
		return err
	}
	return wc.Close()
}
