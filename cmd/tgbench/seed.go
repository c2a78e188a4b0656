package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"ticketgate/cmd/internal/benchmail"
	"ticketgate/domain"
	"ticketgate/outbox"
	"ticketgate/storage"
)

func csvReader(r io.Reader) *csv.Reader {
	c := csv.NewReader(r)
	c.FieldsPerRecord = -1
	return c
}

// benchCategory is how the bench's helpdesk sets up one of the data set's
// labels.
type benchCategory struct {
	description string
	keywords    []string
	levels      [][]string // approval levels: approvers (rule all, except a level of one)
}

var benchCategories = map[string]benchCategory{
	"Hardware":              {"Laptops, monitors, printers, docking stations, phones", []string{"laptop", "monitor", "printer", "dock", "keyboard"}, nil},
	"Access":                {"Accounts, passwords, shared folders, VPN", []string{"access", "password", "vpn", "account", "login"}, nil},
	"HR Support":            {"Leave, payroll, onboarding and leavers", []string{"leave", "payroll", "holiday", "contract"}, nil},
	"Storage":               {"Disk space, mailboxes, shared drives, backups", []string{"disk", "storage", "backup", "quota"}, nil},
	"Miscellaneous":         {"Anything else", nil, nil},
	"Internal Project":      {"Internal projects and their tools", []string{"project"}, nil},
	"Purchase":              {"Buying hardware, software and licences", []string{"purchase", "order", "buy", "licence"}, [][]string{{"lead@company.test", "finance@company.test"}, {"cio@company.test"}}},
	"Administrative rights": {"Admin rights on a computer", []string{"admin", "rights", "install"}, [][]string{{"security@company.test"}}},
}

// benchSetup is the setup file of the bench's helpdesk: the data set's
// labels as categories (with keywords, two of them with approval
// levels), the admin, and three agents per category. It returns the
// agents of each category too.
func benchSetup(corpus []labelled) ([]byte, map[string][]string) {
	var f domain.SetupFile
	f.Users = append(f.Users, domain.SetupUser{Email: benchAdmin, Name: "Ada Admin", Role: "admin"})
	agents := map[string][]string{}
	for i, name := range labels(corpus) {
		bc, ok := benchCategories[name]
		if !ok {
			bc = benchCategory{description: name}
		}
		c := domain.SetupCategory{Name: name, Description: bc.description, Keywords: bc.keywords}
		if c.Keywords == nil {
			c.Keywords = []string{}
		}
		for _, l := range bc.levels {
			rule := "all"
			if len(l) == 1 {
				rule = "any"
			}
			c.ApprovalLevels = append(c.ApprovalLevels, domain.SetupLevel{Rule: rule, Approvers: l})
		}
		f.Categories = append(f.Categories, c)
		for j := range 3 {
			a := fmt.Sprintf("agent%d.%d@%s", i, j, benchDomain)
			agents[name] = append(agents[name], a)
			f.Users = append(f.Users, domain.SetupUser{Email: a, Name: fmt.Sprintf("Agent %d.%d", i, j), Role: "agent"})
			f.TeamMembers = append(f.TeamMembers, domain.SetupTeamMember{Email: a, Categories: []string{name}})
		}
	}
	b, _ := json.MarshalIndent(f, "", " ")
	return b, agents
}

