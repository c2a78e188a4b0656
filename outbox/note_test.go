package outbox

import (
	"context"
	"strings"
	"testing"

	"ticketgate/domain"
)

// TestComposeNote: an internal note's mail is in the ticket's thread (its
// subject, In-Reply-To), says at the top that it is internal, carries the
// note escaped in HTML, and its footer says replies are notes (not
// comments for the requester).
func TestComposeNote(t *testing.T) {
	c := testComposer(t, "help@company.test")
	root := assignedTicket.MessageID
	msg, err := c.Compose(context.Background(), domain.Mail{Kind: domain.MailNote, To: "carl@company.test", ToName: "Carl",
		Ticket: assignedTicket, InReplyTo: "tkt-42.assigned.bbbb@company.test", References: []string{root, "tkt-42.assigned.bbbb@company.test"},
		Vars: map[string]string{"Author": "Bob Agent", "AuthorEmail": "bob@company.test", "Note": "Warranty <b>ends</b> & Dell calls."}})
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, msg.Raw)
	if subj, _ := p.h.Subject(); subj != "Re: [TKT-42] "+assignedTicket.Subject {
		t.Errorf("subject = %q", subj)
	}
	if m := msgIDRE.FindStringSubmatch("<" + msg.MessageID + ">"); m == nil || m[2] != "note" {
		t.Errorf("Message-ID = %q", msg.MessageID)
	}
	if irt, _ := p.h.MsgIDList("In-Reply-To"); len(irt) != 1 || irt[0] != "tkt-42.assigned.bbbb@company.test" {
		t.Errorf("In-Reply-To = %v", irt)
	}
	for _, want := range []string{"INTERNAL NOTE - the requester (ann@company.test) does not see it.", "Bob Agent wrote an internal note on TKT-42",
		"Warranty <b>ends</b> & Dell calls.", "Replies to this mail are internal notes on TKT-42"} {
		if !strings.Contains(p.text, want) {
			t.Errorf("text part lacks %q:\n%s", want, p.text)
		}
	}
	if strings.Contains(p.text, "add a comment") || strings.Contains(p.html, "add a comment") {
		t.Error("a note's mail invites a comment to the requester")
	}
	for _, want := range []string{"<strong>Internal note</strong>", "Warranty &lt;b&gt;ends&lt;/b&gt; &amp; Dell calls.", "Replies to this mail are internal notes on TKT-42"} {
		if !strings.Contains(p.html, want) {
			t.Errorf("HTML part lacks %q", want)
		}
	}
}
