package domain

import (
	"strings"
	"testing"

	"ticketgate/domain/i18n"
)

// TestCommandWordsNeverContradict: no word means approve in one language
// and reject in another, none is both a decision and another command, and
// every word the catalog tells a reader to write is read as what it says.
func TestCommandWordsNeverContradict(t *testing.T) {
	approve, reject := map[string]string{}, map[string]string{}
	for lang, ws := range commandWords {
		for _, w := range ws.approve {
			approve[w] = lang
		}
		for _, w := range ws.reject {
			reject[w] = lang
		}
	}
	for w, la := range approve {
		if lr, ok := reject[w]; ok {
			t.Errorf("%q approves in %s and rejects in %s", w, la, lr)
		}
	}
	for _, other := range []map[string]bool{resolveWords, reopenWords, unsubscribeWords} {
		for w := range other {
			if _, ok := decisionWords[w]; ok {
				t.Errorf("%q is a decision word and another command", w)
			}
		}
	}
	for w := range resolveWords {
		if reopenWords[w] {
			t.Errorf("%q both resolves and reopens", w)
		}
	}
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Supported() {
		l := c.For(lang, nil)
		for _, tt := range []struct {
			key  string
			read func(string) bool
		}{
			{"word.approve", func(s string) bool { d, _, ok := ParseDecision(s); return ok && d == DecisionApproved }},
			{"word.reject", func(s string) bool { d, _, ok := ParseDecision(s); return ok && d == DecisionRejected }},
			{"word.done", func(s string) bool { _, ok := parseResolve(s); return ok }},
			{"word.reopen", func(s string) bool { _, ok := parseReopen(s); return ok }},
			{"word.unsubscribe", func(s string) bool { _, _, ok := firstLineCommand(s, unsubscribeWords); return ok }},
		} {
			w := l.T(tt.key)
			for _, reply := range []string{w, w + "\n", strings.ToLower(w) + ": thanks", w + ". Merci"} {
				if !tt.read(reply) {
					t.Errorf("%s %s %q: the reply %q is not read as it", lang, tt.key, w, reply)
				}
			}
		}
	}
	for _, tt := range []struct {
		reply string
		want  Decision
	}{
		{"GENEHMIGT", DecisionApproved}, {"ABGELEHNT", DecisionRejected}, {"APPROUVÉ", DecisionApproved},
		{"REFUSÉ", DecisionRejected}, {"APROBADO", DecisionApproved}, {"RECHAZADO", DecisionRejected},
		{"Approuvé, bon courage", DecisionApproved}, {"Nein.", DecisionRejected}, {"Sí", DecisionApproved},
	} {
		if d, _, ok := ParseDecision(tt.reply); !ok || d != tt.want {
			t.Errorf("ParseDecision(%q) = %v, %v; want %v", tt.reply, d, ok, tt.want)
		}
	}
	// Still no command: a word followed by more words.
	for _, reply := range []string{"Genehmigt ist das noch nicht", "Si vous voulez", "No problem, go ahead"} {
		if _, _, ok := ParseDecision(reply); ok {
			t.Errorf("ParseDecision(%q) decided", reply)
		}
	}
}
