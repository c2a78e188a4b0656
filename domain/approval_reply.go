package domain

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Answering approvals by mail (docs/design.md "Approvals"). A reply counts only
// if it carries a genuine token of an approval still open AND comes from
// that approval's approver by SameMailbox (and, with TRUSTED_AUTHSERV_ID,
// passes DMARC or DKIM there, see authPass). A genuine token from anyone else changes nothing and is
// recorded as approval_refused, with no mail back: the From may be forged.
// The right approver with a token that does not check, or answering an
// approval already decided, gets "could not process your reply" at the
// address on file; a reply whose first line is no decision word gets
// "could not read your reply" with the instructions.

// WithTrustedAuthserv makes approval replies also need a DMARC or DKIM pass
// for the sender's domain, and no fail, in the topmost
// Authentication-Results headers of this authserv-id (TRUSTED_AUTHSERV_ID;
// see intake_authres.go for which headers count).
func WithTrustedAuthserv(id string) Option {
	return func(d *Desk) { d.authservID = strings.ToLower(strings.TrimSpace(id)) }
}

const decisionInstructions = "Reply to the approval mail with APPROVE or REJECT on the first line " +
	"(YES, OK, NO and DENY work too); anything after the word is your comment."

// approvalReply handles a mail that carries approval tokens or looks like an
// approval answer. handled is false when the mail is no approval reply and
// should go on through the dispatch.
func (d *Desk) approvalReply(ctx context.Context, tx Store, it Received) (Outcome, bool, error) {
	in := it.Mail
	tokens := replyTokens(in)
	if len(tokens) == 0 {
		return d.tokenlessDecision(ctx, tx, it)
	}
	key, err := d.secretKey(ctx, tx)
	if err != nil {
		return Outcome{}, true, err
	}
	// The first token that names an existing approval decides how the mail
	// is judged; forged ones naming nothing are skipped.
	for _, tok := range tokens {
		a, err := tx.GetApproval(ctx, tok.id)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return Outcome{}, true, err
		}
		t, err := tx.GetTicket(ctx, a.TicketID)
		if err != nil {
			return Outcome{}, true, err
		}
		genuine := checkToken(key, tok.token, a)
		fromApprover := SameMailbox(in.From, a.Approver)
		switch {
		case genuine && !fromApprover:
			return d.refuseApproval(ctx, tx, it, t, a, fmt.Sprintf("it comes from %s, not from the approver", orUnknown(in.From)))
		case !genuine && !fromApprover:
			return d.refuseApproval(ctx, tx, it, t, a, fmt.Sprintf("its approval token is not genuine, and it comes from %s", orUnknown(in.From)))
		case !genuine:
			return d.cannotProcess(ctx, tx, it, t, a, "its approval reference does not match this approval (was it copied from another mail?)")
		}
		if d.authservID != "" && !authPass(in.AuthenticationResults, d.authservID, EmailDomain(in.From)) {
			return d.refuseApproval(ctx, tx, it, t, a, fmt.Sprintf("no DMARC or DKIM pass (and no fail) from %s for %s in its topmost Authentication-Results", d.authservID, EmailDomain(in.From)))
		}
		if why := approvalClosed(t, a); why != "" {
			return d.cannotProcess(ctx, tx, it, t, a, why)
		}
		dec, comment, ok := ParseDecision(firstNonEmpty(in.NewText, in.Text))
		if !ok {
			return d.cannotRead(ctx, tx, it, t, a)
		}
		if err := d.decide(ctx, tx, t, a, dec, ViaEmail, Actor{Email: a.Approver}, comment); err != nil {
			if errors.Is(err, ErrConflict) {
				return d.cannotProcess(ctx, tx, it, t, a, "this approval was decided meanwhile")
			}
			return Outcome{}, true, err
		}
		return Outcome{Kind: OutcomeComment, TicketID: t.ID, Reason: fmt.Sprintf("approval %s by %s", dec, a.Approver)}, true, nil
	}
	// Tokens, but none names an approval: a forgery or a mangled copy.
	o, err := d.logMail(ctx, tx, it, 0, "", "approval reference that names no approval")
	return o, true, err
}

