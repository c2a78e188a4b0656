package storage_test

import (
	"context"
	"path/filepath"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// FuzzDispatch feeds arbitrary mail facts through Desk.Receive on a real
// SQLite store: it must never panic or hang, every mail gets exactly one
// outcome, and automatic mail never becomes a ticket or a comment.
//
//	go test -run '^$' -fuzz FuzzDispatch -fuzztime 20s ./storage/
func FuzzDispatch(f *testing.F) {
	f.Add("m1@x", "ann@company.test", "Printer", "It jams", "", "", "", "")
	f.Add("m2@x", "ann@company.test", "Re: [TKT-1] Printer", "thanks", "m1@x", "m1@x", "", "")
	f.Add("m3@x", "eve@elsewhere.test", "[TKT-1]", "hijack", "", "", "", "")
	f.Add("m4@x", "ann@company.test", "Out of office", "away", "m1@x", "", "auto-replied", "<>")
	f.Add("", "", "", "", "", "", "", "")
	f.Add("m5@x", "help+apr-x@company.test", "loop", "x", "", "", "", "")
	f.Add("m6@x", "root@company.test", "[tkt-999999999999999999999]", "\x00\xff", "tkt-1.ack.x@company.test", "a b c", "no", "")
	st := storagetest.Open(f, filepath.Join(f.TempDir(), "fuzz.db"))
	d := domain.NewDesk(st, nil, nil, domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}}))
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, id, from, subject, text, inReplyTo, refs, autoSubmitted, returnPath string) {
		in := &domain.Inbound{MessageID: id, From: from, Subject: subject, Text: text, NewText: text, ReturnPath: returnPath}
		if inReplyTo != "" {
			in.InReplyTo = []string{inReplyTo}
		}
		if refs != "" {
			in.References = []string{refs}
		}
		in.Auto.AutoSubmitted = autoSubmitted
		auto, _ := in.Automatic()
		outs, err := d.Receive(ctx, []domain.Received{{Source: domain.Source{Channel: "fuzz"}, Raw: []byte(id + from + subject + text), Mail: in}})
		if err != nil {
			t.Fatalf("Receive: %v", err)
		}
		if len(outs) != 1 {
			t.Fatalf("%d outcomes for one mail", len(outs))
		}
		o := outs[0]
		if auto != domain.AutoNone && (o.Kind == domain.OutcomeTicket || o.Kind == domain.OutcomeComment) {
			t.Fatalf("automatic mail (%s) became %s", auto, o.Kind)
		}
		if (o.Kind == domain.OutcomeTicket || o.Kind == domain.OutcomeComment) && o.TicketID == 0 {
			t.Fatalf("%s without a ticket", o.Kind)
		}
	})
}
