package inbox

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
)

// corpusDirs are where the shared mail corpus may be: beside the repository
// clone (../shared/mail-corpus from the repo root), or one level further up
// for a git worktree under wt/. MAIL_CORPUS overrides both. Tests that need
// it skip when it is absent, so `go test ./...` passes on a fresh clone.
var corpusDirs = []string{"../../shared/mail-corpus", "../../../shared/mail-corpus"}

// corpusExceptions are corpus expectations this parser does not meet, each
// with the reason. Keep it short; a new entry needs a reason a reviewer
// accepts.
var corpusExceptions = map[string]string{
	"replies/talon--iphone.eml": "talon keeps \"Sent from my iPhone\" in the new text, while " +
		"email_reply_parser--email_iPhone.txt (same footer) expects it stripped; we strip it",
	"replies/talon--sparrow.eml": "talon keeps the \"-- \" signature and \"Sent with Sparrow\", while " +
		"email_reply_parser--correct_sig.txt expects a \"-- \" signature hidden; we hide it",
}

func corpus(t testing.TB) string {
	t.Helper()
	dirs := corpusDirs
	if d := os.Getenv("MAIL_CORPUS"); d != "" {
		dirs = []string{d}
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "README.md")); err == nil {
			return d
		}
	}
	t.Skipf("mail corpus not present at %v", dirs)
	return ""
}

// corpusFiles lists the message files of one corpus folder, without the
// expected-output files.
func corpusFiles(t testing.TB, folder string) []string {
	t.Helper()
	dir := filepath.Join(corpus(t), folder)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	var files []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.Contains(n, ".expected") {
			continue
		}
		files = append(files, filepath.Join(dir, n))
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatalf("no files in %s", dir)
	}
	return files
}

// hangLimit is how long a parse or text function may run before a test
// calls it a hang. It is no speed bound (a shared machine makes time
// noise): it is orders of magnitude over what any of them takes, so a
// test that hangs fails with the input's name instead of at go test's
// timeout. Their speed is measured by benchmarks, and their linearity
// checked by allocation ratios (hostile_test.go).
const hangLimit = time.Minute

// finishes runs f and fails the test if it panics or hangs.
func finishes(t *testing.T, name string, f func()) {
	t.Helper()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		f()
	}()
	select {
	case r := <-done:
		if r != nil {
			t.Fatalf("%s: panic: %v", name, r)
		}
	case <-time.After(hangLimit):
		t.Fatalf("%s: still running after %v", name, hangLimit)
	}
}

// parseWithin parses a corpus file, failing on a panic or a hang.
func parseWithin(t *testing.T, path string) (*domain.Inbound, error) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var in *domain.Inbound
	var perr error
	finishes(t, filepath.Base(path), func() { in, perr = Parse(raw) })
	return in, perr
}

type manifestRow struct {
	folder, file, expect string
}

