package leave

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/mailauth"
)

// Graph reads automatic replies and presence from Microsoft Graph.
type Graph struct {
	// BaseURL is Graph's, with its version (default DefaultGraphURL).
	BaseURL string
	// Tokens gives app-only tokens for mailauth.MicrosoftGraphScope.
	Tokens mailauth.TokenSource
	HTTP   *http.Client
	Clock  domain.Clock // the time the answers are read at (default domain.SystemClock)
}

// graphTime is Graph's dateTimeTimeZone.
type graphTime struct {
	DateTime string `json:"dateTime"`
	TimeZone string `json:"timeZone"`
}

type automaticReplies struct {
	Status                 string    `json:"status"`
	ScheduledStartDateTime graphTime `json:"scheduledStartDateTime"`
	ScheduledEndDateTime   graphTime `json:"scheduledEndDateTime"`
}

type presence struct {
	Availability        string `json:"availability"`
	Activity            string `json:"activity"`
	OutOfOfficeSettings *struct {
		IsOutOfOffice bool `json:"isOutOfOffice"`
	} `json:"outOfOfficeSettings"`
}

// Read reads email's automatic replies, then their presence.
func (g *Graph) Read(ctx context.Context, email string) (domain.LeaveStatus, error) {
	tok, err := g.Tokens.Token(ctx)
	if err != nil {
		return domain.LeaveStatus{}, tokenError("Microsoft Graph", err)
	}
	base := strings.TrimSuffix(g.BaseURL, "/")
	if base == "" {
		base = DefaultGraphURL
	}
	user := base + "/users/" + url.PathEscape(email)
	now := clockNow(g.Clock)
	var ar automaticReplies
	if err := getJSON(ctx, g.HTTP, user+"/mailboxSettings/automaticRepliesSetting", tok.AccessToken, "automatic replies", now, &ar); err != nil {
		return domain.LeaveStatus{}, err
	}
	st, err := repliesStatus(ar, now)
	if err != nil {
		return domain.LeaveStatus{}, err
	}
	if st.OnLeave {
		return st, nil
	}
	var p presence
	err = getJSON(ctx, g.HTTP, user+"/presence", tok.AccessToken, "presence", now, &p)
	var le *domain.LeaveError
	switch {
	case err == nil:
	case errors.As(err, &le) && le.Kind == domain.LeaveThrottled:
		return domain.LeaveStatus{}, err
	case errors.As(err, &le) && le.Kind == domain.LeaveForbidden:
		st.Detail += "; presence not read (no Presence.Read.All permission)"
		return st, nil
	default:
		st.Detail += "; presence not read (" + err.Error() + ")"
		return st, nil
	}
	if p.Availability == "OutOfOffice" || p.Activity == "OutOfOffice" || (p.OutOfOfficeSettings != nil && p.OutOfOfficeSettings.IsOutOfOffice) {
		return domain.LeaveStatus{OnLeave: true, Detail: "Teams presence: out of office"}, nil
	}
	return st, nil
}

// repliesStatus is what the automatic-replies setting says at now.
func repliesStatus(ar automaticReplies, now time.Time) (domain.LeaveStatus, error) {
	switch strings.ToLower(ar.Status) {
	case "disabled", "":
		return domain.LeaveStatus{Detail: "automatic replies off"}, nil
	case "alwaysenabled":
		return domain.LeaveStatus{OnLeave: true, Detail: "automatic replies on"}, nil
	case "scheduled":
		start, err := parseGraphTime(ar.ScheduledStartDateTime)
		if err != nil {
			return domain.LeaveStatus{}, &domain.LeaveError{Kind: domain.LeaveOtherError, Msg: "automatic replies: scheduledStartDateTime: " + err.Error()}
		}
		end, err := parseGraphTime(ar.ScheduledEndDateTime)
		if err != nil {
			return domain.LeaveStatus{}, &domain.LeaveError{Kind: domain.LeaveOtherError, Msg: "automatic replies: scheduledEndDateTime: " + err.Error()}
		}
		switch {
		case now.Before(start):
			return domain.LeaveStatus{Detail: "automatic replies scheduled from " + stamp(start) + " to " + stamp(end)}, nil
		case !now.Before(end):
			return domain.LeaveStatus{Detail: "automatic replies ended " + stamp(end)}, nil
		}
		return domain.LeaveStatus{OnLeave: true, Until: utcPtr(end), Detail: "automatic replies scheduled until " + stamp(end)}, nil
	}
	return domain.LeaveStatus{}, &domain.LeaveError{Kind: domain.LeaveOtherError, Msg: "automatic replies: unknown status " + quoteShort(ar.Status)}
}

// parseGraphTime reads a dateTimeTimeZone: "2026-12-07T08:00:00.0000000"
// in an IANA zone, UTC, or one of the Windows zone names Exchange uses
// most (windowsZones); another zone is an error.
func parseGraphTime(t graphTime) (time.Time, error) {
	loc, err := graphZone(t.TimeZone)
	if err != nil {
		return time.Time{}, err
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05"} {
		if v, err := time.ParseInLocation(layout, t.DateTime, loc); err == nil {
			return v, nil
		}
	}
	if v, err := time.Parse(time.RFC3339Nano, t.DateTime); err == nil {
		return v, nil
	}
	return time.Time{}, errors.New("not a date and time: " + quoteShort(t.DateTime))
}

func graphZone(name string) (*time.Location, error) {
	switch name {
	case "", "UTC", "Etc/UTC", "tzone://Microsoft/Utc", "Coordinated Universal Time":
		return time.UTC, nil
	}
	if iana, ok := windowsZones[name]; ok {
		name = iana
	}
	loc, err := time.LoadLocation(name)
	if err != nil || strings.Contains(name, "..") {
		return nil, errors.New("unknown time zone " + quoteShort(name))
	}
	return loc, nil
}

// windowsZones maps the Windows time zone names Exchange reports most
// often to IANA names.
var windowsZones = map[string]string{
	"GMT Standard Time":              "Europe/London",
	"W. Europe Standard Time":        "Europe/Berlin",
	"Romance Standard Time":          "Europe/Paris",
	"Central Europe Standard Time":   "Europe/Budapest",
	"Central European Standard Time": "Europe/Warsaw",
	"E. Europe Standard Time":        "Europe/Chisinau",
	"FLE Standard Time":              "Europe/Kiev",
	"GTB Standard Time":              "Europe/Bucharest",
	"Russian Standard Time":          "Europe/Moscow",
	"Eastern Standard Time":          "America/New_York",
	"Central Standard Time":          "America/Chicago",
	"Mountain Standard Time":         "America/Denver",
	"Pacific Standard Time":          "America/Los_Angeles",
	"US Mountain Standard Time":      "America/Phoenix",
	"Alaskan Standard Time":          "America/Anchorage",
	"Hawaiian Standard Time":         "Pacific/Honolulu",
	"E. South America Standard Time": "America/Sao_Paulo",
	"India Standard Time":            "Asia/Kolkata",
	"China Standard Time":            "Asia/Shanghai",
	"Tokyo Standard Time":            "Asia/Tokyo",
	"Singapore Standard Time":        "Asia/Singapore",
	"AUS Eastern Standard Time":      "Australia/Sydney",
	"New Zealand Standard Time":      "Pacific/Auckland",
	"South Africa Standard Time":     "Africa/Johannesburg",
	"Arabian Standard Time":          "Asia/Dubai",
	"Israel Standard Time":           "Asia/Jerusalem",
	"Turkey Standard Time":           "Europe/Istanbul",
}

// quoteShort quotes s, cut to 60 bytes.
func quoteShort(s string) string {
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}
