// Command tgbench measures ticketgate from outside, as an operator would:
// it starts the real `ticketgate serve` and drives it over its real
// interfaces. Its figures go into the closing notes and docs; nothing here
// is a test, and nothing in the product depends on it.
//
//	go run ./cmd/tgbench soak [flags]   10,000 mails through the SMTP receiver, one in ten hostile
//	go run ./cmd/tgbench bench [flags]  N tickets through intake, then the portal's pages under load
//
// Each subcommand prints its figures and exits non-zero when what it checks
// does not hold (a mail that is neither a ticket, a comment nor quarantined;
// serve dying or restarting).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tgbench:", err)
		os.Exit(1)
	}
}

const usage = `usage: tgbench COMMAND [flags]

commands:
  bench   seed N tickets through the real intake (or the storage layer), then
          load the portal's pages, and print the figures of docs/performance.md
          (tgbench bench -h for its flags)
  soak    send mails through serve's SMTP receiver at full speed, some hostile,
          and check that every one is a ticket, a comment or quarantined
          (tgbench soak -h for its flags)`

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("no command\n%s", usage)
	}
	switch args[0] {
	case "soak":
		return soak(ctx, args[1:])
	case "bench":
		return bench(ctx, args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Println(usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}
