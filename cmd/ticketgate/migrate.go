package main

import (
	"fmt"
	"text/tabwriter"

	"ticketgate/storage"
)

func (a *app) cmdMigrate(args []string) error {
	f := a.newFlags("migrate", "migrate [up|down|status]\n\n  up      apply pending migrations (the default)\n  down    revert the last group of migrations applied together\n  status  list migrations and whether they are applied")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	verb := "up"
	if len(pos) > 1 {
		return usagef("want one of up, down, status")
	}
	if len(pos) == 1 {
		verb = pos[0]
	}
	if verb != "up" && verb != "down" && verb != "status" {
		return usagef("unknown action %q: want up, down or status", verb)
	}
	c, err := a.config(f)
	if err != nil {
		return err
	}
	st, err := storage.Open(a.ctx, c.DatabaseURL, a.quietLogger(c))
	if err != nil {
		return err
	}
	defer st.Close()
	m, err := st.Migrator()
	if err != nil {
		return err
	}
	switch verb {
	case "up", "down":
		run := m.Up
		if verb == "down" {
			run = m.Down
		}
		names, err := run(a.ctx)
		if err != nil {
			return err
		}
		if len(names) == 0 {
			fmt.Fprintf(a.stdout, "nothing to do\n")
		}
		for _, n := range names {
			fmt.Fprintf(a.stdout, "%s: %s\n", verb, n)
		}
	case "status":
		sts, err := m.Status(a.ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "MIGRATION\tSTATUS\tAPPLIED AT")
		for _, s := range sts {
			state, at := "pending", ""
			if s.Applied {
				state, at = "applied", s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
			}
			fmt.Fprintf(tw, "%s_%s\t%s\t%s\n", s.Name, s.Comment, state, at)
		}
		return tw.Flush()
	}
	return nil
}
