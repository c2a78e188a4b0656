package main

import (
	"errors"
	"fmt"
	"time"

	"ticketgate/domain"
)

// mailboxTestJSON is `mailbox test --json`'s answer.
type mailboxTestJSON struct {
	Address string             `json:"address"`
	OK      bool               `json:"ok"`
	Checks  []mailboxCheckJSON `json:"checks"`
}

type mailboxCheckJSON struct {
	Step   string `json:"step"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// errCheckFailed is `mailbox test`'s error when a step failed (exit 1).
var errCheckFailed = errors.New("a step failed")

func (a *app) mailboxTest(args []string) error {
	f := a.newFlags("mailbox test", "mailbox test ADDRESS [--json] [--timeout 20s]\n\n"+
		"Tests a mailbox with its stored settings: gets an OAuth2 token (OAuth2 mailboxes), logs in over IMAP and opens\n"+
		"its folder read-only, logs in over SMTP (its smtp_url, else SMTP_URL's relay) and quits without sending.\n"+
		"HELPDESK_ADDRESS, when the table has no row of it, tests IMAP_URL and SMTP_URL. Exits 1 when a step failed.")
	asJSON := f.Bool("json", false, "print a JSON object")
	timeout := f.Duration("timeout", defaultCheckTimeout, "how long each step may take")
	f.markOwn()
	e, err := a.open(f, args)
	if err != nil {
		return err
	}
	defer e.Close()
	if len(e.args) != 1 {
		return usagef("want one ADDRESS")
	}
	if *timeout <= 0 || *timeout > 10*time.Minute {
		return usagef("--timeout %s: want between 1s and 10m", *timeout)
	}
	tester, err := newMailboxTester(e.c, a.lookupEnv, e.st)
	if err != nil {
		return err
	}
	tester.timeout = *timeout
	checks, err := tester.Test(a.ctx, e.args[0])
	if errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("no mailbox %s (see `ticketgate mailbox list`)", e.args[0])
	} else if err != nil {
		return err
	}
	ok := true
	for _, ch := range checks {
		ok = ok && ch.OK
	}
	if *asJSON {
		out := mailboxTestJSON{Address: e.args[0], OK: ok, Checks: []mailboxCheckJSON{}}
		if addr, err := domain.NormalizeEmail(e.args[0]); err == nil {
			out.Address = addr
		}
		for _, ch := range checks {
			out.Checks = append(out.Checks, mailboxCheckJSON{Step: ch.Step, OK: ch.OK, Detail: ch.Detail})
		}
		if err := writeJSON(a.stdout, out); err != nil {
			return err
		}
	} else {
		for _, ch := range checks {
			mark := "ok  "
			if !ch.OK {
				mark = "FAIL"
			}
			fmt.Fprintf(a.stdout, "%s  %-12s  %s\n", mark, ch.Step, ch.Detail)
		}
	}
	if !ok {
		return errCheckFailed
	}
	return nil
}
