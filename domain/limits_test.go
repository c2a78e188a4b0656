package domain

import (
	"strings"
	"testing"
	"time"
)

// TestReadersOnHugeText: the command and out-of-office readers read huge
// or hostile text as they read a short one, within their limits.
func TestReadersOnHugeText(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	manyLines := strings.Repeat("\n", 1<<20) + "Approved. Go ahead\n" + strings.Repeat("more\r\n", 1<<16)
	if d, comment, ok := ParseDecision(manyLines); !ok || d != DecisionApproved || !strings.HasPrefix(comment, "Go ahead\nmore\nmore") || len(comment) > len(manyLines) {
		t.Errorf("ParseDecision(blank lines, then a decision) = %q, %d bytes of comment, %v", d, len(comment), ok)
	}
	if _, _, ok := ParseDecision(strings.Repeat("a", 1<<20) + ". yes"); ok {
		t.Error("a 1 MiB word is a decision")
	}
	if _, _, ok := ParseDecision("approvedapprovedapproved."); ok {
		t.Error("a word longer than maxCommandWord is a decision")
	}
	if note, ok := parseResolve("Done: " + strings.Repeat("x", 1<<20)); !ok || len(note) != 1<<20 {
		t.Errorf("parseResolve(long note) = %d bytes, %v", len(note), ok)
	}

	// A huge auto-reply full of dates: the date in its last line (the
	// subject) is still read.
	text := strings.Repeat("On 01.12.2026 and 02/12 and December 3rd. ", 200000) + "\nOut of office until 18 December"
	if got, ok := AwayUntilFromText(text, now); !ok || !got.Equal(time.Date(2026, 12, 19, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("AwayUntilFromText(huge text) = %v, %v", got, ok)
	}
}
