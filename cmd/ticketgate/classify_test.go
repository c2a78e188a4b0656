package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/domain/classify"
	"ticketgate/storage/storagetest"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const evalTrain = `text,label
laptop screen broken,Hardware
monitor flickers keyboard dead,Hardware
need new mouse and docking station,Hardware
laptop battery does not charge,Hardware
reset my password account locked,Access
cannot log in to vpn access denied,Access
grant access to the finance share,Access
password expired account locked,Access
`

const evalTest = `text,label
"Subject: Laptop broken
Hi, my laptop screen is black. Thanks, Ann",Hardware
my password is locked,Access
vpn access please,Access
`

var accuracyRE = regexp.MustCompile(`(?m)^accuracy: (\d\.\d{3})\nmacro_f1: (\d\.\d{3})$`)

// TestClassifyEvalCSV: with --train the eval needs no database (the
// DATABASE_URL given cannot be opened) and prints the contract's lines.
func TestClassifyEvalCSV(t *testing.T) {
	dir := t.TempDir()
	train, test := writeFile(t, dir, "train.csv", evalTrain), writeFile(t, dir, "test.csv", evalTest)
	env := map[string]string{"DATABASE_URL": filepath.Join(dir, "no", "such", "dir", "x.db")}
	out, errOut, code := runCLI(t, env, "", "classify", "eval", "--train", train, test)
	if code != 0 {
		t.Fatalf("classify eval: code %d, stderr %q", code, errOut)
	}
	m := accuracyRE.FindStringSubmatch(out)
	if m == nil || m[1] != "1.000" || m[2] != "1.000" {
		t.Errorf("output does not start with accuracy 1.000 and macro_f1 1.000:\n%s", out)
	}
	for _, want := range []string{"precision", "confusion matrix", "trained on 8 examples (csv)", "latency mean", "CLASSIFY_MIN_CONFIDENCE"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, errOut, code = runCLI(t, env, "", "classify", "eval", test, "--train", train, "--json")
	if code != 0 {
		t.Fatalf("classify eval --json: code %d, stderr %q", code, errOut)
	}
	var j struct {
		Accuracy  *float64 `json:"accuracy"`
		MacroF1   *float64 `json:"macro_f1"`
		Labels    []string `json:"labels"`
		Confusion [][]int  `json:"confusion"`
		Classes   []struct {
			Label   string `json:"label"`
			Support int    `json:"support"`
		} `json:"classes"`
		LatencyMeanMS *float64 `json:"latency_mean_ms"`
		Training      *float64 `json:"training_seconds"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if j.Accuracy == nil || *j.Accuracy != 1 || j.MacroF1 == nil || strings.Join(j.Labels, ",") != "Access,Hardware" ||
		len(j.Confusion) != 2 || j.Confusion[0][0] != 2 || j.Confusion[1][1] != 1 || len(j.Classes) != 2 ||
		j.LatencyMeanMS == nil || j.Training == nil {
		t.Errorf("--json = %s", out)
	}
}

func TestClassifyEvalKeywordsOnly(t *testing.T) {
	setup, mails := "../../domain/classify/testdata/cold_start_setup.json", "../../domain/classify/testdata/raw_mails.csv"
	out, errOut, code := runCLI(t, map[string]string{"DATABASE_URL": "/no/such/dir/x.db"}, "", "classify", "eval", "--keywords-only", setup, mails)
	if code != 0 {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	m := accuracyRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no accuracy line:\n%s", out)
	}
	if acc, _ := strconv.ParseFloat(m[1], 64); acc < 0.9 {
		t.Errorf("keywords-only accuracy on the raw mails = %v, want at least 0.9", acc)
	}
	if !strings.Contains(out, "(keywords-only)") {
		t.Errorf("output does not say keywords-only:\n%s", out)
	}
}

// TestClassifyEvalSeveralFiles: one training, a report per test file (text
// and JSON), and --categories adds a setup file's categories to --train.
func TestClassifyEvalSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	train := writeFile(t, dir, "train.csv", evalTrain)
	test := writeFile(t, dir, "test.csv", evalTest)
	mails := writeFile(t, dir, "mails.csv", `text,label
"Subject: RE: [#TG-12] new headset please

Hello team,

my headset crackles since Monday.

Best regards,
Ann
Phone +44 20 7946 0000",Hardware
`)
	setup := writeFile(t, dir, "setup.json", `{"categories": [
		{"name": "Hardware", "description": "Equipment", "keywords": ["headset", "laptop"]},
		{"name": "Access", "description": "Passwords and permissions", "keywords": ["password"]}]}`)
	env := map[string]string{"DATABASE_URL": filepath.Join(dir, "no", "such", "dir", "x.db")}
	out, errOut, code := runCLI(t, env, "", "classify", "eval", "--train", train, "--categories", setup, test, mails)
	if code != 0 {
		t.Fatalf("classify eval: code %d, stderr %q", code, errOut)
	}
	reports := strings.Split(out, "== ")
	if len(reports) != 3 || !strings.HasPrefix(reports[1], test+"\n") || !strings.HasPrefix(reports[2], mails+"\n") {
		t.Fatalf("want a report headed by each file:\n%s", out)
	}
	for i, r := range reports[1:] {
		m := accuracyRE.FindStringSubmatch(r)
		if m == nil || m[1] != "1.000" || !strings.Contains(r, "(csv+categories)") {
			t.Errorf("report %d: want accuracy 1.000 from csv+categories:\n%s", i+1, r)
		}
	}
	out, errOut, code = runCLI(t, env, "", "classify", "eval", "--train", train, "--json", test, mails)
	if code != 0 {
		t.Fatalf("classify eval --json: code %d, stderr %q", code, errOut)
	}
	var js []struct {
		File     string  `json:"file"`
		Source   string  `json:"source"`
		Accuracy float64 `json:"accuracy"`
		N        int     `json:"n"`
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil || len(js) != 2 || js[0].File != test || js[1].File != mails ||
		js[0].N != 3 || js[1].N != 1 || js[0].Source != "csv" {
		t.Fatalf("--json with two files = %s (%v)", out, err)
	}
}

// TestClassifyEvalStarter: --starter learns as a fresh install with the
// starter set, without a database: the eight starter categories with the
// warm start from TRAIN.csv's rows (--train) or from the embedded data set.
func TestClassifyEvalStarter(t *testing.T) {
	dir := t.TempDir()
	train, test := writeFile(t, dir, "train.csv", evalTrain), writeFile(t, dir, "test.csv", evalTest)
	env := map[string]string{"DATABASE_URL": filepath.Join(dir, "no", "such", "dir", "x.db")}
	out, errOut, code := runCLI(t, env, "", "classify", "eval", "--starter", "--train", train, test, "--json")
	if code != 0 {
		t.Fatalf("classify eval --starter --train: code %d, stderr %q", code, errOut)
	}
	var j struct {
		Source        string  `json:"source"`
		Accuracy      float64 `json:"accuracy"`
		TrainExamples int     `json:"train_examples"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	// The eight categories' seed texts and the eight rows of train.csv,
	// read as Hardware's and Access's.
	seeds := len(classify.SeedExamples(domain.StarterCategories()))
	if j.Source != "starter+csv" || j.Accuracy != 1 || j.TrainExamples != seeds+8 {
		t.Errorf("--starter --train = %s, want source starter+csv, accuracy 1 and %d examples", out, seeds+8)
	}
	if testing.Short() {
		return
	}
	mails := "../../domain/classify/testdata/raw_mails.csv"
	out, errOut, code = runCLI(t, env, "", "classify", "eval", "--starter", mails)
	if code != 0 {
		t.Fatalf("classify eval --starter: code %d, stderr %q", code, errOut)
	}
	m := accuracyRE.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "(starter)") {
		t.Fatalf("want an accuracy line and the source starter:\n%s", out)
	}
	if acc, _ := strconv.ParseFloat(m[1], 64); acc < 0.9 {
		t.Errorf("the starter set's accuracy on the raw mails = %v, want at least 0.9", acc)
	}
}

func TestClassifyUsage(t *testing.T) {
	for _, args := range [][]string{
		{"classify"},
		{"classify", "eval"},
		{"classify", "eval", "--train", "a.csv", "--keywords-only", "s.json", "t.csv"},
		{"classify", "eval", "--categories", "s.json", "t.csv"},
		{"classify", "eval", "--starter", "--keywords-only", "s.json", "t.csv"},
		{"classify", "eval", "--starter", "--train", "a.csv", "--categories", "s.json", "t.csv"},
	} {
		if _, errOut, code := runCLI(t, nil, "", args...); code != 2 {
			t.Errorf("%v: code %d (stderr %q), want 2", args, code, errOut)
		}
	}
	if _, errOut, code := runCLI(t, nil, "", "classify", "eval", "--train", "/no/such.csv", "/no/test.csv"); code != 1 || !strings.Contains(errOut, "/no/test.csv") {
		t.Errorf("missing file: code %d, stderr %q", code, errOut)
	}
}

// TestClassifyCommand: `classify TEXT` and `classify eval TEST.csv`
// against the database's categories.
func TestClassifyCommand(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		dir := t.TempDir()
		env := map[string]string{"DATABASE_URL": db.URL}
		if _, errOut, code := runCLI(t, env, "", "classify", "laptop"); code != 1 || !strings.Contains(errOut, "no categories") {
			t.Errorf("classify with no categories: code %d, stderr %q", code, errOut)
		}
		setup := writeFile(t, dir, "setup.json", `{"categories": [
			{"name": "Hardware", "description": "Laptops and monitors", "keywords": ["laptop", "monitor", "keyboard"]},
			{"name": "Access", "description": "Passwords and permissions", "keywords": ["password", "vpn", "locked"]}]}`)
		if _, errOut, code := runCLI(t, env, "", "setup", "apply", setup); code != 0 {
			t.Fatalf("setup apply: %d %s", code, errOut)
		}
		out, errOut, code := runCLI(t, env, "", "classify", "Subject: Broken laptop\nHello, the laptop screen stays black.\n\nBest regards,\nAnn")
		if code != 0 {
			t.Fatalf("classify: code %d, stderr %q", code, errOut)
		}
		for _, want := range []string{"category:    Hardware\n", "method:      local\n", "explanation: local model (", "keywords laptop", "candidates:  Hardware "} {
			if !strings.Contains(out, want) {
				t.Errorf("classify output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "local model, why") {
			t.Errorf("classify without --explain explains:\n%s", out)
		}
		out, errOut, code = runCLI(t, env, "", "classify", "--explain", "Subject: RE: [#TG-7] Broken laptop\nHello, the laptop screen stays black since 9:30.\n\nBest regards,\nAnn")
		if code != 0 {
			t.Fatalf("classify --explain: code %d, stderr %q", code, errOut)
		}
		// The normalized tokens (subject's marked, tag, greeting and
		// signature gone, the time a typed token), then per category its
		// parts, keyword hits and features with weights.
		for _, want := range []string{"category:    Hardware\n", "  tokens:    ^broken ^laptop laptop screen stay black sinc _num\n",
			"  Hardware 0.99: linear +", "keywords laptop +4.0", "    features: ", "laptop +0."} {
			if !strings.Contains(out, want) {
				t.Errorf("classify --explain output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "ann") || strings.Contains(out, "tg") || strings.Count(out, "features:") != 2 {
			t.Errorf("classify --explain: want two categories explained, no signature or tag tokens:\n%s", out)
		}
		out, errOut, code = runCLI(t, env, "", "classify", "eval", writeFile(t, dir, "test.csv", evalTest))
		if code != 0 || !accuracyRE.MatchString(out) || !strings.Contains(out, "(database)") {
			t.Errorf("classify eval from the database: code %d, stderr %q\n%s", code, errOut, out)
		}
	})
}