func manifest(t *testing.T) map[string]manifestRow {
	t.Helper()
	f, err := os.Open(filepath.Join(corpus(t), "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string]manifestRow{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 10 || cols[0] == "folder" {
			continue
		}
		rows[cols[1]] = manifestRow{folder: cols[0], file: cols[1], expect: cols[9]}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestCorpusReplies(t *testing.T) {
	files := corpusFiles(t, "replies")
	rows := manifest(t)
	pass, checked := 0, 0
	for _, path := range files {
		name := filepath.Base(path)
		base := strings.TrimSuffix(name, filepath.Ext(name))
		t.Run(name, func(t *testing.T) {
			if reason, ok := corpusExceptions["replies/"+name]; ok {
				t.Skip("known exception: " + reason)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var got string
			switch {
			case strings.HasSuffix(name, ".eml"):
				var in *domain.Inbound
				var perr error
				finishes(t, name, func() { in, perr = Parse(raw) })
				if perr != nil {
					t.Fatalf("Parse: %v", perr)
				}
				got = in.NewText
			case strings.HasSuffix(name, ".html"):
				finishes(t, name, func() { got = NewText(htmlToText(string(raw))) })
			default:
				finishes(t, name, func() { got = NewText(string(raw)) })
			}
			checked++
			dir := filepath.Dir(path)
			if want, err := os.ReadFile(filepath.Join(dir, base+".expected.txt")); err == nil {
				if strings.HasSuffix(name, ".html") {
					if g, w := noSpace(got), noSpace(string(want)); g != w {
						t.Fatalf("new text (no whitespace) = %q, want %q", g, w)
					}
				} else if g, w := strings.TrimSpace(got), strings.TrimSpace(normalizeNewlines(string(want))); g != w {
					t.Fatalf("new text =\n%s\n--- want:\n%s", g, w)
				}
			} else if want, err := os.ReadFile(filepath.Join(dir, base+".expected-prefix.txt")); err == nil {
				if w := strings.TrimSpace(normalizeNewlines(string(want))); !strings.HasPrefix(got, w) {
					t.Fatalf("new text =\n%s\n--- want prefix:\n%s", got, w)
				}
			} else {
				if strings.TrimSpace(got) == "" {
					t.Fatalf("empty new text")
				}
				checkReplyNote(t, name, rows[name].expect, got)
			}
			pass++
		})
	}
	t.Logf("replies: %d/%d pass", pass, len(files))
}

// checkReplyNote checks the MANIFEST notes of reply files that have no
// expected file.
func checkReplyNote(t *testing.T, name, note, got string) {
	t.Helper()
	switch {
	case strings.Contains(note, "signature") && strings.Contains(note, "hidden"):
		if strings.Contains(got, "rick") {
			t.Errorf("signature not stripped: %q", got)
		}
	case strings.Contains(name, "one_is_not_on"):
		if !strings.Contains(got, "One outstanding question") || strings.Contains(got, "On Oct 1, 2012") {
			t.Errorf("new text = %q", got)
		}
	case strings.Contains(name, "email_1_7"):
		if !strings.Contains(got, ":+1:") || strings.Contains(got, "On Tue") {
			t.Errorf("new text = %q", got)
		}
	case strings.Contains(name, "sig_delimiter_in_middle"):
		if !strings.Contains(got, "this is not a signature") || !strings.Contains(got, "kthxbai") {
			t.Errorf("new text = %q", got)
		}
	case strings.Contains(name, "email_1_5"):
		if !strings.Contains(got, "This is a paragraph") || !strings.Contains(got, "One: Here") {
			t.Errorf("whole body expected, got %q", got)
		}
	case strings.Contains(name, "email_1_8"):
		if !strings.Contains(got, "I will reply under this one") || strings.Contains(got, "okay?") {
			t.Errorf("inline reply = %q", got)
		}
	}
}

func noSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0' {
			return -1
		}
		return r
	}, s)
}

func TestCorpusAutoReplies(t *testing.T) {
	files := corpusFiles(t, "auto-replies")
	pass := 0
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			in, err := parseWithin(t, path)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			kind, reason := in.Automatic()
			switch kind {
			case domain.AutoReply, domain.AutoReceipt, domain.AutoReport:
			default:
				t.Fatalf("Automatic() = %q %q, want auto-reply, read receipt or feedback report", kind, reason)
			}
			pass++
		})
	}
	t.Logf("auto-replies: %d/%d pass", pass, len(files))
}

var (
	statusRe    = regexp.MustCompile(`status=([0-9.]+)`)
	finalRcptRe = regexp.MustCompile(`Final-Recipient in message: (\S+)`)
)

// statusExceptions are bounces whose machine-readable Status differs from
// the status MANIFEST.tsv gives (rb-sisimai's reading of the prose).
var statusExceptions = map[string]string{
	"sisimai--lhost-sendmail-10.eml": "Status: 4.4.7 in the delivery-status part; sisimai reads 4.7.1 from the Diagnostic-Code text",
}

