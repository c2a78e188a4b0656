package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"ticketgate/domain"
	"ticketgate/inbox"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// refusalDesk is the Desk serve builds from env (deskOptions), over st,
// with a clock the test moves.
func refusalDesk(t *testing.T, st *storage.Store, clock domain.Clock, env map[string]string) *domain.Desk {
	t.Helper()
	base := map[string]string{"HELPDESK_ADDRESS": "help@company.test", "HELPDESK_NAME": "IT Helpdesk",
		"ALLOWED_SENDER_DOMAINS": "company.test", "SMTP_URL": "smtp://relay.test:25"}
	for k, v := range env {
		base[k] = v
	}
	c, err := loadConfig(envOf(base), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := deskOptions(c, c.SMTPURL != "")
	if err != nil {
		t.Fatal(err)
	}
	return domain.NewDesk(st, clock, storagetest.Logger(t), opts...)
}

// receiveRaw parses raw with the real parser and takes it in by SMTP.
func receiveRaw(t *testing.T, d *domain.Desk, raw string) domain.Outcome {
	t.Helper()
	in, err := inbox.Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	outs, err := d.Receive(context.Background(), []domain.Received{{Source: domain.Source{Channel: "smtp"}, Raw: []byte(raw), Mail: in}})
	if err != nil || len(outs) != 1 {
		t.Fatalf("receive: %v, %v", outs, err)
	}
	return outs[0]
}

// decodedMail is a composed mail's subject and the decoded text of every
// part, so a search sees through quoted-printable and encoded words.
func decodedMail(t *testing.T, raw []byte) (subject, text string) {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, err = r.Header.Subject()
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	return subject, all.String()
}

// TestRefusalEchoesNothing: a forged outside sender's subject, name and
// text, URLs and all, never come back in the refusal (which would make us
// relay spam to whoever the From names): its subject is fixed and its body
// names only the helpdesk.
func TestRefusalEchoesNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		st := storagetest.Open(t, db.URL)
		d := refusalDesk(t, st, storagetest.NewClock(mt0), nil)
		tests := []struct {
			name, subject, fromName string
			marks                   []string // none may appear in the refusal
		}{
			{"url", "Cheap pills at http://evil.test/buy?x=1", "", []string{"evil", "pills", "buy"}},
			{"bare domain", "visit spamvertised.example now", "", []string{"spamvertised", "visit"}},
			{"encoded word", "=?utf-8?B?V2luIGEgcHJpemUgYXQgaHR0cHM6Ly9sb3R0ZXJ5LmV4YW1wbGU=?=", "", []string{"prize", "lottery", "Win"}},
			{"html", "<a href=\"http://phish.example\">Reset your password</a>", "", []string{"phish", "Reset", "href"}},
			{"header injection", "hello\r\n\tBcc: victim@target.example", "", []string{"victim", "target.example", "Bcc"}},
			{"display name", "Invoice", "Call +1 555 0100 at scam.example", []string{"scam", "555", "Invoice"}},
			{"long", strings.Repeat("casino.example ", 60), "", []string{"casino"}},
			{"re prefix", "Re: your account at bank.example is locked", "", []string{"bank", "locked"}},
		}
		for i, tt := range tests {
			from := fmt.Sprintf("x%d@elsewhere.test", i)
			if tt.fromName != "" {
				from = fmt.Sprintf("%q <%s>", tt.fromName, from)
			}
			raw := fmt.Sprintf("From: %s\r\nTo: help@company.test\r\nSubject: %s\r\nMessage-Id: <hostile-%d@elsewhere.test>\r\n\r\nClick http://body-link.example/now\r\n",
				from, tt.subject, i)
			if o := receiveRaw(t, d, raw); o.Kind != domain.OutcomeLogged {
				t.Fatalf("%s: %+v, want logged", tt.name, o)
			}
			var refusal *domain.OutboxMessage
			for _, m := range outboxRows(t, st) {
				if m.Kind == string(domain.MailRefusal) && m.To == fmt.Sprintf("x%d@elsewhere.test", i) {
					refusal = &m
				}
			}
			if refusal == nil {
				t.Fatalf("%s: no refusal", tt.name)
			}
			subject, text := decodedMail(t, refusal.Raw)
			if subject != "Your message to IT Helpdesk" || refusal.Subject != subject {
				t.Errorf("%s: refusal subject %q (row %q), want the fixed one", tt.name, subject, refusal.Subject)
			}
			whole := strings.ToLower(subject + "\n" + text + "\n" + string(refusal.Raw))
			for _, mark := range append(tt.marks, "body-link", "click") {
				if strings.Contains(whole, strings.ToLower(mark)) {
					t.Errorf("%s: the refusal contains %q:\n%s", tt.name, mark, text)
				}
			}
			if !strings.Contains(text, "help@company.test") || !strings.Contains(text, "IT Helpdesk") {
				t.Errorf("%s: the refusal does not name the helpdesk:\n%s", tt.name, text)
			}
		}
	})
}

