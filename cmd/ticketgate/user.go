package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"ticketgate/domain"
)

func (a *app) cmdUser(args []string) error {
	if len(args) == 0 {
		return usagef("want add, reset-password or list")
	}
	switch args[0] {
	case "add":
		return a.userAdd(args[1:])
	case "reset-password":
		return a.userResetPassword(args[1:])
	case "list":
		return a.userList(args[1:])
	}
	return usagef("unknown action %q: want add, reset-password or list", args[0])
}

func (a *app) userAdd(args []string) error {
	f := a.newFlags("user add", "user add --email E [--name N] --role admin|agent|employee\n\nCreates the user with a one-time password, printed once; they must change it at first sign-in.")
	email := f.String("email", "", "the user's address")
	name := f.String("name", "", "the user's name")
	role := f.String("role", "", "admin, agent or employee")
	f.markOwn()
	if _, err := f.parse(args); err != nil {
		return err
	}
	if *email == "" || *role == "" {
		return usagef("--email and --role are required")
	}
	r, err := domain.ParseRole(*role)
	if err != nil {
		return usagef("--role: %v", strings.TrimPrefix(err.Error(), domain.ErrInvalid.Error()+": "))
	}
	e, err := a.open(f, nil)
	if err != nil {
		return err
	}
	defer e.Close()
	u, password, err := e.d.AddUser(a.ctx, *email, *name, r)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "created %s %s\none-time password: %s\n(they must choose a new one at first sign-in)\n", u.Role, u.Email, password)
	return nil
}

func (a *app) userResetPassword(args []string) error {
	f := a.newFlags("user reset-password", "user reset-password --email E\n\nGives the user a new one-time password, printed once; they must change it at first sign-in.")
	email := f.String("email", "", "the user's address")
	f.markOwn()
	if _, err := f.parse(args); err != nil {
		return err
	}
	if *email == "" {
		return usagef("--email is required")
	}
	e, err := a.open(f, nil)
	if err != nil {
		return err
	}
	defer e.Close()
	password, err := e.d.ResetPassword(a.ctx, *email)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "one-time password for %s: %s\n(they must choose a new one at first sign-in)\n", strings.ToLower(strings.TrimSpace(*email)), password)
	return nil
}

func (a *app) userList(args []string) error {
	f := a.newFlags("user list", "user list [--role R]")
	role := f.String("role", "", "only users with this role")
	f.markOwn()
	if _, err := f.parse(args); err != nil {
		return err
	}
	var filter domain.UserFilter
	if *role != "" {
		r, err := domain.ParseRole(*role)
		if err != nil {
			return usagef("--role: %v", err)
		}
		filter.Role = r
	}
	e, err := a.open(f, nil)
	if err != nil {
		return err
	}
	defer e.Close()
	users, err := e.d.Users(a.ctx, filter)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tROLE\tNAME\tSTATE")
	for _, u := range users {
		var state []string
		if u.Disabled {
			state = append(state, "disabled")
		}
		if u.PasswordHash == "" {
			state = append(state, "no password")
		} else if u.MustChangePassword {
			state = append(state, "must change password")
		}
		if len(state) == 0 {
			state = append(state, "active")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Email, u.Role, u.Name, strings.Join(state, ", "))
	}
	return tw.Flush()
}
