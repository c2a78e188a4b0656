package domain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
)

// Source says where a mail came from.
type Source struct {
	Channel string // imap, smtp, lmtp, import
	Mailbox string // IMAP mailbox key ("" for other channels)
	// Address is the address the mail was received for: the IMAP
	// poller's mailbox, or the receiver's recipient; "" (or
	// HELPDESK_ADDRESS) for the default mailbox. A new ticket keeps it
	// (Ticket.Mailbox).
	Address     string
	UIDValidity uint32
	UID         uint32
	// Rescan is set while a mailbox is read again from the start (its
	// UIDVALIDITY changed): mail seen before is then expected, not logged.
	Rescan bool
}

// Received is one mail to take in: its bytes, and what the parser made of
// them (Mail nil and ParseError set when it could not).
type Received struct {
	Source     Source
	Raw        []byte
	Mail       *Inbound
	ParseError error
	// Key is the mail's InFlightKey when Intake recorded it in flight:
	// the transaction that commits the mail removes that record.
	Key string
	// class is the mail's classification, made before its transaction
	// when the Desk classifies at intake (see prepare).
	class *preClassified
}

// OutcomeKind says what a received mail became.
type OutcomeKind string

// Outcomes of Receive.
const (
	OutcomeTicket      OutcomeKind = "ticket"      // a new ticket
	OutcomeComment     OutcomeKind = "comment"     // a comment on a ticket
	OutcomeLogged      OutcomeKind = "logged"      // no ticket: in the inbox log with its reason
	OutcomeDuplicate   OutcomeKind = "duplicate"   // seen before: nothing changed but the log
	OutcomeQuarantined OutcomeKind = "quarantined" // unreadable or unprocessable: kept whole
)

// Outcome is what one received mail became.
type Outcome struct {
	Kind     OutcomeKind
	TicketID int64 // the ticket it made or joined, if any
	Reason   string
}

// HashMessageID is the stable Message-ID given to a mail that has none, or
// that cannot be parsed: the same bytes always get the same id.
func HashMessageID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "sha256-" + hex.EncodeToString(sum[:]) + "@ticketgate.invalid"
}

// Receive takes in a batch of mails, in order, exactly once each: every
// mail's ticket or event commits together with its processed record (and,
// for IMAP, the mailbox's highest UID), so a crash at any instant loses and
// duplicates nothing. The batch commits as one transaction when it can; if
// any mail fails, the batch is retried one mail per transaction, and a mail
// that still fails while the database is healthy is quarantined with the
// reason, so it never blocks the ones after it. A panic while deciding one
// mail is that mail's failure: it is quarantined with the panic message.
// The in-flight records of the items (see Intake) go in the same
// transaction as the mails.
//
// Receive returns one outcome per mail committed, in order. An error means
// the database is unusable: outcomes[len(outcomes):] were not committed and
// must be offered again later.
func (d *Desk) Receive(ctx context.Context, items []Received) ([]Outcome, error) {
	var outs []Outcome
	var classified map[int64]bool
	d.prepare(ctx, items, nil)
	d.readLeaveBefore(ctx, d.categoriesOf(ctx, items)...)
	err := d.store.InTx(ctx, func(ctx context.Context, dbtx Store) error {
		outs = outs[:0]
		tx := newBatchTx(dbtx)
		if d.composer != nil {
			tx.renderWith(d.composer)
			defer tx.stopRendering()
		}
		pre, err := d.prefetch(ctx, tx, items)
		if err != nil {
			return err
		}
		pre.inline = d.classify != nil && d.classify.inline
		pre.routeNow = true
		classified = pre.classified
		if d.mailing() {
			if err := tx.countAcks(ctx, items, d.clock.Now()); err != nil {
				return err
			}
		}
		for i, it := range items {
			o, err := d.receiveGuarded(ctx, tx, it, pre.at(i))
			if err != nil {
				return err
			}
			outs = append(outs, o)
		}
		if err := tx.flush(ctx); err != nil {
			return err
		}
		if err := d.saveMailboxStates(ctx, dbtx, items); err != nil {
			return err
		}
		return dbtx.DeleteInFlight(ctx, inFlightKeys(items))
	})
	if err == nil {
		d.afterCommit(ctx, outs, classified)
		return outs, nil
	}
	// Each mail is tried once more in a transaction of its own before it
	// is blamed: a concurrent writer may have won a race (two mails of a
	// new sender creating the same user on PostgreSQL, a deadlock), which
	// a second try does not meet again.
	outs = nil
	for _, it := range items {
		o, err := d.receiveOrQuarantine(ctx, it)
		if err != nil {
			return outs, err
		}
		outs = append(outs, o...)
	}
	return outs, nil
}

