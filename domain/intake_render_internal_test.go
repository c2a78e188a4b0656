package domain

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// gateComposer renders a mail as its address once open is closed, and fails
// the mail to fail@…; it counts the mails it has begun.
type gateComposer struct {
	open  chan struct{}
	begun atomic.Int32
}

func (c *gateComposer) MessageID(m Mail) (string, error) { return "<" + m.To + ">", nil }

func (c *gateComposer) Compose(ctx context.Context, m Mail) (*OutboxMessage, error) {
	c.begun.Add(1)
	<-c.open
	if strings.HasPrefix(m.To, "fail@") {
		return nil, errors.New("no template")
	}
	return &OutboxMessage{To: m.To, Subject: "S " + m.To, Raw: []byte("raw " + m.To)}, nil
}

// TestRenderBesideTheBatch: a batch's mails are rendered while the batch
// goes on (begun before its end), put in their rows at its end, a failed
// one named; and the workers end whether the batch ends well or not.
func TestRenderBesideTheBatch(t *testing.T) {
	before := runtime.NumGoroutine()

	c := &gateComposer{open: make(chan struct{})}
	b := newBatchTx(nil)
	b.renderWith(c)
	var rows []*OutboxMessage
	for i := range 3 {
		msg, err := b.renderLater(context.Background(), Mail{Kind: MailTicketReceived, To: fmt.Sprintf("u%d@company.test", i)})
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, msg)
	}
	// Rendering has begun before the batch's end.
	deadline := time.Now().Add(10 * time.Second)
	for c.begun.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if c.begun.Load() == 0 {
		t.Fatal("no mail was being rendered while the batch went on")
	}
	if rows[0].Raw != nil {
		t.Fatal("a row got its text before the batch's end")
	}
	close(c.open)
	if err := b.renderAll(); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if want := fmt.Sprintf("u%d@company.test", i); r.Subject != "S "+want || string(r.Raw) != "raw "+want || r.MessageID != "<"+want+">" {
			t.Errorf("row %d = %+v", i, r)
		}
	}

	// A failed mail is named; a batch that ends without flush stops its
	// workers too.
	b = newBatchTx(nil)
	b.renderWith(c)
	b.renderLater(context.Background(), Mail{Kind: MailTicketReceived, To: "fail@company.test"})
	if err := b.renderAll(); err == nil || !strings.Contains(err.Error(), "fail@company.test") {
		t.Errorf("renderAll = %v, want the failed mail named", err)
	}
	b = newBatchTx(nil)
	b.renderWith(c)
	b.renderLater(context.Background(), Mail{Kind: MailTicketReceived, To: "u@company.test"})
	b.stopRendering()
	b.stopRendering() // twice is harmless (a deferred call after flush)

	deadline = time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the batches, %d before: render workers left running", n, before)
	}
}
