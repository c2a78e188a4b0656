package inbox

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"ticketgate/domain"
	"ticketgate/inbox/hostile"
	"ticketgate/storage/storagetest"
)

// Bounds the hostile mails are held to, as ratios to the input's size:
// never wall-clock times.
const (
	// allocPerByte bounds the bytes Parse allocates per byte of mail (plus
	// allocSlack): a mail is copied a few times (transfer and charset
	// decoding, the text, the attachments), never once per line or part.
	allocPerByte = 12
	allocSlack   = 4 << 20
	// growthLimit bounds alloc(4n) / alloc(n): about 4 when linear, 16
	// when quadratic.
	growthLimit = 8
	// outputPerByte bounds the text returned per byte of these mails
	// (maxTextPerByte is the bound for any input).
	outputPerByte = 4
)

// allocated returns the bytes f allocated on the heap.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// checkGrowth fails the test when what a function allocated for an input
// four times as large (big) grew past growthLimit times what it allocated
// for the small one: linear work allocates about 4 times as much,
// quadratic 16 times.
func checkGrowth(t *testing.T, what string, small, big uint64) {
	t.Helper()
	growth := float64(big) / float64(max(small, 1))
	t.Logf("%s: allocated %d bytes for n, %d for 4n (%.1f×)", what, small, big, growth)
	if growth > growthLimit {
		t.Errorf("%s: allocations grew %.1f× for 4× the input (%d → %d bytes)", what, growth, small, big)
	}
}

// benchSizes runs f on input(n) for each of sizes, in MB/s: equal figures
// when f is linear in its input.
func benchSizes(b *testing.B, sizes []int, input func(n int) string, f func(string)) {
	for _, n := range sizes {
		in := input(n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				f(in)
			}
		})
	}
}

// parseCost parses raw and returns what Parse allocated.
func parseCost(t *testing.T, raw []byte) (*domain.Inbound, uint64) {
	t.Helper()
	var in *domain.Inbound
	var err error
	alloc := allocated(func() { in, err = Parse(raw) })
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return in, alloc
}

// checkBounds checks what Parse made of raw against the limits, with
// Text at most perByte bytes per byte of raw (and the cut markers).
func checkBounds(t *testing.T, raw []byte, in *domain.Inbound, perByte int) {
	t.Helper()
	markers := 0
	for _, c := range in.Cut {
		markers += len(cutMarker(c)) + 2
	}
	if len(in.Text) > maxTextBytes+markers {
		t.Errorf("Text is %d bytes, over maxTextBytes (%d) and the markers", len(in.Text), maxTextBytes)
	}
	if len(in.Text) > perByte*len(raw)+markers {
		t.Errorf("Text is %d bytes out of %d", len(in.Text), len(raw))
	}
	if len(in.NewText) > len(in.Text)+len(cutMarker(linesCut))+2 {
		t.Errorf("NewText (%d bytes) longer than Text (%d)", len(in.NewText), len(in.Text))
	}
	if !utf8.ValidString(in.Text) || !utf8.ValidString(in.NewText) || !utf8.ValidString(in.Subject) || !utf8.ValidString(in.FromName) {
		t.Errorf("invalid UTF-8 in Text, NewText, Subject or FromName")
	}
	if len(in.Subject) > maxHeaderText+len("…") || len(in.FromName) > maxHeaderText+len("…") || len(in.Auto.ListID) > maxHeaderText+len("…") {
		t.Errorf("Subject %d, FromName %d, List-Id %d bytes: over maxHeaderText", len(in.Subject), len(in.FromName), len(in.Auto.ListID))
	}
	if len(in.To) > maxAddresses || len(in.DeliveredTo) > maxAddresses || len(in.Auto.DSNRecipients) > maxAddresses {
		t.Errorf("%d To, %d DeliveredTo, %d DSN recipients: over maxAddresses", len(in.To), len(in.DeliveredTo), len(in.Auto.DSNRecipients))
	}
	if len(in.References) > maxMessageIDs || len(in.InReplyTo) > maxMessageIDs {
		t.Errorf("%d References, %d In-Reply-To: over maxMessageIDs", len(in.References), len(in.InReplyTo))
	}
	size := 0
	for _, a := range in.Attachments {
		size += len(a.Content)
	}
	if len(in.Attachments) > maxAttachments || size > len(raw) {
		t.Errorf("%d attachments of %d bytes, from %d bytes", len(in.Attachments), size, len(raw))
	}
	if len(in.Warnings) > maxWarnings || len(in.Auto.ContentTypes) > maxParts {
		t.Errorf("%d warnings, %d content types", len(in.Warnings), len(in.Auto.ContentTypes))
	}
}

// TestHostileMailsBounded parses each hostile mail at n and 4n copies of
// its pattern: its output stays within the limits and a small multiple of
// its size, Parse allocates a small multiple of it, and the cost of 4n is
// far below 16 times that of n (quadratic) in bytes allocated. Time is
// not asserted (a shared machine makes it noise); BenchmarkParseHostile
// gives MB/s at n and 4n, equal when the parser is linear.
func TestHostileMailsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("large inputs")
	}
	for _, c := range hostile.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			small, big := c.Make(c.N), c.Make(4*c.N)
			inSmall, allocSmall := parseCost(t, small)
			in, alloc := parseCost(t, big)
			checkBounds(t, small, inSmall, outputPerByte)
			checkBounds(t, big, in, outputPerByte)
			t.Logf("%d bytes: allocated %.1f× its size (n: %.1f×), text %d bytes, cut %q",
				len(big), float64(alloc)/float64(len(big)), float64(allocSmall)/float64(len(small)), len(in.Text), in.Cut)
			if limit := uint64(allocPerByte*len(big) + allocSlack); alloc > limit {
				t.Errorf("Parse allocated %d bytes for %d (limit %d)", alloc, len(big), limit)
			}
			checkGrowth(t, "Parse", allocSmall, alloc)
		})
	}
}

