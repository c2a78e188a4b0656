package main

import (
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"ticketgate/domain"
)

func (a *app) cmdToken(args []string) error {
	if len(args) == 0 {
		return usagef("want create, list or revoke")
	}
	switch args[0] {
	case "create":
		return a.tokenCreate(args[1:])
	case "list":
		return a.tokenList(args[1:])
	case "revoke":
		return a.tokenRevoke(args[1:])
	}
	return usagef("unknown action %q: want create, list or revoke", args[0])
}

func (a *app) tokenCreate(args []string) error {
	f := a.newFlags("token create", "token create --user EMAIL --name NAME [--scope read|write]\n\nMakes an API token acting for the user (with the user's role, never more) and prints it once.")
	user := f.String("user", "", "the address of the user the token acts for")
	name := f.String("name", "", "what the token is for, shown in the list")
	scopeFlag := f.String("scope", "read", "read, or write to change tickets too")
	f.markOwn()
	if _, err := f.parse(args); err != nil {
		return err
	}
	if *user == "" || *name == "" {
		return usagef("--user and --name are required")
	}
	scope, err := domain.ParseAPIScope(*scopeFlag)
	if err != nil {
		return usagef("--scope: want read or write")
	}
	e, err := a.open(f, nil)
	if err != nil {
		return err
	}
	defer e.Close()
	t, token, err := e.d.CreateAPIToken(a.ctx, *user, *name, scope)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "created token %d (%s) for %s\n%s\n(it is shown only this once)\n", t.ID, t.Scope, t.UserEmail, token)
	return nil
}

// tokenJSON is one line of `token list --json`.
type tokenJSON struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	User       string  `json:"user"`
	Scope      string  `json:"scope"`
	CreatedAt  string  `json:"created_at"`
	LastUsedAt *string `json:"last_used_at"`
	RevokedAt  *string `json:"revoked_at"`
}

func optTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := rfc3339(*t)
	return &s
}

func (a *app) tokenList(args []string) error {
	f := a.newFlags("token list", "token list [--json]")
	asJSON := f.Bool("json", false, "print JSON")
	f.markOwn()
	if _, err := f.parse(args); err != nil {
		return err
	}
	e, err := a.open(f, nil)
	if err != nil {
		return err
	}
	defer e.Close()
	ts, err := e.d.APITokens(a.ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]tokenJSON, len(ts))
		for i, t := range ts {
			out[i] = tokenJSON{ID: t.ID, Name: t.Name, User: t.UserEmail, Scope: string(t.Scope), CreatedAt: rfc3339(t.CreatedAt),
				LastUsedAt: optTime(t.LastUsedAt), RevokedAt: optTime(t.RevokedAt)}
		}
		return writeJSON(a.stdout, out)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tUSER\tSCOPE\tCREATED\tLAST USED\tSTATE")
	for _, t := range ts {
		last, state := "never", "active"
		if t.LastUsedAt != nil {
			last = rfc3339(*t.LastUsedAt)
		}
		if t.RevokedAt != nil {
			state = "revoked " + rfc3339(*t.RevokedAt)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.UserEmail, t.Scope, rfc3339(t.CreatedAt), last, state)
	}
	return tw.Flush()
}

func (a *app) tokenRevoke(args []string) error {
	f := a.newFlags("token revoke", "token revoke ID\n\nEnds the token at once.")
	f.markOwn()
	rest, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("want one token ID")
	}
	id, err := strconv.ParseInt(rest[0], 10, 64)
	if err != nil || id <= 0 {
		return usagef("token ID %q: want a number", rest[0])
	}
	e, err := a.open(f, nil)
	if err != nil {
		return err
	}
	defer e.Close()
	if err := e.d.RevokeAPIToken(a.ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "revoked token %d\n", id)
	return nil
}
