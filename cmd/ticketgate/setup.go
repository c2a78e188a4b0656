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
		return usagef("want apply or export")
	}
	switch args[0] {
	case "apply":
		return a.setupApply(args[1:])
	case "export":
		return a.setupExport(args[1:])
	}
	return usagef("unknown action %q: want apply or export", args[0])
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
