package domain

import (
	"context"
	"fmt"
	"strings"
)

// IntakePolicy says which mail may open tickets.
type IntakePolicy struct {
	// HelpdeskAddress is where employees write; mail from it (or its plus
	// addresses) is our own and never makes a ticket.
	HelpdeskAddress string
	// AllowedDomains may open tickets; "*" allows every domain.
	AllowedDomains []string
}

// WithIntake sets the intake policy.
func WithIntake(p IntakePolicy) Option {
	return func(d *Desk) { d.intake = p }
}

// senderPolicy says why from may not open a ticket ("" when it may), and
// returns the sender's user when there is one.
func (d *Desk) senderPolicy(ctx context.Context, tx Store, from string, pre *prefetched) (*User, string, error) {
	if from == "" {
		return nil, "no sender address", nil
	}
	if d.ownAddress(from, pre.batch.boxes) {
		return nil, "sent by one of the helpdesk's own addresses (a mail loop)", nil
	}
	if !d.domainAllowed(EmailDomain(from)) {
		return nil, outsidePolicy(from), nil
	}
	u, err := pre.user(ctx, tx, from)
	switch {
	case isNotFound(err):
		return nil, "", nil
	case err != nil:
		return nil, "", err
	case u.Disabled:
		return u, fmt.Sprintf("sender %s is a disabled user", from), nil
	}
	return u, "", nil
}

func outsidePolicy(from string) string {
	return fmt.Sprintf("sender %s is outside ALLOWED_SENDER_DOMAINS", from)
}

func (d *Desk) domainAllowed(domain string) bool {
	allowed := d.intake.AllowedDomains
	if len(allowed) == 0 && d.intake.HelpdeskAddress != "" {
		allowed = []string{EmailDomain(d.intake.HelpdeskAddress)}
	}
	for _, a := range allowed {
		if a == "*" || strings.EqualFold(a, domain) {
			return true
		}
	}
	return len(allowed) == 0
}

// IsHelpdeskAddress reports whether addr is the helpdesk address or one of
// its plus addresses. (The receivers also take mail for the mailboxes of
// the table: see Desk.RecipientMailbox.)
func (p IntakePolicy) IsHelpdeskAddress(addr string) bool {
	a, err := NormalizeEmail(addr)
	return err == nil && p.HelpdeskAddress != "" && SameMailbox(a, p.HelpdeskAddress)
}
