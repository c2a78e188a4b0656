package domain

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// Internal notes (issue 17): words about a ticket for the team alone. An
// agent or admin writes one in the portal, or by mail: a reply whose first
// line is NOTE (the rule of the decision words; the note is what follows
// the word), or any reply to a note's mail (a reply to words for the team
// stays with the team). A note is an event of kind note, its files are
// internal attachments, and both are shown only to agents and admins
// (TicketAccess.Notes); it is mailed to the agents of the ticket's
// category, its assignee and the admins, never to the requester, and its
// mail never joins the thread the requester sees (thread.go).
//
// Who may write one is decided from who the sender is, as for every reply
// (docs/design.md "Mail in"): an enabled admin, or an enabled agent who
// sees the ticket, and never its requester, whose NOTE is an ordinary
// comment. With TRUSTED_AUTHSERV_ID a note by mail also needs the DMARC or
// DKIM pass that approvals need; a note that fails it is logged and
// changes nothing (it is never made a public comment instead).

// EventNote is an internal note in a ticket's history. Its detail is the
// note; it is never shown to the requester.
const EventNote EventKind = "note"

// MailNote relays an internal note to the agents of the ticket's category,
// its assignee and the admins. Vars: Author, AuthorEmail, Note.
const MailNote MailKind = "note"

// Internal reports whether e is for agents and admins alone.
func (e Event) Internal() bool { return e.Kind == EventNote }

// NoteAs adds u's internal note to ticket id from the portal. ErrNotFound
// when u may not see the ticket; ErrForbidden when u sees it but may not
// write notes (its requester, unless an admin); ErrInvalid for an empty
// note. Notes may be written whatever the ticket's status.
func (d *Desk) NoteAs(ctx context.Context, u *User, id int64, text string) error {
	return d.NoteWithFilesAs(ctx, u, id, PortalComment{Text: text})
}

// NoteWithFilesAs is NoteAs with files, which become the note's internal
// attachments; they follow the rules of a comment's files (checkFiles:
// the note's form is the comment's).
func (d *Desk) NoteWithFilesAs(ctx context.Context, u *User, id int64, in PortalComment) error {
	text := strings.TrimSpace(in.Text)
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		t, err := d.visibleTicket(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if !mayNote(u, t) {
			return ErrForbidden
		}
		if text == "" {
			return fmt.Errorf("%w: write the note first", ErrInvalid)
		}
		if err := checkFiles(in.Files, d.MaxCommentFileBytes()); err != nil {
			return err
		}
		return d.note(ctx, tx, t, actorOf(u), text, portalFiles(in.Files))
	})
	if err != nil {
		return fmt.Errorf("note on %s: %w", FormatRef(id), err)
	}
	d.log.InfoContext(ctx, "note", slog.String("ticket", FormatRef(id)), slog.String("by", u.Email), slog.String("channel", "portal"))
	return nil
}

// note writes actor's internal note on t with its files, and mails it to
// the team, inside tx.
func (d *Desk) note(ctx context.Context, tx Store, t *Ticket, actor Actor, text string, atts []InboundAttachment) error {
	text = cleanText(text)
	if err := d.event(ctx, tx, t.ID, EventNote, actor.String(), text); err != nil {
		return err
	}
	if err := d.addAttachments(ctx, tx, t.ID, atts, true); err != nil {
		return err
	}
	return d.mailNote(ctx, tx, t, actor, text)
}

// noteAuthor returns addr as an actor, and whether it may write notes on
// t: an enabled user of that mailbox (see mailboxUser) is an admin, or an
// agent who sees t, and addr is not t's requester.
func (d *Desk) noteAuthor(ctx context.Context, tx Store, t *Ticket, addr string) (Actor, bool, error) {
	if addr == "" || SameMailbox(addr, t.Requester) {
		return Actor{}, false, nil
	}
	u, err := d.mailboxUser(ctx, tx, addr, func(u *User) bool { return !u.Disabled && mayNote(u, t) })
	if isNotFound(err) {
		return Actor{}, false, nil
	}
	if err != nil {
		return Actor{}, false, err
	}
	ok, err := d.canSee(ctx, tx, u, t)
	if err != nil || !ok {
		return Actor{}, false, err
	}
	return Actor{Email: addr, Admin: u.IsAdmin()}, true, nil
}

