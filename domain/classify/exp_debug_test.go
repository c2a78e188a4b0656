package classify

import (
	"os"
	"strings"
	"testing"
)

func TestDebugTune(t *testing.T) {
	if os.Getenv("CLASSIFY_DEBUG") == "" {
		t.Skip()
	}
	all := datasetExamples(t, "train.csv")
	cats := coldStartCategories(t)
	cfg := DefaultConfig()
	m, err := Train(append(SeedExamples(cats), all...), Keywords(cats), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range readTestdata(t, "realistic_tune.csv") {
		subject, body := mailParts(e.Text)
		text := MailText(subject, body)
		p := m.Predict(text)
		if p.Labels[0] != e.Label {
			plain, head := mailWords(text, cfg.HeadWords)
			t.Logf("WANT %s GOT %s %.2f (%s %.2f) kw=%v words=%v\n  head=%d %s", e.Label, p.Labels[0], p.Probs[0], p.Labels[1], p.Probs[1], p.Keywords, p.Words, head, strings.Join(tokensOf(plain), " "))
		}
	}
}