// TestHostileMailsBecomeTickets takes each hostile mail through Parse and
// Desk.Receive on a real store (SQLite, and PostgreSQL with
// TEST_DATABASE_URL): each becomes a ticket or is quarantined (a bounce is
// logged, as automatic mail is), and a mail cut at a limit keeps its raw
// source on the ticket as original.eml.
func TestHostileMailsBecomeTickets(t *testing.T) {
	if testing.Short() {
		t.Skip("large inputs")
	}
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		in := newIntake(t, db.URL)
		cuts := 0
		for _, c := range hostile.Cases() {
			raw := c.Make(c.N)
			m, err := Parse(raw)
			if err != nil && !errors.Is(err, ErrUnreadable) {
				t.Fatalf("%s: Parse: %v", c.Name, err)
			}
			outs, err := in.desk.Receive(ctx, []domain.Received{{Source: domain.Source{Channel: "smtp"}, Raw: raw, Mail: m, ParseError: err}})
			if err != nil || len(outs) != 1 {
				t.Fatalf("%s: Receive = %+v, %v", c.Name, outs, err)
			}
			o := outs[0]
			switch o.Kind {
			case domain.OutcomeQuarantined:
				t.Logf("%s: quarantined: %s", c.Name, o.Reason)
				continue
			case domain.OutcomeLogged:
				if kind, _ := m.Automatic(); kind != domain.AutoNone {
					continue // a bounce: logged, as automatic mail is
				}
				t.Fatalf("%s: logged (%.200s), want a ticket or quarantine", c.Name, o.Reason)
			case domain.OutcomeTicket:
			default:
				t.Fatalf("%s: outcome %s (%.200s), want a ticket or quarantine", c.Name, o.Kind, o.Reason)
			}
			d, err := in.desk.Ticket(ctx, o.TicketID)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Ticket.Body) > maxTextBytes+4096 {
				t.Errorf("%s: ticket body of %d bytes", c.Name, len(d.Ticket.Body))
			}
			var original *domain.Attachment
			for i, a := range d.Attachments {
				if a.Name == "original.eml" {
					original = &d.Attachments[i]
				}
			}
			switch {
			case len(m.Cut) > 0 && (original == nil || original.Size != int64(len(raw)) || original.ContentType != "message/rfc822"):
				t.Errorf("%s: cut %q, but original.eml is %+v", c.Name, m.Cut, original)
			case len(m.Cut) == 0 && original != nil:
				t.Errorf("%s: nothing cut, but original.eml kept", c.Name)
			case len(m.Cut) > 0:
				cuts++
				if !strings.Contains(d.Ticket.Body, "[… cut: ") {
					t.Errorf("%s: cut %q, but no marker in the body", c.Name, m.Cut)
				}
			}
		}
		if cuts == 0 {
			t.Error("no hostile mail was cut at a limit")
		}
	})
}

// TestLimitNames: the notes and markers name the limits' real values.
func TestLimitNames(t *testing.T) {
	if want := "the mail's text is longer than " + sizeName(maxTextBytes); textCut != want {
		t.Errorf("textCut = %q, want %q", textCut, want)
	}
	if want := "the mail's text has more than " + strconv.Itoa(maxLines) + " lines"; linesCut != want {
		t.Errorf("linesCut = %q, want %q", linesCut, want)
	}
	if got := cutMarker(textCut); got != "[… cut: the mail's text is longer than 1 MiB; the whole mail is kept as original.eml]" {
		t.Errorf("cutMarker = %q", got)
	}
}

// TestNewTextLines: NewText looks at maxLines lines. Past them, with no
// quote in them, it keeps them and says so; a quote within them cuts as
// always.
func TestNewTextLines(t *testing.T) {
	long := strings.Repeat("line\n", maxLines) + "the rest\n"
	got := NewText(long)
	if !strings.HasSuffix(got, "\n\n"+cutMarker(linesCut)) || strings.Contains(got, "the rest") || strings.Count(got, "line\n") != maxLines {
		t.Errorf("NewText(%d lines) = …%q", maxLines+1, got[max(0, len(got)-120):])
	}
	quoted := "Yes, do it.\n\nOn 1 Jan 2026, Ann <ann@company.test> wrote:\n" + strings.Repeat("> line\n", 2*maxLines)
	if got := NewText(quoted); got != "Yes, do it." {
		t.Errorf("NewText(a long quote) = %.80q", got)
	}
	in, err := Parse([]byte("From: ann@company.test\r\n\r\n" + long))
	if err != nil || !slices.Contains(in.Cut, linesCut) {
		t.Errorf("Parse(%d lines): Cut = %q, %v", maxLines+1, in.Cut, err)
	}
}

// BenchmarkParseHostile measures Parse on hostile mails at the sizes the
// issue names (4n copies of each pattern) and reports MB/s:
//
//	go test -run '^$' -bench ParseHostile -benchmem ./inbox/
func BenchmarkParseHostile(b *testing.B) {
	for _, c := range hostile.Cases() {
		for _, n := range []int{c.N, 4 * c.N} {
			raw := c.Make(n)
			b.Run(c.Name+"/"+strconv.Itoa(n), func(b *testing.B) {
				b.SetBytes(int64(len(raw)))
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if _, err := Parse(raw); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
