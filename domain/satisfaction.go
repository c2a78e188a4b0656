package domain

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// # Satisfaction (issue 18)
//
// After a resolution the requester is asked once whether their problem
// was solved: the resolution mail carries two signed links, "Yes, solved"
// and "No", and the portal's page of the resolved ticket asks the same
// with a form. A link opens a page that asks to confirm (with an optional
// comment): following a link (GET) never records anything, because mail
// scanners and previews follow links; only the page's POST does.
//
// The question is about one resolution: the ticket's last resolved event
// (its id, the "resolution"). One answer per resolution, whichever way it
// comes (the store's unique key); a ticket reopened and resolved again is
// asked again, and the links of the earlier resolution stop working. The
// answer counts while the ticket is still resolved by that resolution and
// within REOPEN_WITHIN of it (the window in which a requester may reopen;
// without one, while it stays resolved). "No" reopens the ticket to its
// agent, with the comment as the requester's comment (relayed to the
// agent like any other). Every answer writes a `rated` event.
//
// A link's token is "<ticket id>-<resolution id>-<yes|no>-<mac>", mac an
// HMAC-SHA256 with the server secret (SECRET_KEY) of the ticket, the
// resolution, the requester's address and the answer, in 26 base32
// characters: nothing is stored until the answer, and a token changed in
// any part is refused.

// EventRated is a requester's answer to the satisfaction question.
const EventRated EventKind = "rated"

// Rating is the answer to "was your problem solved?".
type Rating string

// The answers.
const (
	RatingYes Rating = "yes"
	RatingNo  Rating = "no"
)

// ParseRating returns the answer named s ("yes" or "no"), or an
// ErrInvalid error for people.
func ParseRating(s string) (Rating, error) {
	switch Rating(s) {
	case RatingYes, RatingNo:
		return Rating(s), nil
	}
	return "", fmt.Errorf("%w: answer yes or no", ErrInvalid)
}

// SatisfactionPath is the portal path of the page a satisfaction link
// opens; the token follows it.
const SatisfactionPath = "/satisfaction/"

// MaxSatisfactionComment is the longest comment with an answer, in
// characters.
const MaxSatisfactionComment = 4000

// SatisfactionRating is a requester's answer about one resolution.
type SatisfactionRating struct {
	ID       int64
	TicketID int64
	// ResolutionID is the id of the resolved event the answer is about.
	ResolutionID int64
	Requester    string // the requester's address
	Rating       Rating
	Comment      string
	Via          Via // email (a link of the mail) or portal
	At           time.Time
}

// SatisfactionScore is the share of "yes" among the answers of a period.
type SatisfactionScore struct {
	Yes, Total int
}

// Percent is the share of yes in percent, rounded down; 0 without
// answers.
func (s SatisfactionScore) Percent() int {
	if s.Total == 0 {
		return 0
	}
	return s.Yes * 100 / s.Total
}

// SatisfactionStore keeps the answers.
type SatisfactionStore interface {
	// AddSatisfaction inserts r and sets its ID; ErrConflict when its
	// resolution has an answer already.
	AddSatisfaction(ctx context.Context, r *SatisfactionRating) error
	// LastSatisfaction returns the ticket's latest answer; ErrNotFound
	// when it has none.
	LastSatisfaction(ctx context.Context, ticketID int64) (*SatisfactionRating, error)
	// LastOwnEvent returns the ticket's latest event of kind written on
	// it (not moved in by a merge); ErrNotFound when there is none.
	LastOwnEvent(ctx context.Context, ticketID int64, kind EventKind) (*Event, error)
	// SatisfactionSince counts the answers given at or after since, and
	// the yes among them (an index range, whatever the number of
	// tickets).
	SatisfactionSince(ctx context.Context, since time.Time) (SatisfactionScore, error)
}

// satisfactionToken signs the link that answers rating about resolution
// res of ticket id, for its requester.
func satisfactionToken(key []byte, id, res int64, requester string, rating Rating) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "satisfaction\x00%d\x00%d\x00%s\x00%s", id, res, strings.ToLower(requester), rating)
	sum := m.Sum(nil)
	return fmt.Sprintf("%d-%d-%s-%s", id, res, rating, strings.ToLower(tokenEncoding.EncodeToString(sum[:16])))
}

// satisfactionClaim is what a token says, before it is checked.
type satisfactionClaim struct {
	ticketID, resolutionID int64
	rating                 Rating
	token                  string
}