// receiveOrQuarantine takes in one mail in its own transaction, or
// quarantines it when it fails for a reason of its own.
func (d *Desk) receiveOrQuarantine(ctx context.Context, it Received) ([]Outcome, error) {
	var o Outcome
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		pre, err := d.prefetch(ctx, tx, []Received{it})
		if err != nil {
			return err
		}
		if o, err = d.receiveGuarded(ctx, tx, it, pre.at(0)); err != nil {
			return err
		}
		if err := d.saveMailboxStates(ctx, tx, []Received{it}); err != nil {
			return err
		}
		return tx.DeleteInFlight(ctx, inFlightKeys([]Received{it}))
	})
	if err == nil {
		d.afterCommit(ctx, []Outcome{o}, nil)
		return []Outcome{o}, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	// A failure while the database answers is this mail's own: keep it in
	// quarantine and go on. Otherwise the database is down: stop.
	if perr := d.store.Ping(ctx); perr != nil {
		return nil, fmt.Errorf("receive mail: %w (database: %v)", err, perr)
	}
	reason := "could not process: " + err.Error()
	var pe *panicError
	if errors.As(err, &pe) {
		reason = pe.Error()
	}
	qerr := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		var err error
		if o, err = d.quarantine(ctx, tx, it, reason); err != nil {
			return err
		}
		if err := d.saveMailboxStates(ctx, tx, []Received{it}); err != nil {
			return err
		}
		return tx.DeleteInFlight(ctx, inFlightKeys([]Received{it}))
	})
	if qerr != nil {
		return nil, fmt.Errorf("quarantine mail: %w (after: %v)", qerr, err)
	}
	d.log.WarnContext(ctx, "mail quarantined", slog.String("message_id", messageIDOf(it)), slog.String("reason", reason))
	return []Outcome{o}, nil
}

// panicError is a panic while deciding one mail, turned into that mail's
// error.
type panicError struct{ value any }

func (e *panicError) Error() string { return fmt.Sprintf("panic while processing: %v", e.value) }

