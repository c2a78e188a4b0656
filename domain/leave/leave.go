// Package leave reads team members' leave status from their mail
// providers, app-only, for domain.Desk's leave reading (domain/leave.go):
//
//   - Microsoft 365, through Microsoft Graph: the mailbox's automatic
//     replies (GET /users/{id}/mailboxSettings/automaticRepliesSetting:
//     disabled, alwaysEnabled, or scheduled between two times), and, when
//     the app holds Presence.Read.All, the Teams presence (GET
//     /users/{id}/presence: availability or activity OutOfOffice). A
//     presence that cannot be read (403: no permission) only leaves that
//     part out.
//   - Google Workspace: Gmail's vacation responder
//     (users.settings.getVacation: enableAutoReply, startTime and endTime
//     in milliseconds) and the out-of-office events of the primary
//     calendar from now on (events.list with eventTypes=outOfOffice),
//     with a service account's token for the member (domain-wide
//     delegation). A calendar that cannot be read only leaves that part
//     out.
//
// Failures are domain.LeaveError: 429 (and 503) with the Retry-After the
// provider gave, 401/403 missing permission, 404 unknown user. Response
// bodies are read up to maxBody and never put in an error whole; no token
// is ever logged or formatted.
package leave

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/mailauth"
)

// maxBody bounds what is read of one response.
const maxBody = 1 << 20

// Default base URLs.
const (
	DefaultGraphURL  = "https://graph.microsoft.com/v1.0"
	DefaultGoogleURL = "https://www.googleapis.com"
)

// Reader reads leave status from Microsoft Graph and Google; a provider
// without credentials answers LeaveNotSetUp.
type Reader struct {
	Graph  *Graph
	Google *Google
}

var _ domain.LeaveReader = (*Reader)(nil)

// ReadLeave implements domain.LeaveReader.
func (r *Reader) ReadLeave(ctx context.Context, src domain.LeaveSource, email string) (domain.LeaveStatus, error) {
	switch src {
	case domain.LeaveMicrosoft:
		if r.Graph == nil {
			return domain.LeaveStatus{}, &domain.LeaveError{Kind: domain.LeaveNotSetUp,
				Msg: "no Microsoft 365 credentials: add an app-only microsoft365 mailbox (see docs/availability.md)"}
		}
		return r.Graph.Read(ctx, email)
	case domain.LeaveGoogle:
		if r.Google == nil {
			return domain.LeaveStatus{}, &domain.LeaveError{Kind: domain.LeaveNotSetUp,
				Msg: "no Google credentials: add an app-only google mailbox with a service account (see docs/availability.md)"}
		}
		return r.Google.Read(ctx, email)
	}
	return domain.LeaveStatus{}, &domain.LeaveError{Kind: domain.LeaveOtherError, Msg: fmt.Sprintf("leave source %q is not read", src)}
}

// getJSON GETs url with token into v. A failure is a *domain.LeaveError
// naming what (the part read) and the provider's error code.
func getJSON(ctx context.Context, client *http.Client, url, token, what string, now time.Time, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return &domain.LeaveError{Kind: domain.LeaveOtherError, Msg: what + ": " + err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return &domain.LeaveError{Kind: domain.LeaveOtherError, Msg: what + ": " + redactURL(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return &domain.LeaveError{Kind: domain.LeaveOtherError, Msg: what + ": reading the answer: " + err.Error()}
	}
	if resp.StatusCode/100 != 2 {
		return statusError(resp, body, what, now)
	}
	if len(body) > maxBody {
		return &domain.LeaveError{Kind: domain.LeaveOtherError, Msg: what + ": the answer is larger than 1 MiB"}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &domain.LeaveError{Kind: domain.LeaveOtherError, Msg: what + ": the answer is not the JSON expected"}
	}
	return nil
}

// redactURL keeps a transport error's cause without the URL it names
// (which holds only the member's address, but stays short this way).
func redactURL(err error) string {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return ue.Unwrap().Error()
	}
	return err.Error()
}

// statusError turns a non-2xx answer into a LeaveError.
func statusError(resp *http.Response, body []byte, what string, now time.Time) *domain.LeaveError {
	code := providerCode(body)
	msg := fmt.Sprintf("%s: HTTP %d", what, resp.StatusCode)
	if code != "" {
		msg += " " + code
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		wait := retryAfter(resp.Header.Get("Retry-After"), now)
		if wait > 0 {
			msg += fmt.Sprintf(" (throttled; retry after %s)", wait)
		} else {
			msg += " (throttled)"
		}
		return &domain.LeaveError{Kind: domain.LeaveThrottled, RetryAfter: wait, Msg: msg}
	case http.StatusUnauthorized, http.StatusForbidden:
		return &domain.LeaveError{Kind: domain.LeaveForbidden, Msg: msg + " (missing permission)"}
	case http.StatusNotFound:
		return &domain.LeaveError{Kind: domain.LeaveUnknown, Msg: msg + " (unknown user)"}
	}
	return &domain.LeaveError{Kind: domain.LeaveOtherError, Msg: msg}
}

// providerCode is the error code and message of Graph's and Google's
// error bodies ({"error": {"code": …, "message": …}}), shortened.
func providerCode(body []byte) string {
	var e struct {
		Error struct {
			Code    json.RawMessage `json:"code"`
			Status  string          `json:"status"`
			Message string          `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	code := strings.Trim(string(e.Error.Code), `"`)
	if e.Error.Status != "" {
		code = e.Error.Status
	}
	msg := strings.Join(strings.Fields(e.Error.Message), " ")
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	switch {
	case code != "" && msg != "":
		return code + ": " + msg
	case msg != "":
		return msg
	}
	return code
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date (from
// now). 0 when absent or unreadable; at most a day.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		d = time.Duration(min(n, 86400)) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return max(0, min(d, 24*time.Hour))
}

// tokenError turns a token source's failure into a LeaveError: a refused
// client or scope is a missing permission.
func tokenError(what string, err error) error {
	var pe *mailauth.ProviderError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "unauthorized_client", "invalid_client", "invalid_scope", "access_denied", "invalid_grant":
			return &domain.LeaveError{Kind: domain.LeaveForbidden, Msg: what + " token: " + pe.Error() + " (missing permission)"}
		}
	}
	var le *domain.LeaveError
	if errors.As(err, &le) {
		return le
	}
	return &domain.LeaveError{Kind: domain.LeaveOtherError, Msg: what + " token: " + err.Error()}
}

// tokenCache keeps one token source per member (Google's tokens are per
// subject).
type tokenCache struct {
	mu   sync.Mutex
	srcs map[string]mailauth.TokenSource
}

func (c *tokenCache) get(email string, make func() (mailauth.TokenSource, error)) (mailauth.TokenSource, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.srcs[email]; ok {
		return s, nil
	}
	s, err := make()
	if err != nil {
		return nil, err
	}
	if c.srcs == nil {
		c.srcs = map[string]mailauth.TokenSource{}
	}
	if len(c.srcs) > 10000 { // bounded: a team is not this large
		clear(c.srcs)
	}
	c.srcs[email] = s
	return s, nil
}

// utcPtr is t in UTC, as a pointer.
// clockNow is c's time, the system's when c is nil.
func clockNow(c domain.Clock) time.Time {
	if c == nil {
		return domain.SystemClock{}.Now()
	}
	return c.Now()
}

func utcPtr(t time.Time) *time.Time {
	u := t.UTC()
	return &u
}

// stamp formats a time for the details people read.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
