package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// unsureClassifier leaves every ticket in triage with Access as its best
// guess.
type unsureClassifier struct{}

func (unsureClassifier) Classify(context.Context, string, string, []domain.Category) (domain.Classification, error) {
	return domain.Classification{Category: "Access", Confidence: 0.41, Method: domain.MethodLocal,
		Candidates: []domain.Candidate{{Category: "Access", Confidence: 0.41}, {Category: "Hardware", Confidence: 0.2}}}, nil
}

// TestMailVolumeJobs: with the Desk serve builds from the configuration,
// ACKS_PER_SENDER_PER_HOUR skips the third acknowledgement to one sender,
// the scheduled jobs mail the admin one rendered digest per
// TRIAGE_DIGEST_INTERVAL listing what waits, and drop the bodies of sent
// mail after OUTBOX_RETENTION, which `outbox show` then says.
func TestMailVolumeJobs(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		st := storagetest.Open(t, db.URL)
		env := map[string]string{"DATABASE_URL": db.URL, "TRIAGE_DIGEST_INTERVAL": "10m", "ACKS_PER_SENDER_PER_HOUR": "2",
			"OUTBOX_RETENTION": "1h"}
		c, err := loadConfig(envOf(env), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		opts, err := deskOptions(c, c.SMTPURL != "")
		if err != nil {
			t.Fatal(err)
		}
		clock := storagetest.NewClock(mt0)
		d := domain.NewDesk(st, clock, storagetest.Logger(t), append(opts, domain.WithClassifier(unsureClassifier{}, 0.6))...)
		root := &domain.User{Email: "root@localhost", Name: "Root", Role: domain.RoleAdmin, CreatedAt: mt0, UpdatedAt: mt0}
		if err := st.CreateUser(ctx, root); err != nil {
			t.Fatal(err)
		}

		var refs []string
		for i := range 3 {
			tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "Printer " + strconv.Itoa(i), From: "ann@localhost"})
			if err != nil {
				t.Fatal(err)
			}
			refs = append(refs, tk.Ref())
		}
		if n, err := d.ClassifyPending(ctx); err != nil || n != 3 {
			t.Fatalf("ClassifyPending = %d, %v", n, err)
		}
		kinds := map[string]int{}
		for _, m := range outboxRows(t, st) {
			kinds[m.Kind]++
		}
		if kinds[string(domain.MailTicketReceived)] != 2 || kinds[string(domain.MailTriageNotice)] != 0 {
			t.Errorf("outbox after three tickets = %v, want two acknowledgements and no triage notice", kinds)
		}

		rep, err := d.RunJobs(ctx)
		if err != nil || rep.Digests != 1 {
			t.Fatalf("RunJobs = %+v, %v; want one digest", rep, err)
		}
		digest := outboxRows(t, st)[2]
		text, err := textPart(digest.Raw)
		if err != nil {
			t.Fatal(err)
		}
		if digest.Kind != string(domain.MailTriageNotice) || digest.To != "root@localhost" || digest.TicketID != 0 ||
			!strings.Contains(text, "3 tickets wait in triage") {
			t.Fatalf("digest = %s to %s (ticket %d):\n%s", digest.Kind, digest.To, digest.TicketID, text)
		}
		for i, ref := range refs {
			if want := "- " + ref + ` "Printer ` + strconv.Itoa(i) + `": best guess Access 0.41`; !strings.Contains(text, want) {
				t.Errorf("digest lacks %q:\n%s", want, text)
			}
		}
		if rep, _ := d.RunJobs(ctx); rep.Digests != 0 {
			t.Errorf("a second run sent %d digests", rep.Digests)
		}

		// Sent an hour and more ago: the bodies go, the headers stay.
		for _, m := range outboxRows(t, st) {
			at := clock.Now()
			m.Status, m.SentAt = domain.OutboxSent, &at
			if err := st.UpdateOutbox(ctx, &m); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(61 * time.Minute)
		if _, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "Scanner", From: "bob@localhost"}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ClassifyPending(ctx); err != nil {
			t.Fatal(err)
		}
		rep, err = d.RunJobs(ctx)
		if err != nil || rep.BodiesDropped != 3 || rep.Digests != 1 {
			t.Fatalf("RunJobs an hour later = %+v, %v; want 3 bodies dropped and a new digest", rep, err)
		}
		out, errOut, code := runCLI(t, env, "", "outbox", "show", strconv.FormatInt(digest.ID, 10))
		if code != 0 || !strings.Contains(out, "body:         dropped 2026-11-27T10:01:00Z after OUTBOX_RETENTION") ||
			!strings.Contains(out, "Subject: Triage: 3 tickets waiting") || strings.Contains(out, "best guess") {
			t.Errorf("outbox show of a dropped body: %d %s\n%s", code, errOut, out)
		}
		// The new digest's body is there.
		rows := outboxRows(t, st)
		out, _, _ = runCLI(t, env, "", "outbox", "show", strconv.FormatInt(rows[len(rows)-1].ID, 10))
		if !strings.Contains(out, "best guess Access 0.41") || strings.Contains(out, "dropped") {
			t.Errorf("outbox show of a kept body:\n%s", out)
		}
	})
}
