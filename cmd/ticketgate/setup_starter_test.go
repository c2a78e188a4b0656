package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/domain/classify"
	"ticketgate/storage/storagetest"
)

// TestSetupStarterCommand: `setup starter` creates the eight categories
// once (a second run creates nothing), refuses beside a category of the
// helpdesk's own, and `classify` then learns from the warm start.
func TestSetupStarterCommand(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		env := map[string]string{"DATABASE_URL": db.URL}
		out, errOut, code := runCLI(t, env, "", "setup", "starter")
		if code != 0 || !strings.Contains(out, `category "Hardware": created`) || !strings.Contains(out, "8 created, 0 already there") {
			t.Fatalf("setup starter: %d %q %q", code, out, errOut)
		}
		out, errOut, code = runCLI(t, env, "", "setup", "starter")
		if code != 0 || !strings.Contains(out, `category "Hardware": already there`) || !strings.Contains(out, "0 created, 8 already there") {
			t.Fatalf("setup starter again: %d %q %q", code, out, errOut)
		}
		st := storagetest.Open(t, db.URL)
		if cats, err := st.ListCategories(context.Background()); err != nil || len(cats) != 8 {
			t.Fatalf("%d categories after two runs, %v; want 8", len(cats), err)
		}
		if _, errOut, code := runCLI(t, env, "", "setup", "starter", "now"); code != 2 || !strings.Contains(errOut, "no arguments") {
			t.Errorf("setup starter now: %d %q", code, errOut)
		}
		if _, errOut, code := runCLI(t, env, "", "setup", "starter", "--help"); code != 0 || !strings.Contains(errOut, "Usage: ticketgate setup starter") {
			t.Errorf("setup starter --help: %d %q", code, errOut)
		}

		if !raceEnabled { // training on the warm start takes minutes under the race detector
			out, errOut, code = runCLI(t, env, "", "classify", "Subject: screen dead\nHi, my monitor stays black since this morning.\n\nThanks, Ann")
			if code != 0 || !strings.Contains(out, "category:    Hardware\n") || !strings.Contains(out, "method:      local\n") ||
				strings.Contains(out, "below CLASSIFY_MIN_CONFIDENCE") {
				t.Errorf("classify after setup starter: %d %q\n%s", code, errOut, out)
			}
			// classify eval from the database learns what serve learns.
			// The starter categories' own texts and the 38,285 warm rows.
			want := fmt.Sprintf("trained on %d examples (database)", len(classify.SeedExamples(domain.StarterCategories()))+38285)
			out, errOut, code = runCLI(t, env, "", "classify", "eval", "../../domain/classify/testdata/raw_mails.csv")
			if code != 0 || !strings.Contains(out, want) {
				t.Errorf("classify eval after setup starter: %d %q\n%s", code, errOut, out)
			}
		}

		setup := writeFile(t, t.TempDir(), "setup.json", `{"categories": [{"name": "Telephony", "keywords": ["phone"]}]}`)
		if _, errOut, code := runCLI(t, env, "", "setup", "apply", setup); code != 0 {
			t.Fatalf("setup apply: %d %s", code, errOut)
		}
		out, errOut, code = runCLI(t, env, "", "setup", "starter")
		if code != 1 || out != "" || !strings.Contains(errOut, "categories of its own (Telephony)") || !strings.Contains(errOut, "nothing was changed") ||
			strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("setup starter beside Telephony: %d %q %q; want exit 1 and one line naming Telephony", code, out, errOut)
		}
	})
}

// TestFirstStartMessage: serve's first-start message tells how to apply
// the starter set when there are no categories, and not otherwise.
func TestFirstStartMessage(t *testing.T) {
	c := &Config{AdminEmail: "boss@company.test", BaseURL: "https://help.company.test"}
	var b bytes.Buffer
	printFirstStart(&b, c, "pw-123", true)
	for _, want := range []string{"created the admin boss@company.test", "one-time password: pw-123", "ticketgate setup starter",
		`"Apply the starter set" on the admin dashboard (https://help.company.test/admin)`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("first-start message lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	printFirstStart(&b, c, "pw-123", false)
	if strings.Contains(b.String(), "starter") || !strings.Contains(b.String(), "one-time password: pw-123") {
		t.Errorf("first-start message with categories:\n%s", b.String())
	}
}