// parseSatisfactionToken reads a token's parts; ok is false for anything
// that is not shaped like one.
func parseSatisfactionToken(token string) (satisfactionClaim, bool) {
	if len(token) > 100 {
		return satisfactionClaim{}, false
	}
	parts := strings.Split(token, "-")
	if len(parts) != 4 {
		return satisfactionClaim{}, false
	}
	id, err1 := strconv.ParseInt(parts[0], 10, 64)
	res, err2 := strconv.ParseInt(parts[1], 10, 64)
	r, err3 := ParseRating(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || id <= 0 || res <= 0 {
		return satisfactionClaim{}, false
	}
	return satisfactionClaim{ticketID: id, resolutionID: res, rating: r, token: token}, true
}

// errLinkUsed and errLinkExpired say why a genuine link no longer works.
var (
	errAnswered = fmt.Errorf("%w: this question was answered already; thank you", ErrConflict)
	errExpired  = fmt.Errorf("%w: this question has expired: the ticket was reopened, resolved again or closed since, or too much time has passed", ErrInvalid)
)

// SatisfactionAsk is what a satisfaction link's page shows.
type SatisfactionAsk struct {
	Ticket Ticket
	Rating Rating
}

// currentResolution returns t's resolution that may be rated now: its
// last own resolved event, while t is resolved and within REOPEN_WITHIN
// of it. errExpired otherwise.
func (d *Desk) currentResolution(ctx context.Context, tx Store, t *Ticket) (*Event, error) {
	if t.Status != StatusResolved {
		return nil, errExpired
	}
	ev, err := tx.LastOwnEvent(ctx, t.ID, EventResolved)
	if isNotFound(err) {
		return nil, errExpired
	}
	if err != nil {
		return nil, err
	}
	if !d.withinRatingWindow(ev.At) {
		return nil, errExpired
	}
	return ev, nil
}

// withinRatingWindow reports whether a resolution at at may still be
// rated: within REOPEN_WITHIN (no limit without one).
func (d *Desk) withinRatingWindow(at time.Time) bool {
	w := d.schedule.ReopenWithin
	return w <= 0 || d.clock.Now().Before(at.Add(w))
}

// checkSatisfactionLink returns the ticket a token answers about and its
// claim. ErrNotFound for a token that is not genuine; errExpired for one
// whose resolution may no longer be rated; errAnswered when it was
// answered.
func (d *Desk) checkSatisfactionLink(ctx context.Context, tx Store, token string) (*Ticket, satisfactionClaim, error) {
	c, ok := parseSatisfactionToken(token)
	if !ok {
		return nil, c, fmt.Errorf("satisfaction link: %w", ErrNotFound)
	}
	t, err := tx.GetTicket(ctx, c.ticketID)
	if isNotFound(err) {
		return nil, c, fmt.Errorf("satisfaction link: %w", ErrNotFound)
	}
	if err != nil {
		return nil, c, err
	}
	key, err := d.secretKey(ctx, tx)
	if err != nil {
		return nil, c, err
	}
	if !hmac.Equal([]byte(satisfactionToken(key, t.ID, c.resolutionID, t.Requester, c.rating)), []byte(token)) {
		return nil, c, fmt.Errorf("satisfaction link: %w", ErrNotFound)
	}
	last, err := tx.LastSatisfaction(ctx, t.ID)
	switch {
	case err == nil && last.ResolutionID == c.resolutionID:
		return nil, c, errAnswered
	case err != nil && !isNotFound(err):
		return nil, c, err
	}
	ev, err := d.currentResolution(ctx, tx, t)
	if err != nil {
		return nil, c, err
	}
	if ev.ID != c.resolutionID {
		return nil, c, errExpired
	}
	return t, c, nil
}

// SatisfactionLink says what a satisfaction link would record, for its
// confirmation page; it changes nothing. ErrNotFound for a link that is
// not genuine; an ErrConflict error when the question was answered, an
// ErrInvalid one when it expired (both with a message for people).
func (d *Desk) SatisfactionLink(ctx context.Context, token string) (*SatisfactionAsk, error) {
	t, c, err := d.checkSatisfactionLink(ctx, d.store, token)
	if err != nil {
		return nil, err
	}
	return &SatisfactionAsk{Ticket: *t, Rating: c.rating}, nil
}

// RateByLink records the answer a satisfaction link carries, with the
// requester's optional comment (the POST of the page SatisfactionLink
// shows): no sign-in, the signed token is the authority, and it works
// once. Errors as SatisfactionLink's, and ErrInvalid for a comment too
// long.
func (d *Desk) RateByLink(ctx context.Context, token, comment string) (*SatisfactionRating, error) {
	comment, err := cleanSatisfactionComment(comment)
	if err != nil {
		return nil, err
	}
	var r *SatisfactionRating
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		t, c, err := d.checkSatisfactionLink(ctx, tx, token)
		if err != nil {
			return err
		}
		r, err = d.rate(ctx, tx, t, c.resolutionID, c.rating, comment, ViaEmail)
		return err
	})
	if err != nil {
		return nil, rated(err)
	}
	return r, nil
}

