package domain

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"ticketgate/domain/i18n"
)

// checkLocale checks a user's language and time zone into errs: a
// supported language code or "" (follow the browser and DEFAULT_LANGUAGE),
// a time zone name of the time zone database or "" (DEFAULT_TIMEZONE).
func checkLocale(errs FieldErrors, language, timeZone string) (string, string) {
	lang, ok := i18n.Normalize(language)
	if !ok {
		errs.add("language", "Choose one of the languages offered.")
	}
	timeZone = strings.TrimSpace(timeZone)
	if timeZone != "" {
		if _, ok := i18n.Location(timeZone, ""); !ok {
			errs.add("timezone", "Enter a time zone name such as Europe/Berlin, or leave it empty.")
		}
	}
	return lang, timeZone
}

// SetMyLocale sets the signed-in user's own language and time zone (the
// profile page). A bad value is a FieldErrors on "language" or
// "timezone".
func (d *Desk) SetMyLocale(ctx context.Context, actor Actor, language, timeZone string) (*User, error) {
	if actor.Email == "" || actor.System {
		return nil, fmt.Errorf("set language: %w", ErrForbidden)
	}
	errs := FieldErrors{}
	lang, tz := checkLocale(errs, language, timeZone)
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	var u *User
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		var err error
		if u, err = tx.GetUserByEmail(ctx, actor.Email); err != nil {
			return err
		}
		u.Language, u.TimeZone, u.UpdatedAt = lang, tz, d.clock.Now()
		return tx.UpdateUser(ctx, u)
	})
	if err != nil {
		return nil, fmt.Errorf("set language of %s: %w", actor.Email, err)
	}
	d.log.InfoContext(ctx, "user language set", slog.String("email", u.Email), slog.String("language", lang), slog.String("timezone", tz))
	return u, nil
}