// labels are the corpus's labels that stand for a real share of it (the
// data set has a few broken rows), in order.
func labels(corpus []labelled) []string {
	n := map[string]int{}
	for _, l := range corpus {
		n[l.label]++
	}
	var out []string
	for l, c := range n {
		if c*200 >= len(corpus) || len(corpus) < 1000 {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

// seeder writes tickets as the product would have left them, through the
// storage layer: users, tickets, their events, approvals, acknowledgement,
// approval, assignment and resolution mails (rendered by the real composer; those
// older than OUTBOX_RETENTION keep only their headers, as the product's
// retention job leaves them), and the processed-mail marks.
type seeder struct {
	store   *storage.Store
	comp    *outbox.Composer
	corpus  []labelled
	cats    map[string]domain.Category
	agents  map[string][]domain.User
	senders []domain.User
	rng     *rand.Rand
	user    int64 // next free ids
	ticket  int64
	now     time.Time
	headers map[domain.MailKind]oldTemplate // of oldMail
}

func newSeeder(ctx context.Context, store *storage.Store, corpus []labelled, cats []domain.Category, agents map[string][]string, rng *rand.Rand) (*seeder, error) {
	comp, err := outbox.NewComposer(outbox.ComposerConfig{From: benchHelpdesk, FromName: "IT Helpdesk",
		HelpdeskAddress: benchHelpdesk, BaseURL: "https://helpdesk.company.test"})
	if err != nil {
		return nil, err
	}
	sd := &seeder{store: store, comp: comp, corpus: corpus, cats: map[string]domain.Category{}, agents: map[string][]domain.User{},
		rng: rng, now: time.Now().UTC(), headers: map[domain.MailKind]oldTemplate{}}
	for _, c := range cats {
		sd.cats[c.Name] = c
	}
	for cat, emails := range agents {
		for _, e := range emails {
			u, err := store.GetUserByEmail(ctx, e)
			if err != nil {
				return nil, fmt.Errorf("agent %s: %w", e, err)
			}
			sd.agents[cat] = append(sd.agents[cat], *u)
		}
	}
	if sd.user, sd.ticket, err = store.SeedNextIDs(ctx); err != nil {
		return nil, err
	}
	return sd, nil
}

// ensureSenders creates the n requesters user0… (those that do not exist).
func (sd *seeder) ensureSenders(ctx context.Context, n int) error {
	var b storage.Seed
	for i := len(sd.senders); i < n; i++ {
		email := senderAddr(i)
		if u, err := sd.store.GetUserByEmail(ctx, email); err == nil {
			sd.senders = append(sd.senders, *u)
			continue
		}
		u := domain.User{ID: sd.user, Email: email, Name: fmt.Sprintf("User %d", i), Role: domain.RoleEmployee,
			CreatedAt: sd.now.AddDate(-1, 0, 0), UpdatedAt: sd.now.AddDate(-1, 0, 0)}
		sd.user++
		sd.senders = append(sd.senders, u)
		b.Users = append(b.Users, u)
	}
	return sd.store.SeedRows(ctx, &b)
}

// write writes n tickets opened evenly from from to to, in transactions of
// 5,000 tickets. Tickets older than openAfter are resolved or closed;
// younger ones are in every status, as a working helpdesk has them. One
// goroutine makes the rows of a batch while the previous one is written.
func (sd *seeder) write(ctx context.Context, n int, from, to, openAfter time.Time, progress bool) error {
	const batch = 5000
	began := time.Now()
	batches := make(chan *storage.Seed, 1)
	made := make(chan error, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(batches)
		for done := 0; done < n; {
			b := &storage.Seed{}
			k := min(batch, n-done)
			for i := range k {
				at := from.Add(time.Duration(float64(to.Sub(from)) * float64(done+i) / float64(n)))
				if err := sd.one(b, done+i, at, !at.Before(openAfter)); err != nil {
					made <- err
					return
				}
			}
			done += k
			select {
			case batches <- b:
			case <-ctx.Done():
				return
			}
		}
		made <- nil
	}()
	done := 0
	for b := range batches {
		if err := sd.store.SeedRows(ctx, b); err != nil {
			return err
		}
		done += len(b.Tickets)
		if progress && (done%100000 == 0 || done == n) {
			fmt.Printf("seed: %d of %d tickets (%.0f s)\n", done, n, time.Since(began).Seconds())
		}
	}
	return <-made
}

// retention is OUTBOX_RETENTION's default: mail sent before it keeps its
// headers only.
var retention = domain.DefaultOutboxRetention

func (sd *seeder) one(b *storage.Seed, i int, at time.Time, open bool) error {
	row := sd.corpus[sd.rng.IntN(len(sd.corpus))]
	cat, ok := sd.cats[row.label]
	if !ok {
		for _, c := range sd.cats {
			cat = c
			break
		}
	}
	req := sd.senders[i%len(sd.senders)]
	subject := benchmail.Subject(row.text)
	t := domain.Ticket{ID: sd.ticket, Subject: subject, Body: "Hello,\n\n" + row.text + "\n\nThanks\n" + req.Name,
		RequesterID: req.ID, Requester: req.Email, CategoryID: cat.ID, Category: cat.Name, ClassMethod: domain.MethodLocal,
		ClassConfidence: 0.55 + 0.44*sd.rng.Float64(), MessageID: fmt.Sprintf("seed-%d@%s", sd.ticket, benchDomain),
		CreatedAt: at, UpdatedAt: at}
	sd.ticket++
	agents := sd.agents[cat.Name]
	agent := agents[sd.rng.IntN(len(agents))]
	step := func(d time.Duration) time.Time { at = at.Add(d); return at }
	ev := func(kind domain.EventKind, actor, detail string) {
		b.Events = append(b.Events, domain.Event{TicketID: t.ID, At: at, Kind: kind, Actor: actor, Detail: detail})
	}
	mail := func(kind domain.MailKind, to, toName string, token string) error {
		sent := at.Add(2 * time.Second)
		if sent.Before(sd.now.Add(-retention)) {
			// Its body was dropped: the headers are all there is to write.
			m, err := sd.oldMail(kind, to, toName, &t, sent)
			if err != nil {
				return err
			}
			b.Mail = append(b.Mail, *m)
			return nil
		}
		m, err := sd.comp.Compose(context.Background(), domain.Mail{Kind: kind, To: to, ToName: toName, Ticket: &t,
			Token: token, InReplyTo: map[bool]string{true: t.MessageID}[kind == domain.MailTicketReceived]})
		if err != nil {
			return err
		}
		m.TicketID, m.CreatedAt, m.NextAttemptAt = t.ID, at, at
		m.Status, m.Attempts, m.SentAt = domain.OutboxSent, 1, &sent
		b.Mail = append(b.Mail, *m)
		return nil
	}
	b.Processed = append(b.Processed, domain.ProcessedMail{MessageID: t.MessageID, TicketID: t.ID, At: at})
	ev(domain.EventReceived, req.Email, "opened by mail from "+req.Email)
	t.Status = domain.StatusTriage
	if err := mail(domain.MailTicketReceived, req.Email, req.Name, ""); err != nil {
		return err
	}
	roll := sd.rng.Float64()
	if open && roll < 0.08 {
		// Left in triage: below the threshold.
		t.CategoryID, t.Category, t.ClassConfidence = 0, "", 0.3+0.2*sd.rng.Float64()
		step(50 * time.Millisecond)
		ev(domain.EventTriaged, "system", fmt.Sprintf("left in triage for an admin: confidence %.2f by local is below 0.55", t.ClassConfidence))
		b.Tickets = append(b.Tickets, t)
		return nil
	}
	step(50 * time.Millisecond)
	ev(domain.EventClassified, "system", fmt.Sprintf("classified as %s by local, confidence %.2f", cat.Name, t.ClassConfidence))
	for lv, level := range cat.ApprovalLevels {
		t.Status, t.ApprovalLevel = domain.StatusAwaitingApproval, lv+1
		ev(domain.EventApprovalRequested, "system", fmt.Sprintf("approval level %d requested from %s", lv+1, strings.Join(level.Approvers, ", ")))
		pending := open && roll < 0.15
		for _, a := range level.Approvers {
			ap := domain.Approval{TicketID: t.ID, Level: lv + 1, Rule: level.Rule, Approver: a, Decision: domain.DecisionPending, CreatedAt: at}
			if err := mail(domain.MailApprovalNeeded, a, "", fmt.Sprintf("%x", sd.rng.Uint64())); err != nil {
				return err
			}
			if !pending {
				decided := at.Add(3 * time.Hour)
				ap.Decision, ap.Via, ap.DecidedAt = domain.DecisionApproved, domain.ViaEmail, &decided
			}
			b.Approvals = append(b.Approvals, ap)
		}
		if pending {
			b.Tickets = append(b.Tickets, t)
			return nil
		}
		step(3 * time.Hour)
		ev(domain.EventApproved, "system", fmt.Sprintf("approval level %d approved", lv+1))
	}
	t.Status, t.ApprovalLevel, t.AssigneeID, t.Assignee = domain.StatusAssigned, 0, agent.ID, agent.Email
	step(10 * time.Millisecond)
	ev(domain.EventAssigned, "system", fmt.Sprintf("assigned to %s (%d open tickets, %d candidates)", agent.Email, sd.rng.IntN(30), len(agents)))
	// The agent hears of the ticket, the requester of the agent.
	if err := mail(domain.MailAssigned, agent.Email, agent.Name, ""); err != nil {
		return err
	}
	if err := mail(domain.MailAssignedRequester, req.Email, req.Name, ""); err != nil {
		return err
	}
	t.UpdatedAt = at
	if open && roll < 0.7 {
		b.Tickets = append(b.Tickets, t)
		return nil
	}
	step(time.Duration(1+sd.rng.IntN(72)) * time.Hour)
	t.Status = domain.StatusResolved
	ev(domain.EventResolved, agent.Email, "resolved by "+agent.Email)
	if err := mail(domain.MailResolved, req.Email, req.Name, ""); err != nil {
		return err
	}
	if reopenWithin := 14 * 24 * time.Hour; at.Before(sd.now.Add(-reopenWithin)) {
		step(reopenWithin)
		t.Status = domain.StatusClosed
		ev(domain.EventClosed, "system", "closed: resolved 14 days ago")
	}
	t.UpdatedAt = at
	b.Tickets = append(b.Tickets, t)
	return nil
}

// Placeholders of oldMail's header sections.
const (
	phID      = 987654321
	phSubject = "subject-placeholder"
	phTo      = "to-placeholder@example.invalid"
	phName    = "Name Placeholder"
)

var phDate = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// oldMail is a sent mail of kind whose body the retention job dropped:
// the header section the composer renders for the kind (rendered once
// with placeholders, which are then replaced: composing a million mails
// only to drop their bodies would take most of the seeding's time).
func (sd *seeder) oldMail(kind domain.MailKind, to, toName string, t *domain.Ticket, sent time.Time) (*domain.OutboxMessage, error) {
	tmpl, ok := sd.headers[kind]
	if !ok {
		comp, err := outbox.NewComposer(outbox.ComposerConfig{From: benchHelpdesk, FromName: "IT Helpdesk",
			HelpdeskAddress: benchHelpdesk, BaseURL: "https://helpdesk.company.test", Now: func() time.Time { return phDate }})
		if err != nil {
			return nil, err
		}
		ph := *t
		ph.ID, ph.Subject = phID, phSubject
		m, err := comp.Compose(context.Background(), domain.Mail{Kind: kind, To: phTo, ToName: phName, Ticket: &ph,
			Token: "tokenplaceholder", InReplyTo: map[bool]string{true: t.MessageID}[kind == domain.MailTicketReceived]})
		if err != nil {
			return nil, err
		}
		tmpl = oldTemplate{raw: string(domain.HeaderSection(m.Raw)), subject: m.Subject, messageID: m.MessageID}
		sd.headers[kind] = tmpl
	}
	ref := domain.FormatRef(t.ID)
	random := fmt.Sprintf("%016x", sd.rng.Uint64())
	r := strings.NewReplacer(domain.FormatRef(phID), ref, strings.ToLower(domain.FormatRef(phID)), strings.ToLower(ref),
		phSubject, t.Subject, phTo, to, phName, toName, phDate.Format(time.RFC1123Z), sent.Format(time.RFC1123Z),
		"tokenplaceholder", random)
	dropped := sent.Add(retention)
	return &domain.OutboxMessage{TicketID: t.ID, Kind: string(kind), To: to, Subject: r.Replace(tmpl.subject),
		MessageID: r.Replace(tmpl.messageID), Raw: []byte(r.Replace(tmpl.raw)), Status: domain.OutboxSent, Attempts: 1,
		NextAttemptAt: sent, CreatedAt: sent.Add(-2 * time.Second), SentAt: &sent, BodyDroppedAt: &dropped}, nil
}

type oldTemplate struct{ raw, subject, messageID string }

// seedHistory writes n resolved tickets of the last 180 days: what the
// helpdesk's classifier learns from.
func seedHistory(ctx context.Context, store *storage.Store, n int, corpus []labelled, cats []domain.Category, agents map[string][]string, rng *rand.Rand) error {
	if n == 0 {
		return nil
	}
	sd, err := newSeeder(ctx, store, corpus, cats, agents, rng)
	if err != nil {
		return err
	}
	if err := sd.ensureSenders(ctx, min(n, 3000)); err != nil {
		return err
	}
	now := sd.now
	if err := sd.write(ctx, n, now.AddDate(0, -6, 0), now.Add(-15*24*time.Hour), now, false); err != nil {
		return err
	}
	return store.SeedDone(ctx)
}

// seedDirect writes all o.tickets through the storage layer, opened over
// the last year; those of the last two weeks are still open in every
// status.
func seedDirect(ctx context.Context, store *storage.Store, o *benchOpts, corpus []labelled, cats []domain.Category, agents map[string][]string, rng *rand.Rand) error {
	sd, err := newSeeder(ctx, store, corpus, cats, agents, rng)
	if err != nil {
		return err
	}
	if err := sd.ensureSenders(ctx, o.senders); err != nil {
		return err
	}
	now := sd.now
	if err := sd.write(ctx, o.tickets, now.AddDate(-1, 0, 0), now.Add(-time.Minute), now.Add(-14*24*time.Hour), true); err != nil {
		return err
	}
	return store.SeedDone(ctx)
}
