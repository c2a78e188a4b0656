package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"ticketgate/cmd/internal/benchmail"
	"ticketgate/inbox/hostile"
)

// hostileMails is the hostile-mail set of package inbox/hostile, each
// case at both its sizes, or the *.eml files in dir, in name order.
func hostileMails(dir string) ([]namedMail, error) {
	if dir == "" {
		var out []namedMail
		for _, c := range hostile.Cases() {
			for _, n := range []int{c.N, 4 * c.N} {
				out = append(out, namedMail{name: fmt.Sprintf("%s-%d.eml", c.Name, n), raw: c.Make(n)})
			}
		}
		return out, nil
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var out []namedMail
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, namedMail{name: filepath.Base(n), raw: b})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no *.eml in %s", dir)
	}
	return out, nil
}

type namedMail struct {
	name string
	raw  []byte
}

// mailKind is what a sent mail is meant to become.
type mailKind int

const (
	kindNew     mailKind = iota // a new ticket
	kindReply                   // the requester's reply in a ticket's thread: a comment
	kindHostile                 // built to hurt: a ticket or quarantined
)

// sent is one mail the soak sent, for replies to refer to.
type sent struct {
	from, messageID, subject string
}

// writer makes the soak's mails. Each connection has its own, so it needs
// no lock.
type writer struct {
	rng     *rand.Rand
	texts   []string
	hostile []namedMail
	domain  string
	conn    int
	n       int
	mine    []sent // new tickets this connection sent, acknowledged
	pending *sent  // the new ticket sent last, until it is acknowledged
	// lastBounce is set when the mail made last is a hostile delivery
	// report (multipart/report), which is automatic mail by design.
	lastBounce bool
}

// acked records that the mail sent last was committed: a new ticket may
// now be replied to.
func (w *writer) acked() {
	if w.pending != nil && len(w.mine) < 1000 {
		w.mine = append(w.mine, *w.pending)
	}
	w.pending = nil
}

// next returns the next mail of kind k: its envelope sender and bytes.
// The hostile mails are taken in turn by hostileSeq, counted over all
// connections, so that every one of them is sent.
func (w *writer) next(k mailKind, helpdesk string, hostileSeq int64) (from string, raw []byte) {
	w.n++
	w.pending, w.lastBounce = nil, false
	id := fmt.Sprintf("<soak-%d-%d@%s>", w.conn, w.n, w.domain)
	date := time.Now().Format(time.RFC1123Z)
	switch {
	case k == kindReply && len(w.mine) > 0:
		orig := w.mine[w.rng.IntN(len(w.mine))]
		body := fmt.Sprintf("Still the same here, can you have a look today?\r\n\r\nOn %s, %s wrote:\r\n> %s\r\n",
			date, orig.from, orig.subject)
		return orig.from, fmt.Appendf(nil, "From: %s\r\nTo: %s\r\nSubject: Re: %s\r\nDate: %s\r\nMessage-ID: %s\r\n"+
			"In-Reply-To: %s\r\nReferences: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s",
			orig.from, helpdesk, orig.subject, date, id, orig.messageID, orig.messageID, body)
	case k == kindHostile:
		h := w.hostile[hostileSeq%int64(len(w.hostile))]
		w.lastBounce = strings.HasPrefix(h.name, "delivery-status")
		from = fmt.Sprintf("attacker%d@%s", w.rng.IntN(50), w.domain)
		// Our headers go first, so each copy is a new mail from a sender
		// the policy lets in; the hostile headers and body follow as they
		// are.
		var b bytes.Buffer
		fmt.Fprintf(&b, "Message-ID: %s\r\nFrom: %s\r\nX-Soak-Case: %s\r\n", id, from, h.name)
		b.Write(splitLongLines(h.raw, 998))
		return from, b.Bytes()
	}
	from = fmt.Sprintf("user%d@%s", w.rng.IntN(3000), w.domain)
	text := w.texts[w.rng.IntN(len(w.texts))]
	subject := benchmail.Subject(text)
	raw = fmt.Appendf(nil, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: %s\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\n%s", from, helpdesk, subject, date, id, benchmail.Body(text))
	if k == kindNew {
		w.pending = &sent{from: from, messageID: id, subject: subject}
	}
	return from, raw
}

// splitLongLines breaks lines longer than limit bytes, as a relaying MTA
// does before it hands mail on (RFC 5321 allows 998 octets a line; Postfix
// splits longer ones): the receiver is meant to sit behind one.
func splitLongLines(raw []byte, limit int) []byte {
	out := make([]byte, 0, len(raw)+len(raw)/limit*2)
	n := 0
	for _, c := range raw {
		if c == '\n' {
			n = 0
		} else if n >= limit {
			out = append(out, '\r', '\n')
			n = 0
		}
		out = append(out, c)
		if c != '\n' {
			n++
		}
	}
	return out
}
