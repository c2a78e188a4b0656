package domain_test

import (
	"testing"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// TestPlusAddressParticipants: a reply in a ticket's thread from a plus
// address of its requester or of an admin (root@, who is neither requester
// nor assignee) is theirs; a stranger's is not.
func TestPlusAddressParticipants(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newApprovalFlow(t, db.URL)
		o := f.receive("From: ann@company.test\r\nTo: help@company.test\r\nSubject: Printer jam\r\nMessage-Id: <jam@company.test>\r\n\r\nIt jams.\r\n")
		if o.Kind != domain.OutcomeTicket {
			t.Fatalf("open: %+v", o)
		}
		ack := f.mailsTo(domain.MailTicketReceived, "ann@company.test")[0]
		for _, tt := range []struct {
			from string
			want domain.OutcomeKind
		}{
			{"Ann+Phone@company.test", domain.OutcomeComment},
			{"root+ops@company.test", domain.OutcomeComment},
			{"annie@company.test", domain.OutcomeLogged},
			{"eve+ann@company.test", domain.OutcomeLogged},
		} {
			if got := f.receive(f.reply(ack, tt.from, "Any news?")); got.Kind != tt.want {
				t.Errorf("reply from %s: %+v, want %s", tt.from, got, tt.want)
			}
		}
	})
}