// receiveGuarded is receiveOne under a panic guard: a panic fails this mail (and
// rolls back its transaction) instead of the process.
func (d *Desk) receiveGuarded(ctx context.Context, tx Store, it Received, pre *prefetched) (o Outcome, err error) {
	defer func() {
		if v := recover(); v != nil {
			d.log.ErrorContext(ctx, "panic while processing a mail", slog.String("message_id", messageIDOf(it)),
				slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			o, err = Outcome{}, &panicError{value: v}
		}
	}()
	return d.receiveOne(ctx, tx, it, pre)
}

func messageIDOf(it Received) string {
	if it.Mail != nil && it.Mail.MessageID != "" {
		return it.Mail.MessageID
	}
	return HashMessageID(it.Raw)
}

// quarantine keeps it whole with reason, and marks it processed so a
// redelivery of the same mail is not quarantined twice.
func (d *Desk) quarantine(ctx context.Context, tx Store, it Received, reason string) (Outcome, error) {
	q := &Quarantined{At: d.clock.Now(), Channel: it.Source.Channel, Mailbox: it.Source.Mailbox,
		UIDValidity: it.Source.UIDValidity, UID: it.Source.UID, MessageID: messageIDOf(it), Reason: cleanText(reason), Raw: it.Raw}
	if it.Mail != nil {
		q.From, q.Subject = it.Mail.From, cleanText(it.Mail.Subject)
	}
	err := tx.RecordProcessed(ctx, &ProcessedMail{Mailbox: it.Source.Mailbox, UIDValidity: it.Source.UIDValidity,
		UID: it.Source.UID, MessageID: q.MessageID, At: q.At})
	if errors.Is(err, ErrConflict) {
		return d.duplicate(ctx, tx, it, q.MessageID)
	}
	if err != nil {
		return Outcome{}, err
	}
	if err := tx.AddQuarantine(ctx, q); err != nil {
		return Outcome{}, err
	}
	return Outcome{Kind: OutcomeQuarantined, Reason: q.Reason}, nil
}

// saveMailboxStates advances each IMAP mailbox's highest committed UID.
func (d *Desk) saveMailboxStates(ctx context.Context, tx Store, items []Received) error {
	type key struct {
		mailbox string
		uidv    uint32
	}
	highest := map[key]uint32{}
	var order []key
	for _, it := range items {
		if it.Source.UID == 0 || it.Source.Mailbox == "" {
			continue
		}
		k := key{it.Source.Mailbox, it.Source.UIDValidity}
		if _, ok := highest[k]; !ok {
			order = append(order, k)
		}
		highest[k] = max(highest[k], it.Source.UID)
	}
	for _, k := range order {
		cur, err := tx.GetMailboxState(ctx, k.mailbox)
		if err != nil && !isNotFound(err) {
			return err
		}
		if cur != nil && cur.UIDValidity == k.uidv && cur.LastUID >= highest[k] {
			continue
		}
		if err := tx.SaveMailboxState(ctx, &MailboxState{Mailbox: k.mailbox, UIDValidity: k.uidv,
			LastUID: highest[k], UpdatedAt: d.clock.Now()}); err != nil {
			return err
		}
	}
	return nil
}

// afterCommit runs after a commit: it logs mail that made no ticket and
// hands new tickets to the classifier, which works outside the transaction
// and never holds intake up, unless the transaction classified them
// already (classified, by ticket id).
func (d *Desk) afterCommit(ctx context.Context, outs []Outcome, classified map[int64]bool) {
	for _, o := range outs {
		if o.Kind == OutcomeTicket && !classified[o.TicketID] {
			d.ClassifyLater(o.TicketID)
		}
		if o.Kind == OutcomeLogged || o.Kind == OutcomeDuplicate {
			d.log.InfoContext(ctx, "mail made no ticket", slog.String("outcome", string(o.Kind)), slog.String("reason", o.Reason))
		}
	}
}

// receiveOne decides what one mail means, in docs/design.md's order, and
// commits its effect inside tx.
//
// pre holds what prefetch read and wrote for the batch: the mail's
// processed mark is written already, and pre says whether it was new.
func (d *Desk) receiveOne(ctx context.Context, tx Store, it Received, pre *prefetched) (Outcome, error) {
	if it.Mail == nil {
		reason := "unreadable mail"
		if it.ParseError != nil {
			reason = "unreadable mail: " + it.ParseError.Error()
		}
		return d.quarantine(ctx, tx, it, reason)
	}
	in := it.Mail // prefetch gave it a Message-ID if it had none
	if !pre.fresh {
		return d.duplicate(ctx, tx, it, in.MessageID)
	}

	// 1. Automatic mail is never answered and never a ticket; an
	// out-of-office reply to an approval mail never decides.
	if kind, why := in.Automatic(); kind != AutoNone {
		ticketID, err := d.threadTicket(ctx, tx, in)
		if err != nil {
			return Outcome{}, err
		}
		if ticketID == 0 {
			if a := d.approvalOf(ctx, tx, in); a != nil {
				ticketID, why = a.TicketID, fmt.Sprintf("%s from approver %s (level %d); it decides nothing", why, a.Approver, a.Level)
			}
		}
		o, err := d.logMail(ctx, tx, it, ticketID, EventAutoReply, why)
		if err != nil || kind != AutoReply || ticketID == 0 {
			return o, err
		}
		// An out-of-office reply from the agent a ticket is assigned to
		// marks them away and passes on their untouched tickets.
		t, err := tx.GetTicket(ctx, ticketID)
		if err != nil || t.Status != StatusAssigned || !SameMailbox(in.From, t.Assignee) {
			return o, err
		}
		until, ok := AwayUntilFromText(firstNonEmpty(in.NewText, in.Text)+"\n"+in.Subject, d.clock.Now())
		if !ok {
			until = d.clock.Now().Add(DefaultAway)
		}
		return o, d.markAwayFromAutoReply(ctx, tx, t.Assignee, until, "out-of-office reply")
	}
	// 2. A reply to an approval mail.
	if o, handled, err := d.approvalReply(ctx, tx, it); handled || err != nil {
		return o, err
	}
	// 3. A reply in a ticket's thread.
	if ticketID, err := d.threadTicket(ctx, tx, in); err != nil {
		return Outcome{}, err
	} else if ticketID != 0 {
		t, err := tx.GetTicket(ctx, ticketID)
		if err == nil {
			t, err = d.followMerge(ctx, tx, t) // B's thread is A's now (merge.go)
		}
		if err != nil {
			return Outcome{}, err
		}
		actor, ok, err := d.participant(ctx, tx, t, in.From)
		if err != nil {
			return Outcome{}, err
		}
		if !ok {
			// An agent of the category is no party to the thread, but
			// writes internal notes in it.
			if o, handled, err := d.noteReply(ctx, tx, it, t); handled || err != nil {
				return o, err
			}
			return d.logMail(ctx, tx, it, t.ID, EventMailIgnored, fmt.Sprintf("reply from %s, who is not part of %s", orUnknown(in.From), t.Ref()))
		}
		return d.mailReply(ctx, tx, it, t, actor, "reply in the thread")
	}
	// 4. A [TKT-n] subject tag without references: only participants join.
	if id := subjectRef(in.Subject); id != 0 {
		t, err := tx.GetTicket(ctx, id)
		if err == nil {
			t, err = d.followMerge(ctx, tx, t)
		}
		if err != nil && !isNotFound(err) {
			return Outcome{}, err
		}
		if t != nil {
			if actor, ok, err := d.participant(ctx, tx, t, in.From); err != nil {
				return Outcome{}, err
			} else if ok {
				return d.mailReply(ctx, tx, it, t, actor, "subject tag")
			}
			if o, handled, err := d.noteReply(ctx, tx, it, t); handled || err != nil {
				return o, err
			}
		}
	}
	// 5. A new ticket, if the sender passes the policy.
	requester, why, err := d.senderPolicy(ctx, tx, in.From, pre)
	if err != nil {
		return Outcome{}, err
	}
	if why != "" {
		if why == outsidePolicy(in.From) {
			// One polite refusal a day at most, REFUSALS_PER_HOUR over
			// all senders; automatic mail never gets here (step 1).
			note, err := d.refuseSender(ctx, tx, in.From, d.mailboxOf(it.Source.Address))
			if err != nil {
				return Outcome{}, err
			}
			if note != "" {
				why += "; " + note
			}
		}
		return d.logMail(ctx, tx, it, 0, "", why)
	}
	nt := newTicketFrom(it)
	nt.Mailbox = d.mailboxOf(it.Source.Address)
	var over int
	nt.Watchers, over = d.mailWatchers(in, in.From, pre.batch.boxes)
	// A mailbox's default category routes its new tickets in this
	// transaction (in the batch's; the one-mail retries leave it to
	// ClassifyTicket, which applies it the same way).
	def := d.defaultCategoryOf(nt.Mailbox, pre.batch.boxes)
	byMailbox := def != nil && pre.batch.routeNow
	if nt.Questions, err = d.askByMail(ctx, tx, it, def, byMailbox, pre.batch.inline); err != nil {
		return Outcome{}, err
	}
	t, err := d.openTicketFor(ctx, tx, nt, requester, pre.batch.inline || byMailbox)
	if err != nil {
		return Outcome{}, err
	}
	if err := d.addAttachments(ctx, tx, t.ID, mailAttachments(it), false); err != nil {
		return Outcome{}, err
	}
	if over > 0 {
		if err := d.event(ctx, tx, t.ID, EventMailIgnored, SystemActor.String(), fmt.Sprintf(
			"%d more address(es) of To and Cc do not follow %s: a ticket has at most %d watchers", over, t.Ref(), MaxWatchers)); err != nil {
			return Outcome{}, err
		}
	}
	pre.remember(t.RequesterID, t.Requester)
	switch {
	case byMailbox:
		if err := d.applyDefaultCategory(ctx, tx, t, *def); err != nil {
			return Outcome{}, err
		}
		pre.batch.classified[t.ID] = true
	case pre.batch.inline:
		if err := d.classifyOpened(ctx, tx, it, t, pre.batch); err != nil {
			return Outcome{}, err
		}
	}
	return Outcome{Kind: OutcomeTicket, TicketID: t.ID}, nil
}

// followUp opens a new ticket for a reply to a closed one, linking both.
func (d *Desk) followUp(ctx context.Context, tx Store, it Received, old *Ticket) (Outcome, error) {
	in := it.Mail
	body := fmt.Sprintf("Follow-up to %s (closed).\n\n%s", old.Ref(), firstNonEmpty(in.NewText, in.Text))
	t, err := d.openTicket(ctx, tx, NewTicket{Subject: in.Subject, Body: body, From: in.From, FromName: in.FromName,
		MessageID: in.MessageID, Channel: it.Source.Channel, Mailbox: old.Mailbox})
	if err != nil {
		return Outcome{}, err
	}
	if err := d.addAttachments(ctx, tx, t.ID, mailAttachments(it), false); err != nil {
		return Outcome{}, err
	}
	if err := d.event(ctx, tx, old.ID, EventCommented, SystemActor.String(),
		fmt.Sprintf("a reply from %s after closing opened %s", in.From, t.Ref())); err != nil {
		return Outcome{}, err
	}
	return Outcome{Kind: OutcomeTicket, TicketID: t.ID, Reason: "follow-up to " + old.Ref()}, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// duplicate records a mail seen before (by Message-ID or by UID) in the
// inbox log, and changes nothing else.
func (d *Desk) duplicate(ctx context.Context, tx Store, it Received, messageID string) (Outcome, error) {
	if it.Source.Rescan {
		return Outcome{Kind: OutcomeDuplicate, Reason: "seen before the mailbox was rescanned"}, nil
	}
	e := &InboxLogEntry{At: d.clock.Now(), Channel: it.Source.Channel, MessageID: messageID,
		Reason: "duplicate: this mail was received before"}
	if it.Mail != nil {
		e.From, e.Subject = it.Mail.From, cleanText(it.Mail.Subject)
	}
	if err := tx.AddInboxLog(ctx, e); err != nil {
		return Outcome{}, err
	}
	return Outcome{Kind: OutcomeDuplicate, Reason: e.Reason}, nil
}

// logMail records a mail that makes no ticket in the inbox log and, when
// it refers to a ticket, in that ticket's history as kind (default
// mail_ignored).
func (d *Desk) logMail(ctx context.Context, tx Store, it Received, ticketID int64, kind EventKind, reason string) (Outcome, error) {
	in := it.Mail
	e := &InboxLogEntry{At: d.clock.Now(), Channel: it.Source.Channel, MessageID: in.MessageID,
		From: in.From, Subject: cleanText(in.Subject), Reason: reason, TicketID: ticketID}
	if err := tx.AddInboxLog(ctx, e); err != nil {
		return Outcome{}, err
	}
	if ticketID != 0 {
		if kind == "" {
			kind = EventMailIgnored
		}
		actor := in.From
		if actor == "" {
			actor = SystemActor.String()
		}
		if err := d.event(ctx, tx, ticketID, kind, actor, fmt.Sprintf("%s (%q)", reason, cleanText(in.Subject))); err != nil {
			return Outcome{}, err
		}
	}
	return Outcome{Kind: OutcomeLogged, TicketID: ticketID, Reason: reason}, nil
}

// EventMailIgnored is a mail about a ticket that changed nothing (from
// someone outside the ticket, say), kept in the history for the record.
const EventMailIgnored EventKind = "mail_ignored"

// mailReply acts on a reply about t from actor, who takes part in it: an
// agent's or admin's internal note (note.go, whatever the status), a
// comment, or the agent's DONE, or the requester's REOPEN.
func (d *Desk) mailReply(ctx context.Context, tx Store, it Received, t *Ticket, actor Actor, how string) (Outcome, error) {
	in := it.Mail
	if o, handled, err := d.noteReply(ctx, tx, it, t); handled || err != nil {
		return o, err
	}
	text := cleanText(strings.TrimSpace(firstNonEmpty(in.NewText, in.Text)))
	if text == "" {
		text = "(empty reply)"
	}
	if t.Status == StatusClosed {
		return d.followUp(ctx, tx, it, t)
	}
	if err := d.addAttachments(ctx, tx, t.ID, mailAttachments(it), false); err != nil {
		return Outcome{}, err
	}
	// UNSUBSCRIBE from a watcher stops their mails (from anyone else it is
	// a comment like any other).
	if parseUnsubscribe(text) {
		if w, err := d.isWatcher(ctx, tx, t, in.From); err != nil {
			return Outcome{}, err
		} else if w != nil {
			if err := d.removeWatcher(ctx, tx, t, w, actor, "replied UNSUBSCRIBE"); err != nil {
				return Outcome{}, err
			}
			return Outcome{Kind: OutcomeComment, TicketID: t.ID, Reason: "unsubscribed by mail"}, nil
		}
	}
	// DONE from the assignee (or an admin) resolves; the rest is the note.
	if note, ok := parseResolve(text); ok && (t.Status == StatusAssigned || t.Status == StatusWaitingOnRequester) && (actor.Admin || SameMailbox(in.From, t.Assignee)) {
		if err := d.resolve(ctx, tx, t, actor, note); err != nil {
			return Outcome{}, err
		}
		return Outcome{Kind: OutcomeComment, TicketID: t.ID, Reason: "resolved by mail"}, nil
	}
	if err := d.comment(ctx, tx, t, actor, text); err != nil {
		return Outcome{}, err
	}
	// The requester's answers to the acknowledgement's questions.
	if SameMailbox(in.From, t.Requester) {
		if err := d.fillFromReply(ctx, tx, t, text); err != nil {
			return Outcome{}, err
		}
	}
	// REOPEN from the requester reopens a resolved ticket to its agent; a
	// "Thanks!" never does.
	if _, ok := parseReopen(text); ok && t.Status == StatusResolved && SameMailbox(in.From, t.Requester) && t.AssigneeID != 0 {
		if err := d.move(ctx, tx, t, Change{To: StatusAssigned, AssigneeID: t.AssigneeID, Actor: actor,
			Detail: "reopened by " + in.From + " by mail"}); err != nil {
			return Outcome{}, err
		}
		return Outcome{Kind: OutcomeComment, TicketID: t.ID, Reason: "reopened by mail"}, nil
	}
	return Outcome{Kind: OutcomeComment, TicketID: t.ID, Reason: how}, nil
}

// mailAttachments is what a mail leaves on its ticket: its attachments,
// and when the parser cut something at one of its limits (Inbound.Cut),
// the raw mail whole as original.eml, so nothing it said is lost.
func mailAttachments(it Received) []InboundAttachment {
	atts := it.Mail.Attachments
	if len(it.Mail.Cut) == 0 || len(it.Raw) == 0 {
		return atts
	}
	return append(slices.Clip(atts), InboundAttachment{Name: "original.eml", ContentType: "message/rfc822", Content: it.Raw})
}

// addAttachments stores atts on the ticket; internal ones are a note's
// (note.go).
func (d *Desk) addAttachments(ctx context.Context, tx Store, ticketID int64, atts []InboundAttachment, internal bool) error {
	_, err := d.storeAttachments(ctx, tx, ticketID, atts, internal)
	return err
}

// storeAttachments is addAttachments that returns the attachments as
// stored (with their ids and content), for a mail that carries them.
func (d *Desk) storeAttachments(ctx context.Context, tx Store, ticketID int64, atts []InboundAttachment, internal bool) ([]Attachment, error) {
	var stored []Attachment
	for _, a := range atts {
		name := cleanText(strings.TrimSpace(a.Name))
		if name == "" {
			name = "attachment"
		}
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		at := Attachment{TicketID: ticketID, Name: name, ContentType: ct,
			Size: int64(len(a.Content)), Content: a.Content, Internal: internal, CreatedAt: d.clock.Now()}
		if err := tx.AddAttachment(ctx, &at); err != nil {
			return nil, err
		}
		at.Content = a.Content
		stored = append(stored, at)
	}
	return stored, nil
}

// MailboxState returns how far the IMAP poller got in mailbox; a mailbox
// never polled has the zero state.
func (d *Desk) MailboxState(ctx context.Context, mailbox string) (*MailboxState, error) {
	st, err := d.store.GetMailboxState(ctx, mailbox)
	if isNotFound(err) {
		return &MailboxState{Mailbox: mailbox}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mailbox state: %w", err)
	}
	return st, nil
}
