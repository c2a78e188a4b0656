package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"ticketgate/domain"
	"ticketgate/inbox"
)

func (a *app) cmdInbox(args []string) error {
	if len(args) == 0 {
		return usagef("want import, log or quarantine")
	}
	switch args[0] {
	case "import":
		return a.inboxImport(args[1:])
	case "log":
		return a.inboxLog(args[1:])
	case "quarantine":
		return a.inboxQuarantine(args[1:])
	}
	return usagef("unknown action %q: want import, log or quarantine", args[0])
}

func (a *app) inboxImport(args []string) error {
	f := a.newFlags("inbox import", "inbox import [--mailbox ADDRESS] FILE.eml… ('-' reads one mail from standard input)\n\nRuns each mail through the same pipeline as mail received by IMAP or SMTP.")
	mailbox := f.String("mailbox", "", "the mailbox the mails were received for (an enabled mailbox of the table, or HELPDESK_ADDRESS; default: HELPDESK_ADDRESS)")
	f.markOwn()
	e, err := a.open(f, args)
	if err != nil {
		return err
	}
	defer e.Close()
	if len(e.args) == 0 {
		return usagef("want at least one file")
	}
	address := ""
	if *mailbox != "" {
		mb, ok, err := e.d.RecipientMailbox(a.ctx, *mailbox)
		if err != nil {
			return err
		}
		if !ok {
			return usagef("--mailbox %s: not HELPDESK_ADDRESS nor an enabled mailbox of the table (see mailbox list)", *mailbox)
		}
		address = mb
	}
	defer func() {
		if err := releaseInFlight(e.d); err != nil {
			fmt.Fprintf(a.stderr, "warning: %v\n", err)
		}
	}()
	var failed int
	for _, name := range e.args {
		var raw []byte
		if name == "-" {
			raw, err = io.ReadAll(io.LimitReader(a.stdin, e.c.MaxMessageBytes+1))
		} else {
			raw, err = os.ReadFile(name)
		}
		if err != nil {
			fmt.Fprintf(a.stderr, "%s: %v\n", name, err)
			failed++
			continue
		}
		if int64(len(raw)) > e.c.MaxMessageBytes {
			fmt.Fprintf(a.stderr, "%s: larger than MAX_MESSAGE_BYTES (%d bytes)\n", name, e.c.MaxMessageBytes)
			failed++
			continue
		}
		// Recorded in flight by the hash of the file: a file that crashed
		// this command twice is quarantined the third time.
		item := domain.Received{Source: domain.Source{Channel: "import", Address: address}, Raw: raw}
		outs, err := e.d.Intake(a.ctx, []domain.Received{item}, inbox.Guard(parseMail, 0))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(a.stdout, "%s: %s\n", name, describeOutcome(outs[0]))
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be read", failed, len(e.args))
	}
	return nil
}

func describeOutcome(o domain.Outcome) string {
	var b strings.Builder
	b.WriteString(string(o.Kind))
	if o.TicketID != 0 {
		b.WriteString(" " + domain.FormatRef(o.TicketID))
	}
	if o.Reason != "" {
		b.WriteString(": " + o.Reason)
	}
	return b.String()
}

// inboxLogJSON is one entry of `inbox log --json`.
type inboxLogJSON struct {
	ID        int64   `json:"id"`
	At        string  `json:"at"`
	Channel   string  `json:"channel"`
	MessageID string  `json:"message_id"`
	From      string  `json:"from"`
	Subject   string  `json:"subject"`
	Reason    string  `json:"reason"`
	Ticket    *string `json:"ticket"`
}