// nonFailures are the bounces/ files the corpus README names as reports
// that are not hard failures (a success and the delay notices).
func nonFailure(name string) bool {
	return name == "sisimai--lhost-amazonses-12.eml" || strings.HasPrefix(name, "flanker--delayed") ||
		name == "enmime--delayed_dsn.raw" || name == "rubymail--report_422.eml"
}

func TestCorpusBounces(t *testing.T) {
	files := corpusFiles(t, "bounces")
	rows := manifest(t)
	pass := 0
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			if reason, ok := corpusExceptions["bounces/"+name]; ok {
				t.Skip("known exception: " + reason)
			}
			in, err := parseWithin(t, path)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			kind, reason := in.Automatic()
			switch {
			case nonFailure(name):
				if kind != domain.AutoDelay {
					t.Fatalf("Automatic() = %q %q, want %q", kind, reason, domain.AutoDelay)
				}
			case kind == domain.AutoDelay && strings.HasPrefix(in.Auto.DSNStatus, "4."):
				// A DSN with a transient (4.x.x) status: automatic, not a
				// hard failure (see dsnKind).
			case kind != domain.AutoBounce:
				t.Fatalf("Automatic() = %q %q, want %q (DSN status %q)", kind, reason, domain.AutoBounce, in.Auto.DSNStatus)
			}
			note := rows[name].expect
			// The status is checked where the mail has a machine-readable
			// one (a delivery-status part): the others' status in MANIFEST
			// is sisimai's reading of the prose.
			if _, skip := statusExceptions[name]; in.Auto.DSNStatus != "" && !skip {
				if m := statusRe.FindAllStringSubmatch(note, -1); len(m) > 0 {
					ok := false
					for _, s := range m {
						if s[1] == in.Auto.DSNStatus {
							ok = true
						}
					}
					if !ok {
						t.Errorf("DSNStatus = %q, MANIFEST says %q", in.Auto.DSNStatus, note)
					}
				}
			}
			if m := finalRcptRe.FindStringSubmatch(note); m != nil {
				for _, r := range strings.Split(m[1], ",") {
					r = strings.ToLower(r)
					found := false
					for _, got := range in.Auto.DSNRecipients {
						if got == r {
							found = true
						}
					}
					if !found {
						t.Errorf("DSNRecipients = %v, want %s among them", in.Auto.DSNRecipients, r)
					}
				}
			}
			pass++
		})
	}
	t.Logf("bounces: %d/%d pass", pass, len(files))
}

func TestCorpusMIMEEdge(t *testing.T) {
	files := corpusFiles(t, "mime-edge")
	parsed, quarantined, tnef := 0, 0, 0
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			in, err := parseWithin(t, path)
			if strings.HasSuffix(name, ".tnef") {
				// Raw winmail.dat streams, not messages. There is no TNEF
				// decoder: what matters is that feeding one to Parse (as a
				// mistaken import would) neither crashes nor hangs, and is
				// refused for quarantine rather than made a ticket.
				tnef++
				if err == nil {
					t.Errorf("Parse(TNEF stream) = %+v, want an error", in)
				}
				return
			}
			if err != nil {
				if !errors.Is(err, ErrUnreadable) {
					t.Errorf("Parse error %v does not wrap ErrUnreadable", err)
				}
				quarantined++
				t.Logf("quarantined: %v", err)
				return
			}
			if in.MessageID == "" {
				t.Errorf("empty MessageID")
			}
			parsed++
		})
	}
	t.Logf("mime-edge: %d parsed, %d quarantined, %d TNEF streams refused, of %d", parsed, quarantined, tnef, len(files))
}

// BenchmarkNewTextCorpus: NewText on the corpus's replies built to be slow
// (a pathological one and a long quote), in MB/s.
func BenchmarkNewTextCorpus(b *testing.B) {
	for _, name := range []string{"email_reply_parser--pathological.txt", "email_reply_parser--email_long_quote.txt"} {
		raw, err := os.ReadFile(filepath.Join(corpus(b), "replies", name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				NewText(string(raw))
			}
		})
	}
}
