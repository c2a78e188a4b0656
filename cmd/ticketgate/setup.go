package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"ticketgate/domain"
)

func (a *app) cmdSetup(args []string) error {
	if len(args) == 0 {
		return usagef("want apply, export or starter")
	}
	switch args[0] {
	case "apply":
		return a.setupApply(args[1:])
	case "export":
		return a.setupExport(args[1:])
	case "starter":
		return a.setupStarter(args[1:])
	}
	return usagef("unknown action %q: want apply, export or starter", args[0])
}

func (a *app) setupApply(args []string) error {
	f := a.newFlags("setup apply", "setup apply FILE.json [--prune]\n\nCreates or updates what the file names; with --prune also removes categories and\nteam members and mailboxes it leaves out and disables users it leaves out. '-'\nreads standard input.")
	prune := f.Bool("prune", false, "remove (or, for users, disable) what the file leaves out")
	f.markOwn()
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one file")
	}
	name := pos[0]
	var data []byte
	if name == "-" {
		data, err = io.ReadAll(a.stdin)
		name = "(stdin)"
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return err
	}
	file, err := domain.ParseSetup(data)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	e, err := a.open(f, nil)
	if err != nil {
		return err
	}
	defer e.Close()
	rep, err := e.d.ApplySetup(a.ctx, file, *prune)
	if err != nil {
		var se *domain.SetupError
		if errors.As(err, &se) {
			return fmt.Errorf("%s: %w (nothing was changed)", name, se)
		}
		return fmt.Errorf("%w (nothing was changed)", err)
	}
	for _, l := range rep.Lines {
		fmt.Fprintln(a.stdout, l)
	}
	fmt.Fprintf(a.stdout, "%d created, %d changed, %d unchanged, %d pruned\n", rep.Created, rep.Changed, rep.Unchanged, rep.Pruned)
	return nil
}

func (a *app) setupExport(args []string) error {
	f := a.newFlags("setup export", "setup export\n\nPrints categories, users (never passwords), team members and mailboxes (secrets\nonly as the references they were given) as a setup file.")
	f.markOwn()
	e, err := a.open(f, args)
	if err != nil {
		return err
	}
	defer e.Close()
	file, err := e.d.ExportSetup(a.ctx)
	if err != nil {
		return err
	}
	return writeJSON(a.stdout, file)
}

func (a *app) setupStarter(args []string) error {
	f := a.newFlags("setup starter", "setup starter\n\nCreates the starter set: eight IT helpdesk categories (Hardware, Access, HR Support,\nStorage, Purchase, Internal Project, Administrative rights, Miscellaneous) with\ndescriptions and keywords, no approval levels, and a warm-start model learnt\nfrom 38,285 real tickets until the helpdesk's own confirmed tickets replace them.\nRun again, it creates only the starter categories that are missing (deleted\nsince); a renamed one counts as there. On a helpdesk that has categories of its\nown it changes nothing.")
	f.markOwn()
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("setup starter takes no arguments")
	}
	e, err := a.open(f, nil)
	if err != nil {
		return err
	}
	defer e.Close()
	rep, err := e.d.ApplyStarter(a.ctx)
	if err != nil {
		var se *domain.StarterError
		if errors.As(err, &se) {
			return se
		}
		return fmt.Errorf("%w (nothing was changed)", err)
	}
	for _, l := range rep.Lines {
		fmt.Fprintln(a.stdout, l)
	}
	fmt.Fprintf(a.stdout, "%d created, %d already there\n", rep.Created, rep.Unchanged)
	if rep.Created > 0 {
		fmt.Fprintln(a.stdout, "Add approval levels and team members on the portal (Categories, Team) or with `ticketgate setup apply`;\na running `serve` learns the new categories within a few seconds.")
	}
	return nil
}