func (a *app) inboxLog(args []string) error {
	f := a.newFlags("inbox log", "inbox log [--limit N] [--json]\n\nMail that made no ticket, and why (auto-replies, bounces, lists, senders outside policy, duplicates).")
	limit := f.Int("limit", 100, "at most this many, newest first (0: all)")
	asJSON := f.Bool("json", false, "print a JSON array")
	f.markOwn()
	e, err := a.open(f, args)
	if err != nil {
		return err
	}
	defer e.Close()
	entries, err := e.d.InboxLog(a.ctx, *limit)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]inboxLogJSON, len(entries))
		for i, en := range entries {
			out[i] = inboxLogJSON{ID: en.ID, At: rfc3339(en.At), Channel: en.Channel, MessageID: en.MessageID, From: en.From,
				Subject: en.Subject, Reason: en.Reason}
			if en.TicketID != 0 {
				ref := domain.FormatRef(en.TicketID)
				out[i].Ticket = &ref
			}
		}
		return writeJSON(a.stdout, out)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tCHANNEL\tFROM\tTICKET\tSUBJECT\tREASON")
	for _, en := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", en.At.UTC().Format("2006-01-02 15:04"), en.Channel, orDash(en.From),
			orDash(ticketRefOrEmpty(en.TicketID)), en.Subject, en.Reason)
	}
	return tw.Flush()
}

func ticketRefOrEmpty(id int64) string {
	if id == 0 {
		return ""
	}
	return domain.FormatRef(id)
}

func (a *app) inboxQuarantine(args []string) error {
	if len(args) == 0 {
		return usagef("want list, show ID or retry ID")
	}
	verb := args[0]
	f := a.newFlags("inbox quarantine "+verb, "inbox quarantine list | show ID [--raw] | retry ID\n\nMail that could not be read or processed, kept whole with the reason.")
	raw := f.Bool("raw", false, "with show: print the whole mail as received")
	f.markOwn()
	e, err := a.open(f, args[1:])
	if err != nil {
		return err
	}
	defer e.Close()
	id := int64(0)
	if verb != "list" {
		if len(e.args) != 1 {
			return usagef("want one quarantine ID")
		}
		if id, err = strconv.ParseInt(e.args[0], 10, 64); err != nil || id <= 0 {
			return usagef("%q is not a quarantine ID", e.args[0])
		}
	}
	switch verb {
	case "list":
		qs, err := e.d.Quarantine(a.ctx, 0)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tAT\tCHANNEL\tFROM\tSUBJECT\tSIZE\tREASON")
		for _, q := range qs {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", q.ID, q.At.UTC().Format("2006-01-02 15:04"), q.Channel,
				orDash(q.From), q.Subject, q.Size, firstLine(q.Reason))
		}
		return tw.Flush()
	case "show":
		q, err := e.d.QuarantinedMail(a.ctx, id)
		if err != nil {
			return err
		}
		if *raw {
			_, err := a.stdout.Write(q.Raw)
			return err
		}
		fmt.Fprintf(a.stdout, "id:         %d\nat:         %s\nchannel:    %s\n", q.ID, rfc3339(q.At), q.Channel)
		if q.Mailbox != "" {
			fmt.Fprintf(a.stdout, "mailbox:    %s (UIDVALIDITY %d, UID %d)\n", q.Mailbox, q.UIDValidity, q.UID)
		}
		fmt.Fprintf(a.stdout, "message-id: %s\nsize:       %d bytes\nreason:     %s\n\n%s\n", q.MessageID, q.Size, q.Reason, headerOf(q.Raw))
		return nil
	case "retry":
		out, err := e.d.RetryQuarantined(a.ctx, id, inbox.Parse)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "quarantined mail %d: %s\n", id, describeOutcome(out))
		return nil
	}
	return usagef("unknown action %q: want list, show or retry", verb)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// headerOf returns the header block of a raw mail (up to 16 KiB of it).
func headerOf(raw []byte) string {
	end := len(raw)
	for _, sep := range [][]byte{[]byte("\r\n\r\n"), []byte("\n\n")} {
		if i := bytes.Index(raw, sep); i >= 0 && i < end {
			end = i
		}
	}
	end = min(end, 16<<10)
	return strings.ToValidUTF8(string(raw[:end]), "?")
}