// RateAs records u's answer about ticket id from the portal's form. Only
// its requester answers: ErrNotFound when u may not see the ticket,
// ErrForbidden when u sees it but did not request it; then as
// RateByLink.
func (d *Desk) RateAs(ctx context.Context, u *User, id int64, rating Rating, comment string) (*SatisfactionRating, error) {
	if _, err := ParseRating(string(rating)); err != nil {
		return nil, err
	}
	comment, err := cleanSatisfactionComment(comment)
	if err != nil {
		return nil, err
	}
	var r *SatisfactionRating
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		t, err := d.visibleTicket(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if t.RequesterID != u.ID {
			return fmt.Errorf("%w: only the requester answers whether it was solved", ErrForbidden)
		}
		ev, err := d.currentResolution(ctx, tx, t)
		if err != nil {
			return err
		}
		r, err = d.rate(ctx, tx, t, ev.ID, rating, comment, ViaPortal)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("rate %s: %w", FormatRef(id), rated(err))
	}
	return r, nil
}

// rated turns the store's conflict on a resolution answered meanwhile
// (two answers at once) into errAnswered.
func rated(err error) error {
	if errors.Is(err, ErrConflict) && !errors.Is(err, errAnswered) {
		return errAnswered
	}
	return err
}

// cleanSatisfactionComment trims a comment and checks its length.
func cleanSatisfactionComment(s string) (string, error) {
	s = strings.TrimSpace(cleanText(s))
	if len([]rune(s)) > MaxSatisfactionComment {
		return "", fmt.Errorf("%w: the comment is longer than %d characters", ErrInvalid, MaxSatisfactionComment)
	}
	return s, nil
}

// rate records rating about resolution res of t, by its requester, inside
// tx: the answer, the rated event, and for "no" the comment and the
// reopening to the agent.
func (d *Desk) rate(ctx context.Context, tx Store, t *Ticket, res int64, rating Rating, comment string, via Via) (*SatisfactionRating, error) {
	r := &SatisfactionRating{TicketID: t.ID, ResolutionID: res, Requester: t.Requester, Rating: rating,
		Comment: comment, Via: via, At: d.clock.Now()}
	if err := tx.AddSatisfaction(ctx, r); err != nil {
		return nil, err
	}
	detail := "solved, says " + t.Requester
	if rating == RatingNo {
		detail = "not solved, says " + t.Requester
	}
	detail += " (" + map[Via]string{ViaEmail: "by the link in the resolution mail", ViaPortal: "in the portal"}[via] + ")"
	if comment != "" {
		detail += ": " + comment
	}
	actor := Actor{Email: t.Requester}
	if err := d.event(ctx, tx, t.ID, EventRated, actor.String(), detail); err != nil {
		return nil, err
	}
	if rating == RatingNo && t.AssigneeID != 0 {
		if comment != "" {
			if err := d.comment(ctx, tx, t, actor, comment); err != nil {
				return nil, err
			}
		}
		if err := d.move(ctx, tx, t, Change{To: StatusAssigned, AssigneeID: t.AssigneeID, Actor: actor,
			Detail: "reopened by " + t.Requester + ": not solved"}); err != nil {
			return nil, err
		}
	}
	d.log.InfoContext(ctx, "satisfaction", slog.String("ticket", t.Ref()), slog.String("rating", string(rating)),
		slog.String("via", string(via)))
	return r, nil
}

// AskSatisfaction reports whether the portal's page of td asks u whether
// the problem was solved: u is the requester, the ticket is resolved,
// within REOPEN_WITHIN of its last resolution, which has no answer yet.
// td must be the whole detail (Desk.Ticket or TicketFor).
func (d *Desk) AskSatisfaction(u *User, td *TicketDetail) bool {
	t := &td.Ticket
	if u == nil || t.RequesterID != u.ID || t.Status != StatusResolved {
		return false
	}
	var last *Event
	for i := range td.Events {
		if e := &td.Events[i]; e.Kind == EventResolved && e.MergedFrom == 0 {
			last = e
		}
	}
	if last == nil || !d.withinRatingWindow(last.At) {
		return false
	}
	return td.Satisfaction == nil || td.Satisfaction.ResolutionID != last.ID
}

// satisfactionLinks returns the tokens of the "yes" and "no" links of
// t's resolution mail, for its requester, about its last resolution.
func (d *Desk) satisfactionLinks(ctx context.Context, tx Store, t *Ticket) (yes, no string, err error) {
	ev, err := tx.LastOwnEvent(ctx, t.ID, EventResolved)
	if err != nil {
		return "", "", fmt.Errorf("resolution of %s: %w", t.Ref(), err)
	}
	key, err := d.secretKey(ctx, tx)
	if err != nil {
		return "", "", err
	}
	return satisfactionToken(key, t.ID, ev.ID, t.Requester, RatingYes), satisfactionToken(key, t.ID, ev.ID, t.Requester, RatingNo), nil
}
