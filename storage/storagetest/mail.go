package storagetest

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/emersion/go-message/mail"

	"ticketgate/domain"
	"ticketgate/storage"
)

// The outbox rows of a test, read back as mail.

// OutboxRows returns every outbox row, oldest first, with raw bytes.
func OutboxRows(t testing.TB, st *storage.Store) []domain.OutboxMessage {
	t.Helper()
	ctx := context.Background()
	list, err := st.ListOutbox(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]domain.OutboxMessage, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		m, err := st.GetOutbox(ctx, list[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *m)
	}
	return out
}

// MailHeader parses the header of the raw mail raw.
func MailHeader(t testing.TB, raw []byte) mail.Header {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse mail: %v", err)
	}
	return r.Header
}

// ThreadOK checks that msgs form one chain rooted at root: each mail
// replies to the one before and references everything before it.
func ThreadOK(t testing.TB, root string, msgs []domain.OutboxMessage) {
	t.Helper()
	chain := []string{}
	if root != "" {
		chain = append(chain, root)
	}
	for i, m := range msgs {
		h := MailHeader(t, m.Raw)
		irt, _ := h.MsgIDList("In-Reply-To")
		refs, _ := h.MsgIDList("References")
		if len(chain) == 0 {
			if len(irt) != 0 || len(refs) != 0 {
				t.Errorf("mail %d (%s) starts the thread but has In-Reply-To %v References %v", i, m.Kind, irt, refs)
			}
		} else if len(irt) != 1 || irt[0] != chain[len(chain)-1] || strings.Join(refs, " ") != strings.Join(chain, " ") {
			t.Errorf("mail %d (%s): In-Reply-To %v References %v; want %s and %v", i, m.Kind, irt, refs, chain[len(chain)-1], chain)
		}
		id, _ := h.MessageID()
		if id != m.MessageID {
			t.Errorf("mail %d: Message-ID %q, row %q", i, id, m.MessageID)
		}
		chain = append(chain, m.MessageID)
	}
}
