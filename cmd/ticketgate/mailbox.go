package main

import (
	"fmt"
	"text/tabwriter"

	"ticketgate/domain"
)

func (a *app) cmdMailbox(args []string) error {
	if len(args) == 0 {
		return usagef("want list or test")
	}
	switch args[0] {
	case "list":
		return a.mailboxList(args[1:])
	case "test":
		return a.mailboxTest(args[1:])
	}
	return usagef("unknown action %q: want list or test", args[0])
}

// mailboxJSON is a mailbox in `mailbox list --json`: settings and state,
// and where its secrets are (never what they are).
type mailboxJSON struct {
	Address         string  `json:"address"`
	Name            string  `json:"name"`
	IMAPURL         string  `json:"imap_url"`
	SMTPURL         string  `json:"smtp_url"`
	Auth            string  `json:"auth"`
	Provider        string  `json:"provider,omitempty"`
	Grant           string  `json:"grant,omitempty"`
	DefaultCategory *string `json:"default_category"`
	Enabled         bool    `json:"enabled"`
	State           string  `json:"state"`
	StateAt         *string `json:"state_at"`
	LastError       string  `json:"last_error"`
}

func (a *app) mailboxList(args []string) error {
	f := a.newFlags("mailbox list", "mailbox list [--json]\n\nThe mailboxes the helpdesk reads and sends through (setup file key \"mailboxes\"), with how they log in and the poller's state.")
	asJSON := f.Bool("json", false, "print a JSON array")
	f.markOwn()
	e, err := a.open(f, args)
	if err != nil {
		return err
	}
	defer e.Close()
	boxes, err := e.d.Mailboxes(a.ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]mailboxJSON, len(boxes))
		for i, m := range boxes {
			out[i] = mailboxJSON{Address: m.Address, Name: m.Name, IMAPURL: m.IMAPURL, SMTPURL: m.SMTPURL, Auth: string(m.Auth),
				Enabled: m.Enabled, State: string(m.State), LastError: m.LastError}
			if m.Auth == domain.AuthOAuth2 {
				out[i].Provider, out[i].Grant = string(m.OAuth2.Provider), string(m.OAuth2.Grant)
			}
			if m.DefaultCategory != "" {
				out[i].DefaultCategory = &m.DefaultCategory
			}
			if !m.StateAt.IsZero() {
				at := rfc3339(m.StateAt)
				out[i].StateAt = &at
			}
		}
		return writeJSON(a.stdout, out)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ADDRESS\tNAME\tAUTH\tENABLED\tSTATE\tSINCE\tLAST ERROR")
	for _, m := range boxes {
		enabled, since := "yes", "-"
		if !m.Enabled {
			enabled = "no"
		}
		if !m.StateAt.IsZero() {
			since = m.StateAt.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.Address, orDash(m.Name), m.AuthWords(), enabled, m.State, since, orDash(m.LastError))
	}
	return tw.Flush()
}
