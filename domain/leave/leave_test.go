package leave

import (
	"net/http"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func TestRepliesStatus(t *testing.T) {
	for _, tt := range []struct {
		name    string
		ar      automaticReplies
		onLeave bool
		until   string // RFC 3339, "" for none
		err     bool
	}{
		{name: "disabled", ar: automaticReplies{Status: "disabled"}},
		{name: "always", ar: automaticReplies{Status: "alwaysEnabled"}, onLeave: true},
		{name: "scheduled now, UTC", ar: automaticReplies{Status: "scheduled",
			ScheduledStartDateTime: graphTime{"2026-12-06T08:00:00.0000000", "UTC"},
			ScheduledEndDateTime:   graphTime{"2026-12-10T17:00:00.0000000", "UTC"}}, onLeave: true, until: "2026-12-10T17:00:00Z"},
		{name: "scheduled now, Windows zone", ar: automaticReplies{Status: "scheduled",
			ScheduledStartDateTime: graphTime{"2026-12-06T08:00:00.0000000", "W. Europe Standard Time"},
			ScheduledEndDateTime:   graphTime{"2026-12-10T17:00:00.0000000", "W. Europe Standard Time"}}, onLeave: true, until: "2026-12-10T16:00:00Z"},
		{name: "scheduled now, IANA zone", ar: automaticReplies{Status: "scheduled",
			ScheduledStartDateTime: graphTime{"2026-12-06T08:00:00", "America/New_York"},
			ScheduledEndDateTime:   graphTime{"2026-12-10T17:00:00", "America/New_York"}}, onLeave: true, until: "2026-12-10T22:00:00Z"},
		{name: "scheduled later", ar: automaticReplies{Status: "scheduled",
			ScheduledStartDateTime: graphTime{"2026-12-08T08:00:00.0000000", "UTC"},
			ScheduledEndDateTime:   graphTime{"2026-12-10T17:00:00.0000000", "UTC"}}},
		{name: "scheduled, over", ar: automaticReplies{Status: "scheduled",
			ScheduledStartDateTime: graphTime{"2026-12-01T08:00:00.0000000", "UTC"},
			ScheduledEndDateTime:   graphTime{"2026-12-07T10:00:00.0000000", "UTC"}}},
		{name: "unknown zone", ar: automaticReplies{Status: "scheduled",
			ScheduledStartDateTime: graphTime{"2026-12-06T08:00:00", "Nowhere Standard Time"},
			ScheduledEndDateTime:   graphTime{"2026-12-10T17:00:00", "UTC"}}, err: true},
		{name: "bad time", ar: automaticReplies{Status: "scheduled",
			ScheduledStartDateTime: graphTime{"soon", "UTC"}, ScheduledEndDateTime: graphTime{"2026-12-10T17:00:00", "UTC"}}, err: true},
		{name: "unknown status", ar: automaticReplies{Status: "sometimes"}, err: true},
	} {
		st, err := repliesStatus(tt.ar, now)
		if (err != nil) != tt.err {
			t.Errorf("%s: err = %v", tt.name, err)
			continue
		}
		if err != nil {
			continue
		}
		got := ""
		if st.Until != nil {
			got = st.Until.Format(time.RFC3339)
		}
		if st.OnLeave != tt.onLeave || got != tt.until || st.Detail == "" {
			t.Errorf("%s: %+v (until %q), want on leave %v until %q", tt.name, st, got, tt.onLeave, tt.until)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	for h, want := range map[string]time.Duration{
		"":                              0,
		"120":                           2 * time.Minute,
		"-5":                            0,
		"soon":                          0,
		"99999999":                      24 * time.Hour,
		"Mon, 07 Dec 2026 10:05:00 GMT": 5 * time.Minute,
		"Mon, 07 Dec 2026 09:00:00 GMT": 0,
	} {
		if got := retryAfter(h, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestStatusError(t *testing.T) {
	resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"30"}}}
	e := statusError(resp, []byte(`{"error":{"code":"TooManyRequests","message":"Slow down."}}`), "automatic replies", now)
	if e.Kind != "throttled" || e.RetryAfter != 30*time.Second || e.Msg != "automatic replies: HTTP 429 TooManyRequests: Slow down. (throttled; retry after 30s)" {
		t.Errorf("429 = %+v", e)
	}
	// Google's shape: a numeric code and a status.
	e = statusError(&http.Response{StatusCode: 403}, []byte(`{"error":{"code":403,"status":"PERMISSION_DENIED","message":"Insufficient Permission"}}`), "Gmail vacation responder", now)
	if e.Kind != "forbidden" || e.Msg != "Gmail vacation responder: HTTP 403 PERMISSION_DENIED: Insufficient Permission (missing permission)" {
		t.Errorf("403 = %+v", e)
	}
	e = statusError(&http.Response{StatusCode: 404}, []byte("not json"), "automatic replies", now)
	if e.Kind != "not_found" || e.Msg != "automatic replies: HTTP 404 (unknown user)" {
		t.Errorf("404 = %+v", e)
	}
}

func TestVacationAndCalendar(t *testing.T) {
	ms := func(s string) millis {
		v, _ := time.Parse(time.RFC3339, s)
		return millis(v.UnixMilli())
	}
	if st := vacationStatus(vacation{EnableAutoReply: true}, now); !st.OnLeave || st.Until != nil {
		t.Errorf("responder on without dates = %+v", st)
	}
	if st := vacationStatus(vacation{EnableAutoReply: true, StartTime: ms("2026-12-08T00:00:00Z")}, now); st.OnLeave {
		t.Errorf("responder from tomorrow = %+v", st)
	}
	if st := vacationStatus(vacation{EnableAutoReply: true, EndTime: ms("2026-12-07T09:00:00Z")}, now); st.OnLeave {
		t.Errorf("responder ended = %+v", st)
	}
	if st := vacationStatus(vacation{EnableAutoReply: true, EndTime: ms("2026-12-09T00:00:00Z")}, now); !st.OnLeave || !st.Until.Equal(time.Date(2026, 12, 9, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("responder until = %+v", st)
	}
	var evs calendarEvents
	evs.Items = append(evs.Items,
		struct {
			Status    string       `json:"status"`
			EventType string       `json:"eventType"`
			Start     calendarTime `json:"start"`
			End       calendarTime `json:"end"`
		}{Status: "confirmed", EventType: "outOfOffice", Start: calendarTime{DateTime: "2026-12-07T08:00:00Z"}, End: calendarTime{DateTime: "2026-12-08T00:00:00Z"}},
		struct {
			Status    string       `json:"status"`
			EventType string       `json:"eventType"`
			Start     calendarTime `json:"start"`
			End       calendarTime `json:"end"`
		}{Status: "confirmed", EventType: "outOfOffice", Start: calendarTime{DateTime: "2026-12-08T00:00:00+01:00"}, End: calendarTime{DateTime: "2026-12-09T18:00:00Z"}},
		struct {
			Status    string       `json:"status"`
			EventType string       `json:"eventType"`
			Start     calendarTime `json:"start"`
			End       calendarTime `json:"end"`
		}{Status: "confirmed", EventType: "outOfOffice", Start: calendarTime{Date: "2026-12-20"}, End: calendarTime{Date: "2026-12-24"}},
	)
	st, ok := calendarStatus(evs, now)
	if !ok || !st.OnLeave || !st.Until.Equal(time.Date(2026, 12, 9, 18, 0, 0, 0, time.UTC)) {
		t.Errorf("calendar = %+v, %v; want on leave until the end of the second, adjoining event", st, ok)
	}
	if _, ok := calendarStatus(evs, time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)); ok {
		t.Error("calendar between events says on leave")
	}
}