// TestRefusalsPerHour: REFUSALS_PER_HOUR refusals go out in an hour, all
// senders together; the next refused sender gets no mail, only the inbox
// log's note; an hour later refusals go out again, and one address is
// still refused once a day.
func TestRefusalsPerHour(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		st := storagetest.Open(t, db.URL)
		clock := storagetest.NewClock(mt0)
		d := refusalDesk(t, st, clock, nil) // the default, 60
		refusals := func() int {
			n := 0
			for _, m := range outboxRows(t, st) {
				if m.Kind == string(domain.MailRefusal) {
					n++
				}
			}
			return n
		}
		mails := 0
		send := func(sender int) domain.Outcome {
			mails++
			return receiveRaw(t, d, fmt.Sprintf("From: s%d@elsewhere.test\r\nTo: help@company.test\r\nSubject: hi\r\nMessage-Id: <cap-%d@elsewhere.test>\r\n\r\nhi\r\n", sender, mails))
		}
		for i := 1; i <= domain.DefaultRefusalsPerHour; i++ {
			if o := send(i); strings.Contains(o.Reason, "REFUSALS_PER_HOUR") {
				t.Fatalf("sender %d: %+v", i, o)
			}
			clock.Advance(time.Second)
		}
		if n := refusals(); n != 60 {
			t.Fatalf("%d refusals for 60 senders", n)
		}
		o := send(61)
		if n := refusals(); n != 60 {
			t.Errorf("the 61st sender in an hour got a refusal: %d refusals", n)
		}
		const note = "refusal not sent: REFUSALS_PER_HOUR reached"
		if o.Kind != domain.OutcomeLogged || !strings.Contains(o.Reason, note) || !strings.Contains(o.Reason, "outside ALLOWED_SENDER_DOMAINS") {
			t.Errorf("the 61st sender: %+v", o)
		}
		log, err := st.ListInboxLog(ctx, 1)
		if err != nil || len(log) != 1 || log[0].From != "s61@elsewhere.test" || !strings.Contains(log[0].Reason, note) {
			t.Fatalf("inbox log = %+v, %v", log, err)
		}
		// The 61st was not marked refused: once the first refusals leave
		// the window, it gets its refusal.
		clock.Advance(time.Hour - 59*time.Second)
		if o := send(61); strings.Contains(o.Reason, note) {
			t.Errorf("an hour after the first refusals: %+v", o)
		}
		if n := refusals(); n != 61 {
			t.Errorf("an hour after the first refusals: %d refusals, want 61", n)
		}
		// Still one a day per address.
		send(1)
		if n := refusals(); n != 61 {
			t.Errorf("sender 1 refused twice in a day: %d refusals", n)
		}
	})
}

// TestRefusalsPerHourZero: REFUSALS_PER_HOUR=0 sends no refusal at all.
func TestRefusalsPerHourZero(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		st := storagetest.Open(t, db.URL)
		d := refusalDesk(t, st, storagetest.NewClock(mt0), map[string]string{"REFUSALS_PER_HOUR": "0"})
		o := receiveRaw(t, d, "From: s@elsewhere.test\r\nTo: help@company.test\r\nSubject: hi\r\nMessage-Id: <zero@elsewhere.test>\r\n\r\nhi\r\n")
		if !strings.Contains(o.Reason, "REFUSALS_PER_HOUR reached") {
			t.Errorf("outcome %+v", o)
		}
		if rows := outboxRows(t, st); len(rows) != 0 {
			t.Errorf("REFUSALS_PER_HOUR=0 sent %d mails", len(rows))
		}
	})
}

// TestRefusalsPerHourAcrossInstances: instances on one database refusing
// at once, in batches (one transaction each), share REFUSALS_PER_HOUR:
// exactly the cap goes out.
func TestRefusalsPerHourAcrossInstances(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		const limit, workers, batches, batch = 10, 6, 3, 5
		stores := []*storage.Store{storagetest.Open(t, db.URL), storagetest.Open(t, db.URL)}
		type result struct {
			capped int
			err    error
		}
		results := make(chan result, workers)
		for w := range workers {
			d := refusalDesk(t, stores[w%2], storagetest.NewClock(mt0), map[string]string{"REFUSALS_PER_HOUR": "10"})
			go func() {
				var r result
				for b := range batches {
					var items []domain.Received
					for i := range batch {
						raw := fmt.Sprintf("From: w%d-%d-%d@elsewhere.test\r\nTo: help@company.test\r\nSubject: hi\r\nMessage-Id: <par-%d-%d-%d@elsewhere.test>\r\n\r\nhi\r\n", w, b, i, w, b, i)
						in, err := inbox.Parse([]byte(raw))
						if err != nil {
							r.err = err
							break
						}
						items = append(items, domain.Received{Source: domain.Source{Channel: "smtp"}, Raw: []byte(raw), Mail: in})
					}
					outs, err := d.Receive(context.Background(), items)
					if err != nil || len(outs) != batch {
						r.err = fmt.Errorf("receive: %d outcomes, %v", len(outs), err)
						break
					}
					for _, o := range outs {
						if strings.Contains(o.Reason, "REFUSALS_PER_HOUR reached") {
							r.capped++
						}
					}
				}
				results <- r
			}()
		}
		capped := 0
		for range workers {
			r := <-results
			if r.err != nil {
				t.Fatal(r.err)
			}
			capped += r.capped
		}
		n := 0
		for _, m := range outboxRows(t, stores[0]) {
			if m.Kind == string(domain.MailRefusal) {
				n++
			}
		}
		const total = workers * batches * batch
		if n != limit || capped != total-limit {
			t.Errorf("%d refusals and %d capped of %d senders, want %d and %d", n, capped, total, limit, total-limit)
		}
	})
}