// tokenlessDecision catches an approver who answers with a decision word
// but no token at all (a new mail instead of a reply): it decides nothing,
// and they are told how to answer. Other mail is not an approval reply.
func (d *Desk) tokenlessDecision(ctx context.Context, tx Store, it Received) (Outcome, bool, error) {
	in := it.Mail
	if in.From == "" || len(in.InReplyTo)+len(in.References) > 0 {
		return Outcome{}, false, nil
	}
	if _, _, ok := ParseDecision(firstNonEmpty(in.NewText, in.Text)); !ok {
		return Outcome{}, false, nil
	}
	pending, err := tx.PendingApprovalsOf(ctx, in.From)
	if err != nil || len(pending) == 0 {
		return Outcome{}, false, err
	}
	a := pending[0]
	t, err := tx.GetTicket(ctx, a.TicketID)
	if err != nil {
		return Outcome{}, true, err
	}
	return d.cannotProcess(ctx, tx, it, t, &a, "it does not answer an approval mail (it carries no approval reference), so we cannot tell which request it decides")
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown sender"
	}
	return s
}

// refuseApproval records a reply that may not decide: an event on the
// ticket and the inbox log, and no mail (its From may be forged).
func (d *Desk) refuseApproval(ctx context.Context, tx Store, it Received, t *Ticket, a *Approval, why string) (Outcome, bool, error) {
	reason := fmt.Sprintf("reply to the level %d approval of %s refused: %s", a.Level, a.Approver, why)
	o, err := d.logMail(ctx, tx, it, t.ID, EventApprovalRefused, reason)
	return o, true, err
}

// cannotProcess tells the approver (at the address on file) that their
// reply changed nothing, and why.
func (d *Desk) cannotProcess(ctx context.Context, tx Store, it Received, t *Ticket, a *Approval, why string) (Outcome, bool, error) {
	o, err := d.logMail(ctx, tx, it, t.ID, EventMailIgnored, "could not process the approval reply of "+a.Approver+": "+why)
	if err != nil {
		return o, true, err
	}
	return o, true, d.mailApproverProblem(ctx, tx, t, a, why+".", "", "")
}

// cannotRead tells the approver their reply decided nothing and how to
// answer.
func (d *Desk) cannotRead(ctx context.Context, tx Store, it Received, t *Ticket, a *Approval) (Outcome, bool, error) {
	o, err := d.logMail(ctx, tx, it, t.ID, EventMailIgnored, "approval reply of "+a.Approver+" has no decision word on its first line")
	if err != nil {
		return o, true, err
	}
	// NoWord: the mail says problem and instructions in its language,
	// with the decision words of that language and English.
	return o, true, d.mailApproverProblem(ctx, tx, t, a, "its first line is not APPROVE or REJECT, so it decided nothing.", decisionInstructions, "NoWord")
}

// mailApproverProblem sends "could not read/process your reply" in the
// approval's own thread.
func (d *Desk) mailApproverProblem(ctx context.Context, tx Store, t *Ticket, a *Approval, problem, instructions, flag string) error {
	if !d.mailing() {
		return nil
	}
	key, err := d.secretKey(ctx, tx)
	if err != nil {
		return err
	}
	tok := approvalToken(key, a.ID, a.Approver)
	root := d.approvalMessageID(t.ID, tok)
	vars := map[string]string{"Problem": problem, "Instructions": instructions}
	if flag != "" {
		vars[flag] = "1"
	}
	return d.sendMail(ctx, tx, Mail{Kind: MailUnreadableReply, To: a.Approver, Ticket: t,
		Vars:    vars,
		ReplyTo: approvalReplyTo(d.replyAddress(ctx, tx, t), tok), InReplyTo: root, References: []string{root}})
}

// approvalOf returns the approval whose genuine token a mail carries, or
// nil.
func (d *Desk) approvalOf(ctx context.Context, tx Store, in *Inbound) *Approval {
	key, err := d.secretKey(ctx, tx)
	if err != nil {
		return nil
	}
	for _, tok := range replyTokens(in) {
		if a, err := tx.GetApproval(ctx, tok.id); err == nil && checkToken(key, tok.token, a) {
			return a
		}
	}
	return nil
}
