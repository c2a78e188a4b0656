package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"ticketgate/storage/storagetest"
)

func TestInboxCommands(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		env := map[string]string{"DATABASE_URL": db.URL, "HELPDESK_ADDRESS": "help@company.test"}
		dir := t.TempDir()
		write := func(name, body string) string {
			p := filepath.Join(dir, name)
			os.WriteFile(p, []byte(body), 0o600)
			return p
		}
		good := write("good.eml", "From: Ann <ann@company.test>\r\nTo: help@company.test\r\nSubject: Keyboard\r\nMessage-Id: <k1@company.test>\r\n\r\nMy keyboard is dead.\r\n")
		outsider := write("outsider.eml", "From: eve@elsewhere.test\r\nSubject: Hi\r\nMessage-Id: <e1@elsewhere.test>\r\n\r\nhello\r\n")
		garbage := write("garbage.eml", "\x00\x01\x02 not a mail")
		out, errOut, code := runCLI(t, env, "", "inbox", "import", good, outsider, good, garbage)
		if code != 0 {
			t.Fatalf("inbox import: %d %q %q", code, out, errOut)
		}
		for _, want := range []string{"good.eml: ticket TKT-1", "outsider.eml: logged", "good.eml: duplicate", "garbage.eml: quarantined"} {
			if !strings.Contains(out, want) {
				t.Errorf("import output lacks %q:\n%s", want, out)
			}
		}
		// From standard input too.
		out, _, code = runCLI(t, env, "From: bob@company.test\r\nSubject: Mouse\r\n\r\nBroken mouse\r\n", "inbox", "import", "-")
		if code != 0 || !strings.Contains(out, "-: ticket TKT-2") {
			t.Errorf("import from stdin: %d %q", code, out)
		}

		out, _, code = runCLI(t, env, "", "inbox", "log", "--json")
		var log []map[string]any
		if err := json.Unmarshal([]byte(out), &log); err != nil || code != 0 || len(log) != 2 {
			t.Fatalf("inbox log --json = %s", out)
		}
		var reasons []string
		for _, e := range log {
			reasons = append(reasons, e["reason"].(string))
		}
		if !slices.ContainsFunc(reasons, func(r string) bool { return strings.Contains(r, "duplicate") }) ||
			!slices.ContainsFunc(reasons, func(r string) bool { return strings.Contains(r, "ALLOWED_SENDER_DOMAINS") }) {
			t.Errorf("log reasons = %v", reasons)
		}

		out, _, code = runCLI(t, env, "", "inbox", "quarantine", "list")
		m := regexp.MustCompile(`(?m)^(\d+)\s+\S+ \S+\s+import`).FindStringSubmatch(out)
		if code != 0 || m == nil {
			t.Fatalf("quarantine list: %d\n%s", code, out)
		}
		id := m[1]
		if out, _, code := runCLI(t, env, "", "inbox", "quarantine", "show", id); code != 0 || !strings.Contains(out, "reason:") {
			t.Errorf("quarantine show: %d %q", code, out)
		}
		if out, _, code := runCLI(t, env, "", "inbox", "quarantine", "show", id, "--raw"); code != 0 || out != "\x00\x01\x02 not a mail" {
			t.Errorf("quarantine show --raw: %d %q", code, out)
		}
		// Still unreadable: the retry fails and the mail stays.
		if _, errOut, code := runCLI(t, env, "", "inbox", "quarantine", "retry", id); code != 1 || !strings.Contains(errOut, "still unreadable") {
			t.Errorf("quarantine retry: %d %q", code, errOut)
		}
		if out, _, _ := runCLI(t, env, "", "inbox", "quarantine", "list"); !strings.Contains(out, "import") {
			t.Errorf("failed retry removed the mail:\n%s", out)
		}
		if _, _, code := runCLI(t, env, "", "inbox", "quarantine", "retry", "abc"); code != 2 {
			t.Errorf("retry abc: code %d, want 2", code)
		}
	})
}

// TestInboxImportMailbox: --mailbox files the imported mail as received
// for that mailbox (its ticket remembers it); an address that is not ours
// is a usage error and imports nothing.
func TestInboxImportMailbox(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		env := map[string]string{"DATABASE_URL": db.URL, "HELPDESK_ADDRESS": "help@company.test"}
		setup := filepath.Join(t.TempDir(), "setup.json")
		os.WriteFile(setup, []byte(`{"mailboxes": [{"address": "hr@company.test", "name": "HR"}]}`), 0o600)
		if out, errOut, code := runCLI(t, env, "", "setup", "apply", setup); code != 0 {
			t.Fatalf("setup apply: %d %q %q", code, out, errOut)
		}
		mail := "From: ann@company.test\r\nTo: hr@company.test\r\nSubject: Leave\r\nMessage-Id: <l1@company.test>\r\n\r\nMy leave.\r\n"
		if out, _, code := runCLI(t, env, mail, "inbox", "import", "--mailbox", "nobody@company.test", "-"); code != 2 || out != "" {
			t.Errorf("--mailbox nobody@: exit %d, output %q; want 2 and nothing imported", code, out)
		}
		out, errOut, code := runCLI(t, env, mail, "inbox", "import", "--mailbox", "HR@company.test", "-")
		if code != 0 || !strings.Contains(out, "-: ticket TKT-1") {
			t.Fatalf("--mailbox hr@: %d %q %q", code, out, errOut)
		}
		out, _, _ = runCLI(t, env, "", "ticket", "show", "TKT-1", "--json")
		var tk map[string]any
		if err := json.Unmarshal([]byte(out), &tk); err != nil || tk["mailbox"] != "hr@company.test" {
			t.Errorf("the imported ticket's mailbox is %v (%v); want hr@company.test", tk["mailbox"], err)
		}
	})
}
