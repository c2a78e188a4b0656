package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"ticketgate/domain"
)

func (a *app) cmdTicket(args []string) error {
	if len(args) == 0 {
		return usagef("want list, show or merge")
	}
	switch args[0] {
	case "list":
		return a.ticketList(args[1:])
	case "show":
		return a.ticketShow(args[1:])
	case "merge":
		return a.ticketMerge(args[1:])
	}
	return usagef("unknown action %q: want list, show or merge", args[0])
}

// ticketMerge is `ticket merge B --into A` (domain/merge.go): the
// operator's merge, recorded as by the system, refused as in the portal.
func (a *app) ticketMerge(args []string) error {
	f := a.newFlags("ticket merge", "ticket merge REF --into REF")
	into := f.String("into", "", "the ticket REF is merged into")
	f.markOwn()
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *into == "" {
		return usagef("want one ticket reference and --into, like: ticket merge TKT-13 --into TKT-12")
	}
	from, err := domain.ParseRef(pos[0])
	if err != nil {
		return usagef("%v", strings.TrimPrefix(err.Error(), domain.ErrInvalid.Error()+": "))
	}
	to, err := domain.ParseRef(*into)
	if err != nil {
		return usagef("--into: %v", strings.TrimPrefix(err.Error(), domain.ErrInvalid.Error()+": "))
	}
	e, err := a.open(f, nil)
	if err != nil {
		return err
	}
	defer e.Close()
	if err := e.d.Merge(a.ctx, from, to, domain.SystemActor); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s merged into %s\n", domain.FormatRef(from), domain.FormatRef(to))
	return nil
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (a *app) ticketList(args []string) error {
	f := a.newFlags("ticket list", "ticket list [--status S] [--limit N] [--json]")
	status := f.String("status", "", "only tickets in this status")
	limit := f.Int("limit", 0, "at most this many, newest first (0: all)")
	asJSON := f.Bool("json", false, "print a JSON array")
	f.markOwn()
	if _, err := f.parse(args); err != nil {
		return err
	}
	var filter domain.TicketQuery
	if *status != "" {
		s, err := domain.ParseStatus(*status)
		if err != nil {
			return usagef("--status: %v", strings.TrimPrefix(err.Error(), domain.ErrInvalid.Error()+": "))
		}
		filter.Status = s
	}
	if *limit < 0 {
		return usagef("--limit must not be negative")
	}
	filter.Limit = *limit
	e, err := a.open(f, nil)
	if err != nil {
		return err
	}
	defer e.Close()
	tickets, err := e.d.Tickets(a.ctx, filter)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]domain.TicketJSON, len(tickets))
		for i := range tickets {
			out[i] = domain.NewTicketJSON(&tickets[i], e.c.HelpdeskAddress)
		}
		return writeJSON(a.stdout, out)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REF\tSTATUS\tCATEGORY\tREQUESTER\tASSIGNEE\tUPDATED\tSUBJECT")
	for _, t := range tickets {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Ref(), t.Status, orDash(t.Category), t.Requester,
			orDash(t.Assignee), t.UpdatedAt.UTC().Format("2006-01-02 15:04"), t.Subject)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (a *app) ticketShow(args []string) error {
	f := a.newFlags("ticket show", "ticket show REF [--json]")
	asJSON := f.Bool("json", false, "print JSON")
	f.markOwn()
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one ticket reference, like TKT-12")
	}
	id, err := domain.ParseRef(pos[0])
	if err != nil {
		return usagef("%v", strings.TrimPrefix(err.Error(), domain.ErrInvalid.Error()+": "))
	}
	e, err := a.open(f, nil)
	if err != nil {
		return err
	}
	defer e.Close()
	detail, err := e.d.Ticket(a.ctx, id)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(a.stdout, domain.NewTicketDetailJSON(detail, e.c.HelpdeskAddress))
	}
	t := detail.Ticket
	w := a.stdout
	fmt.Fprintf(w, "%s  %s\n", t.Ref(), t.Subject)
	fmt.Fprintf(w, "status:     %s", t.Status)
	if t.ApprovalLevel > 0 {
		fmt.Fprintf(w, " (level %d)", t.ApprovalLevel)
	}
	if t.MergedInto != 0 {
		fmt.Fprintf(w, " (merged into %s)", domain.FormatRef(t.MergedInto))
	}
	fmt.Fprintf(w, "\ncategory:   %s", orDash(t.Category))
	if t.ClassMethod != "" {
		fmt.Fprintf(w, " (%s, confidence %.2f)", t.ClassMethod, t.ClassConfidence)
	}
	fmt.Fprintf(w, "\nrequester:  %s\nassignee:   %s\nmailbox:    %s\ncreated:    %s\nupdated:    %s\n\n%s\n",
		t.Requester, orDash(t.Assignee), cmp.Or(t.Mailbox, e.c.HelpdeskAddress), rfc3339(t.CreatedAt), rfc3339(t.UpdatedAt), strings.TrimSpace(t.Body))
	if len(detail.Attachments) > 0 {
		fmt.Fprintln(w, "\nAttachments:")
		for _, at := range detail.Attachments {
			internal := ""
			if at.Internal {
				internal = ", internal"
			}
			fmt.Fprintf(w, "  %s (%s, %d bytes%s)\n", at.Name, at.ContentType, at.Size, internal)
		}
	}
	if len(detail.Approvals) > 0 {
		fmt.Fprintln(w, "\nApprovals:")
		for _, ap := range detail.Approvals {
			fmt.Fprintf(w, "  level %d (%s)  %s  %s", ap.Level, ap.Rule, ap.Approver, ap.Decision)
			if ap.Via != "" {
				fmt.Fprintf(w, " by %s", ap.Via)
			}
			if ap.Comment != "" {
				fmt.Fprintf(w, ": %s", ap.Comment)
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintln(w, "\nHistory:")
	for _, ev := range detail.Events {
		from := ""
		if ev.MergedFrom != 0 {
			from = " (from " + domain.FormatRef(ev.MergedFrom) + ")"
		}
		fmt.Fprintf(w, "  %s  %-18s %s%s: %s\n", ev.At.UTC().Format("2006-01-02 15:04:05"), ev.Kind, ev.Actor, from, ev.Detail)
	}
	return nil
}
