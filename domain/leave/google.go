package leave

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/mailauth"
)

// Google reads Gmail's vacation responder and the primary calendar's
// out-of-office events.
type Google struct {
	// BaseURL is Google's APIs' (default DefaultGoogleURL): Gmail under
	// /gmail/v1, Calendar under /calendar/v3.
	BaseURL string
	// Tokens gives a token for the member (the service account acting as
	// them, with mailauth.GoogleGmailSettingsScope and
	// mailauth.GoogleCalendarScope).
	Tokens func(email string) (mailauth.TokenSource, error)
	HTTP   *http.Client
	Clock  domain.Clock // the time the answers are read at (default domain.SystemClock)

	cache tokenCache
}

// millis is an int64 that Google's JSON writes as a string ("1733558400000").
type millis int64

func (m *millis) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*m = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return err
	}
	*m = millis(n)
	return nil
}

type vacation struct {
	EnableAutoReply bool   `json:"enableAutoReply"`
	StartTime       millis `json:"startTime"`
	EndTime         millis `json:"endTime"`
}

type calendarTime struct {
	DateTime string `json:"dateTime"`
	Date     string `json:"date"`
}

type calendarEvents struct {
	Items []struct {
		Status    string       `json:"status"`
		EventType string       `json:"eventType"`
		Start     calendarTime `json:"start"`
		End       calendarTime `json:"end"`
	} `json:"items"`
}

// Read reads email's vacation responder and calendar.
func (g *Google) Read(ctx context.Context, email string) (domain.LeaveStatus, error) {
	src, err := g.cache.get(email, func() (mailauth.TokenSource, error) { return g.Tokens(email) })
	if err != nil {
		return domain.LeaveStatus{}, &domain.LeaveError{Kind: domain.LeaveNotSetUp, Msg: "Google: " + err.Error()}
	}
	tok, err := src.Token(ctx)
	if err != nil {
		return domain.LeaveStatus{}, tokenError("Google", err)
	}
	base := strings.TrimSuffix(g.BaseURL, "/")
	if base == "" {
		base = DefaultGoogleURL
	}
	user := url.PathEscape(email)
	now := clockNow(g.Clock)
	var v vacation
	if err := getJSON(ctx, g.HTTP, base+"/gmail/v1/users/"+user+"/settings/vacation", tok.AccessToken, "Gmail vacation responder", now, &v); err != nil {
		return domain.LeaveStatus{}, err
	}
	st := vacationStatus(v, now)
	q := url.Values{"eventTypes": {"outOfOffice"}, "timeMin": {now.UTC().Format(time.RFC3339)}, "singleEvents": {"true"},
		"orderBy": {"startTime"}, "maxResults": {"20"}}
	var evs calendarEvents
	err = getJSON(ctx, g.HTTP, base+"/calendar/v3/calendars/primary/events?"+q.Encode(), tok.AccessToken, "calendar", now, &evs)
	var le *domain.LeaveError
	switch {
	case err == nil:
	case errors.As(err, &le) && le.Kind == domain.LeaveThrottled:
		return domain.LeaveStatus{}, err
	case errors.As(err, &le) && le.Kind == domain.LeaveForbidden:
		st.Detail += "; calendar not read (no calendar scope)"
		return st, nil
	default:
		st.Detail += "; calendar not read (" + err.Error() + ")"
		return st, nil
	}
	cal, ok := calendarStatus(evs, now)
	switch {
	case !ok:
		return st, nil
	case !st.OnLeave:
		return cal, nil
	case st.Until == nil:
		return st, nil // open-ended already
	case cal.Until.After(*st.Until):
		return cal, nil
	}
	return st, nil
}

// vacationStatus is what the vacation responder says at now.
func vacationStatus(v vacation, now time.Time) domain.LeaveStatus {
	if !v.EnableAutoReply {
		return domain.LeaveStatus{Detail: "vacation responder off"}
	}
	ms := now.UnixMilli()
	if v.StartTime > 0 && ms < int64(v.StartTime) {
		return domain.LeaveStatus{Detail: "vacation responder from " + stamp(time.UnixMilli(int64(v.StartTime)))}
	}
	if v.EndTime > 0 && ms >= int64(v.EndTime) {
		return domain.LeaveStatus{Detail: "vacation responder ended " + stamp(time.UnixMilli(int64(v.EndTime)))}
	}
	if v.EndTime > 0 {
		end := time.UnixMilli(int64(v.EndTime))
		return domain.LeaveStatus{OnLeave: true, Until: utcPtr(end), Detail: "vacation responder until " + stamp(end)}
	}
	return domain.LeaveStatus{OnLeave: true, Detail: "vacation responder on"}
}

// calendarStatus finds an out-of-office event in progress at now and
// follows the events that continue it; ok false when none is in
// progress. The events come sorted by start.
func calendarStatus(evs calendarEvents, now time.Time) (domain.LeaveStatus, bool) {
	var end time.Time
	found := false
	for _, e := range evs.Items {
		if e.Status == "cancelled" || (e.EventType != "" && e.EventType != "outOfOffice") {
			continue
		}
		s, err1 := parseCalendarTime(e.Start)
		f, err2 := parseCalendarTime(e.End)
		if err1 != nil || err2 != nil {
			continue
		}
		switch {
		case !found && !s.After(now) && f.After(now):
			found, end = true, f
		case found && !s.After(end) && f.After(end):
			end = f
		}
	}
	if !found {
		return domain.LeaveStatus{}, false
	}
	return domain.LeaveStatus{OnLeave: true, Until: utcPtr(end), Detail: "out of office in the calendar until " + stamp(end)}, true
}

func parseCalendarTime(t calendarTime) (time.Time, error) {
	if t.DateTime != "" {
		return time.Parse(time.RFC3339, t.DateTime)
	}
	return time.Parse("2006-01-02", t.Date)
}
