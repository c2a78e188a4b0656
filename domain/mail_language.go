package domain

import (
	"context"

	"ticketgate/domain/i18n"
)

// mailLanguage fills m's Language and TimeZone where the caller left them
// empty (docs/translations.md "Which language"): the recipient's settings
// when they have an account that says, else, for mail about a ticket, the
// language detected in the text of the mail that opened it (i18n.Detect)
// when it is a supported one. What stays empty is the composer's
// DEFAULT_LANGUAGE and DEFAULT_TIMEZONE.
func (d *Desk) mailLanguage(ctx context.Context, tx Store, m *Mail) {
	if m.Language != "" && m.TimeZone != "" {
		return
	}
	to := m.To
	if m.CopyTo != "" {
		to = m.CopyTo
	}
	if u, err := tx.GetUserByEmail(ctx, to); err == nil {
		if m.Language == "" && i18n.IsSupported(u.Language) {
			m.Language = u.Language
		}
		if m.TimeZone == "" {
			m.TimeZone = u.TimeZone
		}
	}
	if m.Language == "" && m.Ticket != nil {
		if lang, ok := i18n.Detect(m.Ticket.Subject + "\n" + m.Ticket.Body); ok {
			m.Language = lang
		}
	}
}
