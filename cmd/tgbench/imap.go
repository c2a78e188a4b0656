package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// mailstackPasswords are the mailstack's accounts (its README).
var mailstackPasswords = map[string]string{
	"help@company.test": "helpsecret", "hr@company.test": "hrsecret",
	"alice@company.test": "secret", "bob@company.test": "secret",
}

// mailstackEnv is the env file of ../shared/mailstack when its Dovecot
// answers, else nil.
func mailstackEnv() map[string]string {
	dir := os.Getenv("MAILSTACK_DIR")
	if dir == "" {
		dir = "/tmp/mailstack"
	}
	b, err := os.ReadFile(filepath.Join(dir, "env"))
	if err != nil {
		return nil
	}
	env := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(l), "="); ok {
			env[k] = v
		}
	}
	addr := net.JoinHostPort(env["IMAP_HOST"], env["IMAP_PORT"])
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil
	}
	c.Close()
	return env
}

// mailstackURL is serve's IMAP_URL for a mailstack user's INBOX.
func mailstackURL(env map[string]string, user string) string {
	u := url.URL{Scheme: "imap", User: url.UserPassword(user, mailstackPasswords[user]),
		Host: net.JoinHostPort(env["IMAP_HOST"], env["IMAP_PORT"]), Path: "/INBOX", RawQuery: "tls=none"}
	return u.String()
}

// imapLogin logs in to the mailstack's Dovecot as user.
func imapLogin(env map[string]string, user string) (*imapclient.Client, error) {
	pw, ok := mailstackPasswords[user]
	if !ok {
		return nil, fmt.Errorf("bench: %s is not a mailstack account (%v)", user, mailstackPasswords)
	}
	c, err := imapclient.DialInsecure(net.JoinHostPort(env["IMAP_HOST"], env["IMAP_PORT"]), nil)
	if err != nil {
		return nil, err
	}
	if err := c.Login(user, pw).Wait(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// emptyMailbox deletes every message of mailbox (creating it if needed).
func emptyMailbox(c *imapclient.Client, mailbox string) error {
	if err := c.Create(mailbox, nil).Wait(); err != nil && !strings.Contains(strings.ToLower(err.Error()), "exists") {
		return fmt.Errorf("create %s: %w", mailbox, err)
	}
	sel, err := c.Select(mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("select %s: %w", mailbox, err)
	}
	if sel.NumMessages > 0 {
		var all imap.SeqSet
		all.AddRange(1, 0) // 1:*
		if err := c.Store(all, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
			return fmt.Errorf("delete the mail of %s: %w", mailbox, err)
		}
		if err := c.Expunge().Close(); err != nil {
			return fmt.Errorf("expunge %s: %w", mailbox, err)
		}
	}
	return c.Unselect().Wait()
}

// intakeIMAP writes the mails as files beside the mailstack user's
// Maildir, starts serve on the user's (emptied) INBOX, waits until it is
// idle, then renames them all into the INBOX's new/ at once, as an MDA
// delivers (APPEND over IMAP takes ~40 ms a mail here), and times serve
// until every one is processed; then 15 single APPENDs over IMAP, each
// timed until its ticket is classified.
func intakeIMAP(ctx context.Context, srv *server, o *benchOpts, mails int, corpus []labelled, rng *rand.Rand) (*intakeFigures, error) {
	env := mailstackEnv()
	c, err := imapLogin(env, o.imapUser)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := emptyMailbox(c, "INBOX"); err != nil {
		return nil, err
	}
	vmail, err := user.Lookup("vmail")
	if err != nil {
		return nil, fmt.Errorf("bench: --intake imap writes into the Maildir as user vmail: %w", err)
	}
	uid, _ := strconv.Atoi(vmail.Uid)
	gid, _ := strconv.Atoi(vmail.Gid)
	dir := os.Getenv("MAILSTACK_DIR")
	if dir == "" {
		dir = "/tmp/mailstack"
	}
	maildir := filepath.Join(dir, "mail", o.imapUser, "Maildir")
	stage := filepath.Join(dir, "mail", o.imapUser, ".tgbench-stage")
	if err := os.RemoveAll(stage); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(stage, 0o700); err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	fmt.Printf("intake: %d mails from %d senders, written beside %s's Maildir (Dovecot), to be moved into its INBOX at once\n", mails, o.senders, o.imapUser)
	host, _ := os.Hostname()
	host = strings.NewReplacer("/", "_", ":", "_").Replace(host)
	stamp := time.Now()
	names := make([]string, mails)
	for i := range mails {
		// Maildir names: Dovecot orders new mail by their time stamp.
		at := stamp.Add(time.Duration(i) * time.Microsecond)
		names[i] = fmt.Sprintf("%d.M%dP%dQ%d.%s", at.Unix(), at.Nanosecond()/1000, os.Getpid(), i+1, host)
		p := filepath.Join(stage, names[i])
		if err := os.WriteFile(p, benchMail(rng, corpus, i%o.senders, fmt.Sprintf("bench-%d@%s", i, benchDomain)), 0o600); err != nil {
			return nil, err
		}
		if err := os.Chown(p, uid, gid); err != nil {
			return nil, fmt.Errorf("bench: --intake imap needs root to give the mail files to vmail: %w", err)
		}
	}

	if err := srv.start(ctx); err != nil {
		return nil, err
	}
	pid := srv.cmd.Process.Pid
	if err := waitIdle(ctx, pid, 60*time.Second); err != nil {
		return nil, err
	}
	t0, c0, err := processed(ctx, srv, "imap")
	if err != nil {
		return nil, err
	}
	cpu0, err := cpuTime(pid)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	for _, n := range names {
		if err := os.Rename(filepath.Join(stage, n), filepath.Join(maildir, "new", n)); err != nil {
			return nil, err
		}
	}
	want := float64(mails)
	if err := waitProcessed(ctx, srv, "imap", t0+want, c0+want, time.Duration(mails)*10*time.Millisecond+5*time.Minute); err != nil {
		return nil, err
	}
	fig := &intakeFigures{Channel: "imap", Mails: mails, Elapsed: time.Since(start)}
	cpu1, err := cpuTime(pid)
	if err != nil {
		return nil, err
	}
	fig.CPU, fig.PeakRSS = cpu1-cpu0, srv.peak()
	fmt.Printf("intake: all processed %.1f s after the first mail was moved in\n", fig.Elapsed.Seconds())

	var lat []time.Duration
	for i := range 15 {
		t, cl, err := processed(ctx, srv, "imap")
		if err != nil {
			return nil, err
		}
		raw := benchMail(rng, corpus, rng.IntN(o.senders), fmt.Sprintf("bench-single-%d@%s", i, benchDomain))
		began := time.Now()
		cmd := c.Append("INBOX", int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			return nil, err
		}
		if err := cmd.Close(); err != nil {
			return nil, err
		}
		if _, err := cmd.Wait(); err != nil {
			return nil, err
		}
		if err := waitProcessed(ctx, srv, "imap", t+1, cl+1, time.Minute); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(began))
		time.Sleep(300 * time.Millisecond)
	}
	if len(lat) == 0 {
		return nil, errors.New("no single mail timed")
	}
	fig.LatencyMed, fig.LatencyMax = median(lat), maxOf(lat)
	return fig, nil
}
