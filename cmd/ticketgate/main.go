// Command ticketgate is the email-native helpdesk: one binary that serves
// the web portal, takes mail in, sends mail out and runs the scheduled jobs
// (`ticketgate serve`), plus the admin commands around it.
//
// Configuration comes from environment variables (and a .env file), and
// every variable can be given as a flag of the same name in lower case with
// dashes: DATABASE_URL is --database-url. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.LookupEnv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// app is what every command gets: its streams and environment.
type app struct {
	ctx       context.Context
	lookupEnv func(string) (string, bool)
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
}

type command struct {
	name    string
	summary string
	run     func(a *app, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the web portal, mail in, mail out and scheduled jobs (migrates first)", (*app).cmdServe},
		{"migrate", "apply or revert database migrations: migrate [up|down|status]", (*app).cmdMigrate},
		{"user", "manage users: user add|reset-password|list", (*app).cmdUser},
		{"token", "API tokens: token create|list|revoke ID", (*app).cmdToken},
		{"ticket", "read tickets: ticket list|show, and merge one into another", (*app).cmdTicket},
		{"setup", "categories, users, team members and mailboxes from a file, or the starter set: setup apply|export|starter", (*app).cmdSetup},
		{"mailbox", "the mailboxes mail comes in and goes out through: mailbox list|test ADDRESS", (*app).cmdMailbox},
		{"inbox", "mail in: inbox import FILE.eml…|log|quarantine list|show|retry ID", (*app).cmdInbox},
		{"outbox", "outgoing mail: outbox list|show|retry|discard", (*app).cmdOutbox},
		{"dashboard", "print the admins' dashboard figures: dashboard [--recount]", (*app).cmdDashboard},
		{"classify", "classify a text, or evaluate the classifier: classify TEXT | classify eval", (*app).cmdClassify},
		{"version", "print the version", (*app).cmdVersion},
	}
}

// errUsage marks an error in how a command was called (exit status 2).
var errUsage = errors.New("usage")

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{ctx: ctx, lookupEnv: lookupEnv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		a.usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(a, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "ticketgate %s: %v\n", c.name, err)
			return 2
		default:
			fmt.Fprintf(stderr, "ticketgate %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "ticketgate: unknown command %q\n\n", args[0])
	a.usage(stderr)
	return 2
}

func (a *app) usage(w io.Writer) {
	fmt.Fprintln(w, "ticketgate: an email-native helpdesk.\n\nUsage: ticketgate COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'ticketgate COMMAND --help' for a command's flags. Every setting is an environment\nvariable (or a line of .env) and a flag: DATABASE_URL is --database-url.")
}

func usagef(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, args...)...)
}
