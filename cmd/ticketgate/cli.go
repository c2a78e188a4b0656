package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"ticketgate/domain"
	"ticketgate/storage"
)

// flags is a command's flag set with the configuration flags attached.
type flags struct {
	*flag.FlagSet
	config map[string]string
	own    []string // the command's own flags, listed first in --help
}

func (a *app) newFlags(name, usage string) *flags {
	fs := flag.NewFlagSet("ticketgate "+name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	f := &flags{FlagSet: fs}
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: ticketgate %s\n", usage)
		if len(f.own) > 0 {
			fmt.Fprintln(w, "\nFlags:")
			for _, n := range f.own {
				printFlag(w, fs.Lookup(n))
			}
		}
		fmt.Fprintln(w, "\nConfiguration (flag, or the environment variable in parentheses):")
		fs.VisitAll(func(fl *flag.Flag) {
			if !slices.Contains(f.own, fl.Name) {
				printFlag(w, fl)
			}
		})
	}
	return f
}

func printFlag(w io.Writer, fl *flag.Flag) {
	fmt.Fprintf(w, "  --%s\n    \t%s\n", fl.Name, fl.Usage)
}

// own marks flags defined so far as the command's own; call it before
// attaching the configuration flags.
func (f *flags) markOwn() {
	f.VisitAll(func(fl *flag.Flag) { f.own = append(f.own, fl.Name) })
	f.config = configFlags(f.FlagSet)
}

// parse parses args, allowing flags after positional arguments
// ("setup apply FILE --prune"), and returns the positional ones.
func (f *flags) parse(args []string) ([]string, error) {
	if f.config == nil {
		f.markOwn()
	}
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		rest := f.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// config loads the configuration with this command's flags on top.
func (a *app) config(f *flags) (*Config, error) {
	dotenv, err := readDotenv(".env")
	if err != nil {
		return nil, err
	}
	return loadConfig(a.lookupEnv, dotenv, f.config)
}

// logger returns the slog logger the configuration asks for, on stderr.
func (a *app) logger(c *Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(a.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(a.stderr, opts))
}

// openDesk opens the database, migrates it, and returns the store and a
// Desk over it, configured by opts. The caller closes the store.
func (a *app) openDesk(c *Config, log *slog.Logger, opts ...domain.Option) (*storage.Store, *domain.Desk, error) {
	st, err := storage.Open(a.ctx, c.DatabaseURL, log)
	if err != nil {
		return nil, nil, err
	}
	if c.AttachmentsDir != "" {
		if err := st.UseAttachmentsDir(c.AttachmentsDir); err != nil {
			st.Close()
			return nil, nil, err
		}
	}
	applied, err := st.Migrate(a.ctx)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	if len(applied) > 0 {
		log.Info("database migrated", slog.String("applied", strings.Join(applied, ", ")))
	}
	def, err := defaultRelayMailbox(a.ctx, c, st)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	base, err := deskOptions(c, c.SMTPURL != "" || def != nil)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, domain.NewDesk(st, nil, log, append(base, opts...)...), nil
}

// deskOptions are the Desk's settings that come from the configuration;
// relay says whether mail has a relay to go out through (see
// defaultRelayMailbox), so is queued rather than held.
func deskOptions(c *Config, relay bool) ([]domain.Option, error) {
	mail, err := mailOption(c, relay)
	if err != nil {
		return nil, err
	}
	return []domain.Option{domain.WithIntake(intakePolicy(c)), mail, domain.WithSecretKey(c.SecretKey),
		domain.WithTrustedAuthserv(c.TrustedAuthservID), domain.WithRefusalsPerHour(c.RefusalsPerHour),
		domain.WithAcksPerSenderPerHour(c.AcksPerSenderPerHour), domain.WithMaxMessageBytes(c.MaxMessageBytes),
		domain.WithSchedule(domain.Schedule{RemindAfter: c.ApprovalRemindAfter, ExpireAfter: c.ApprovalExpireAfter, ReopenWithin: c.ReopenWithin,
			TriageDigest: c.TriageDigestInterval, OutboxRetention: c.OutboxRetention})}, nil
}

// quietLogger is for the admin commands: warnings and errors only, so
// their output stays theirs.
func (a *app) quietLogger(c *Config) *slog.Logger {
	q := *c
	if q.LogLevel < slog.LevelWarn {
		q.LogLevel = slog.LevelWarn
	}
	return a.logger(&q)
}

// cmdEnv is what an admin command works with: its positional arguments,
// the configuration, and the database with the Desk over it. Close it
// when done.
type cmdEnv struct {
	args []string
	c    *Config
	st   *storage.Store
	d    *domain.Desk
}

// Close closes the database.
func (e *cmdEnv) Close() error { return e.st.Close() }

// open parses a command's flags, reads the configuration and opens the
// database (migrated) with a Desk that logs warnings and errors only.
func (a *app) open(f *flags, args []string) (*cmdEnv, error) {
	pos, err := f.parse(args)
	if err != nil {
		return nil, err
	}
	c, err := a.config(f)
	if err != nil {
		return nil, err
	}
	st, d, err := a.openDesk(c, a.quietLogger(c))
	if err != nil {
		return nil, err
	}
	return &cmdEnv{args: pos, c: c, st: st, d: d}, nil
}