// noteReply acts on a mail about t when it is an internal note: its
// sender may write notes (noteAuthor), and its first line is NOTE or it
// answers a note's mail. handled is false when the mail is no note: it
// goes on as a reply of its sender.
func (d *Desk) noteReply(ctx context.Context, tx Store, it Received, t *Ticket) (Outcome, bool, error) {
	in := it.Mail
	text := cleanText(strings.TrimSpace(firstNonEmpty(in.NewText, in.Text)))
	note, word := parseNote(text)
	if !word && len(in.InReplyTo) == 0 {
		return Outcome{}, false, nil // it answers no mail: no note mail either
	}
	actor, staff, err := d.noteAuthor(ctx, tx, t, in.From)
	if err != nil || !staff {
		return Outcome{}, false, err
	}
	if !word {
		answers, err := d.answersNote(ctx, tx, t, in)
		if err != nil || !answers {
			return Outcome{}, false, err
		}
		note = text
	}
	if d.authservID != "" && !authPass(in.AuthenticationResults, d.authservID, EmailDomain(in.From)) {
		o, err := d.logMail(ctx, tx, it, t.ID, EventMailIgnored, fmt.Sprintf("internal note from %s refused: no DMARC or DKIM pass (and no fail) from %s for %s in its topmost Authentication-Results",
			in.From, d.authservID, EmailDomain(in.From)))
		return o, true, err
	}
	if note == "" {
		note = "(empty note)"
	}
	if err := d.note(ctx, tx, t, actor, note, mailAttachments(it)); err != nil {
		return Outcome{}, true, err
	}
	return Outcome{Kind: OutcomeComment, TicketID: t.ID, Reason: "internal note by mail"}, true, nil
}

// answersNote reports whether in replies to a mail of t's notes: its
// In-Reply-To names one, by the outbox's record (not by the look of the
// Message-ID).
func (d *Desk) answersNote(ctx context.Context, tx Store, t *Ticket, in *Inbound) (bool, error) {
	if len(in.InReplyTo) == 0 {
		return false, nil
	}
	sent, err := tx.TicketMail(ctx, t.ID)
	if err != nil {
		return false, err
	}
	for _, m := range sent {
		if m.Kind != string(MailNote) || m.MessageID == "" {
			continue
		}
		for _, id := range in.InReplyTo {
			if id == m.MessageID {
				return true, nil
			}
		}
	}
	return false, nil
}

// mailNote mails a note to the team of t: the enabled team members of its
// category, its assignee and the enabled admins, each once, but never its
// author or its requester. The mails answer t's thread, but their own
// Message-IDs stay out of it (thread.go), so the requester's mail never
// shows that a note exists. A Desk without a Composer mails nothing.
func (d *Desk) mailNote(ctx context.Context, tx Store, t *Ticket, actor Actor, text string) error {
	if !d.mailing() {
		return nil
	}
	type rcpt struct{ email, name string }
	var to []rcpt
	add := func(email, name string, disabled bool) {
		if disabled || email == "" || SameMailbox(email, actor.Email) || SameMailbox(email, t.Requester) {
			return
		}
		for _, r := range to {
			if SameMailbox(r.email, email) {
				return
			}
		}
		to = append(to, rcpt{email, name})
	}
	if t.CategoryID != 0 {
		team, err := tx.TeamLoad(ctx, t.CategoryID)
		if err != nil {
			return fmt.Errorf("mail note: %w", err)
		}
		for _, m := range team {
			add(m.Member.Email, m.Member.Name, m.Disabled)
		}
	}
	if t.AssigneeID != 0 {
		u, err := tx.GetUser(ctx, t.AssigneeID)
		if err != nil {
			return fmt.Errorf("mail note: %w", err)
		}
		add(u.Email, u.Name, u.Disabled)
	}
	admins, err := tx.ListUsers(ctx, UserFilter{Role: RoleAdmin})
	if err != nil {
		return fmt.Errorf("mail note: %w", err)
	}
	for _, a := range admins {
		add(a.Email, a.Name, a.Disabled)
	}
	if len(to) == 0 {
		return nil
	}
	author := actor.String()
	if u, err := tx.GetUserByEmail(ctx, actor.Email); err == nil && u.Name != "" {
		author = u.Name
	}
	th, err := d.threadFor(ctx, tx, t)
	if err != nil {
		return err
	}
	for _, r := range to {
		m := Mail{Kind: MailNote, To: r.email, ToName: r.name, Ticket: t, InReplyTo: th.InReplyTo, References: th.References,
			Vars: map[string]string{"Author": author, "AuthorEmail": actor.Email, "Note": text}}
		if err := d.sendMail(ctx, tx, m); err != nil {
			return fmt.Errorf("mail note: %w", err)
		}
	}
	return nil
}
