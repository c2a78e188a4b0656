package classify

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
)

// handMade is a small labelled set in English, German and French.
var handMade = []Example{
	{Text: "my laptop screen is broken", Label: "Hardware"},
	{Text: "the monitor flickers and the keyboard is dead", Label: "Hardware"},
	{Text: "need a new mouse and docking station", Label: "Hardware"},
	{Text: "laptop battery does not charge", Label: "Hardware"},
	{Text: "Bildschirm defekt, Laptop startet nicht", Label: "Hardware"},
	{Text: "écran cassé sur mon ordinateur portable", Label: "Hardware"},
	{Text: "please reset my password, account locked", Label: "Access"},
	{Text: "cannot log in to vpn, access denied", Label: "Access"},
	{Text: "grant me access to the finance share", Label: "Access"},
	{Text: "password expired and account is locked", Label: "Access"},
	{Text: "Passwort vergessen, Konto gesperrt", Label: "Access"},
	{Text: "mot de passe oublié, compte bloqué", Label: "Access"},
	{Text: "question about my payslip and holiday allowance", Label: "HR"},
	{Text: "sick leave form and holiday request", Label: "HR"},
	{Text: "update my payroll bank details", Label: "HR"},
	{Text: "Urlaubsantrag und Gehaltsabrechnung", Label: "HR"},
	{Text: "congé maladie et fiche de paie", Label: "HR"},
	{Text: "holiday balance on my payslip is wrong", Label: "HR"},
}

func smallConfig() Config {
	c := DefaultConfig()
	c.MinDF = 1
	c.Epochs = 30
	return c
}

func TestModelSmall(t *testing.T) {
	m, err := Train(handMade, nil, smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ text, want string }{
		{"The laptop screen went black", "Hardware"},
		{"Locked out: password reset please", "Access"},
		{"When is the payslip coming? Also my holiday request.", "HR"},
		{"Mein Passwort ist abgelaufen, Konto gesperrt", "Access"},
		{"fiche de paie incorrecte", "HR"},
		{"Laptop startet nicht mehr", "Hardware"},
	}
	for _, tt := range tests {
		p := m.Predict(tt.text)
		if p.Labels[0] != tt.want {
			t.Errorf("Predict(%q) = %v %v, want %s", tt.text, p.Labels, p.Probs, tt.want)
		}
		var sum float64
		for _, x := range p.Probs {
			if x < 0 || x > 1 {
				t.Errorf("Predict(%q): probability %v out of [0,1]", tt.text, x)
			}
			sum += x
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("Predict(%q): probabilities sum to %v", tt.text, sum)
		}
		if len(p.Words) == 0 {
			t.Errorf("Predict(%q): no explaining words", tt.text)
		}
	}
}

func TestModelEmptyText(t *testing.T) {
	m, err := Train(handMade, nil, smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"", "   ", "Hi, thanks! Best regards", "12345 https://x.test"} {
		p := m.Predict(text)
		if len(p.Labels) != 3 || p.Probs[0] > 0.6 || len(p.Words) != 0 {
			t.Errorf("Predict(%q) = %v %v %v: want a flat answer with no words", text, p.Labels, p.Probs, p.Words)
		}
	}
	if _, err := Train(nil, nil, DefaultConfig()); !errors.Is(err, ErrNoExamples) {
		t.Errorf("Train(nil) error = %v, want ErrNoExamples", err)
	}
	if _, err := Train([]Example{{Text: "12 34", Label: "x"}}, nil, DefaultConfig()); !errors.Is(err, ErrNoExamples) {
		t.Errorf("Train(no words) error = %v, want ErrNoExamples", err)
	}
	if _, err := Train([]Example{{Text: "laptop", Label: " "}}, nil, DefaultConfig()); err == nil {
		t.Error("Train(empty label) succeeded")
	}
}

func TestModelDeterministic(t *testing.T) {
	// Enough examples for calibration to run too.
	var many []Example
	for i := 0; i < 20; i++ {
		many = append(many, handMade...)
	}
	a, err := Train(many, map[string][]string{"Access": {"vpn"}}, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Train(many, map[string][]string{"Access": {"vpn"}}, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if a.Temperature() == 1 {
		t.Errorf("temperature = 1: calibration did not run on %d examples", len(many))
	}
	for _, text := range []string{"vpn is down", "new keyboard", "payslip", "", "mot de passe"} {
		pa, pb := a.Predict(text), b.Predict(text)
		if !reflect.DeepEqual(pa, pb) {
			t.Errorf("Predict(%q) differs between two trainings: %+v vs %+v", text, pa, pb)
		}
	}
	if !reflect.DeepEqual(a.w, b.w) || a.Temperature() != b.Temperature() {
		t.Error("two trainings on the same data gave different weights")
	}
}

func TestCalibrationNeedsRealExamples(t *testing.T) {
	var seeds []Example
	for i := 0; i < 40; i++ {
		for _, e := range handMade {
			e.Seed = true
			seeds = append(seeds, e)
		}
	}
	m, err := Train(seeds, nil, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if m.Temperature() != 1 {
		t.Errorf("temperature = %v on %d seed examples only, want 1 (no calibration)", m.Temperature(), len(seeds))
	}
}

func TestKeywordsAreStrong(t *testing.T) {
	// Without keywords "toner" is unknown; as a keyword of Hardware it wins.
	m, err := Train(handMade, map[string][]string{"Hardware": {"toner", "Printer Cartridge"}}, smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	p := m.Predict("we ran out of toner")
	if p.Labels[0] != "Hardware" || !reflect.DeepEqual(p.Keywords, []string{"toner"}) {
		t.Errorf("Predict(toner) = %v %v keywords %v, want Hardware by keyword toner", p.Labels, p.Probs, p.Keywords)
	}
	p = m.Predict("Two printer cartridges please")
	if p.Labels[0] != "Hardware" || len(p.Keywords) != 1 {
		t.Errorf("Predict(printer cartridges) = %v keywords %v, want the multi-word keyword to match", p.Labels, p.Keywords)
	}
}

var testCategories = []domain.Category{
	{ID: 1, Name: "Hardware Request", Description: "Laptops, monitors, peripherals", Keywords: []string{"laptop", "monitor", "keyboard"}},
	{ID: 2, Name: "Access", Description: "Accounts, passwords and permissions", Keywords: []string{"password", "vpn", "locked"}},
	{ID: 3, Name: "Payroll", Description: "Salary, payslips, expenses", Keywords: []string{"payslip", "salary", "expenses"}},
}

func TestLocalColdStart(t *testing.T) {
	l := NewLocal(DefaultConfig())
	ctx := context.Background()
	res, err := l.Classify(ctx, "Laptop broken", "Hi,\nmy laptop will not start.\n\nThanks,\nAnn", testCategories)
	if err != nil {
		t.Fatal(err)
	}
	if res.Category != "Hardware Request" || res.Method != domain.MethodLocal || len(res.Candidates) != 3 {
		t.Fatalf("Classify = %+v, want Hardware Request by local with three candidates", res)
	}
	if res.Candidates[0].Confidence < res.Candidates[1].Confidence || res.Confidence != res.Candidates[0].Confidence {
		t.Errorf("candidates %+v are not best first", res.Candidates)
	}
	if l.Model() == nil {
		t.Error("the cold-start model was not kept")
	}
	// Only the categories asked about are answered.
	res, err = l.Classify(ctx, "Laptop broken", "", testCategories[1:])
	if err != nil {
		t.Fatal(err)
	}
	if res.Category == "Hardware Request" || len(res.Candidates) != 2 {
		t.Errorf("Classify over two categories = %+v", res)
	}
	res, err = l.Classify(ctx, "anything", "", nil)
	if err != nil || res.Category != "" {
		t.Errorf("Classify with no categories = %+v, %v; want no category", res, err)
	}
}

// fakeSource is a Source in memory. Tests append to confirmed; an example
// counts as changed when a count first sees it after TrainingExamples did
// not (its time is the time of that count).
type fakeSource struct {
	mu        sync.Mutex
	cats      []domain.Category
	version   int64
	confirmed []domain.TrainingExample
	seen      []time.Time        // per example of confirmed: when first counted; zero: read by a training
	picks     []domain.AdminPick // numbered 1, 2, …: the examples version is the last one's (memory_test.go)
}

func (f *fakeSource) ListCategories(context.Context) ([]domain.Category, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]domain.Category(nil), f.cats...), nil
}
func (f *fakeSource) CategoriesVersion(context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.version, nil
}
func (f *fakeSource) TrainingExamples(_ context.Context, limit int) ([]domain.TrainingExample, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.seen) < len(f.confirmed) {
		f.seen = append(f.seen, time.Time{})
	}
	return append([]domain.TrainingExample(nil), f.confirmed...), nil
}
func (f *fakeSource) CountTrainingExamplesSince(_ context.Context, since time.Time) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.seen) < len(f.confirmed) {
		f.seen = append(f.seen, time.Now())
	}
	var n int64
	for _, at := range f.seen {
		if !at.IsZero() && !at.Before(since) {
			n++
		}
	}
	return n, nil
}
func (f *fakeSource) CountTrainingExamples(context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return int64(len(f.confirmed)), nil
}

func TestLearnerRetrainsOnCategoryChange(t *testing.T) {
	src := &fakeSource{cats: testCategories[:2], version: 1}
	local := NewLocal(DefaultConfig())
	trained := make(chan TrainStats, 10)
	ln := NewLearner(src, local, LearnerOptions{Poll: 5 * time.Millisecond, RetrainAfter: 2,
		OnTrained: func(s TrainStats) { trained <- s }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- ln.Run(ctx) }()
	defer func() { cancel(); <-done }()
	wait := func(what string) TrainStats {
		t.Helper()
		select {
		case s := <-trained:
			return s
		case <-time.After(5 * time.Second):
			t.Fatalf("no training after %s", what)
		}
		return TrainStats{}
	}
	if s := wait("start"); s.Version != 1 || s.Categories != 2 {
		t.Fatalf("first training = %+v", s)
	}
	src.mu.Lock()
	src.cats = append(src.cats, domain.Category{Name: "Telephony", Keywords: []string{"phone", "voicemail"}})
	src.version = 2
	src.mu.Unlock()
	if s := wait("a category change"); s.Version != 2 || s.Categories != 3 {
		t.Fatalf("training after the change = %+v", s)
	}
	all := append(testCategories[:2:2], domain.Category{Name: "Telephony", Keywords: []string{"phone", "voicemail"}})
	res, err := local.Classify(ctx, "desk phone", "my voicemail is full", all)
	if err != nil || res.Category != "Telephony" {
		t.Errorf("Classify after retraining = %+v, %v; want Telephony", res, err)
	}
	// One new confirmed ticket is not enough; two are.
	src.mu.Lock()
	src.confirmed = append(src.confirmed, domain.TrainingExample{Subject: "toner", Body: "printer out of toner", Category: "Hardware Request"})
	src.mu.Unlock()
	select {
	case s := <-trained:
		t.Fatalf("retrained after one new ticket: %+v", s)
	case <-time.After(50 * time.Millisecond):
	}
	src.mu.Lock()
	src.confirmed = append(src.confirmed, domain.TrainingExample{Subject: "toner", Body: "toner again", Category: "hardware request"})
	src.mu.Unlock()
	if s := wait("two confirmed tickets"); s.Confirmed != 2 || s.Examples != len(SeedExamples(all))+2 {
		t.Errorf("training after two tickets = %+v", s)
	}
}

func TestCalibrationError(t *testing.T) {
	tests := []struct {
		conf    []float64
		correct []bool
		want    float64
	}{
		{[]float64{0.8, 0.8, 0.8, 0.8, 0.8}, []bool{true, true, true, true, false}, 0},
		{[]float64{0.9, 0.9}, []bool{false, false}, 0.9},
		{[]float64{1, 0.25}, []bool{true, false}, 0.125},
	}
	for _, tt := range tests {
		if got := CalibrationError(tt.conf, tt.correct); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("CalibrationError(%v, %v) = %v, want %v", tt.conf, tt.correct, got, tt.want)
		}
	}
}

// A model of 1,000 tickets is retrained after a twentieth more (50), not
// after RetrainAfter (2): training reads up to MaxExamples tickets, and a
// busy helpdesk would otherwise retrain at every poll.
func TestLearnerRetrainsInProportion(t *testing.T) {
	src := &fakeSource{cats: testCategories[:2], version: 1}
	add := func(n int) {
		src.mu.Lock()
		defer src.mu.Unlock()
		for range n {
			i := len(src.confirmed)
			src.confirmed = append(src.confirmed, domain.TrainingExample{Subject: fmt.Sprintf("toner %d", i),
				Body: "printer out of toner", Category: testCategories[i%2].Name})
		}
	}
	add(1000)
	trainings := 0
	ln := NewLearner(src, NewLocal(DefaultConfig()), LearnerOptions{RetrainAfter: 2,
		OnTrained: func(TrainStats) { trainings++ }})
	ctx := context.Background()
	ln.step(ctx)
	if trainings != 1 {
		t.Fatalf("%d trainings at start", trainings)
	}
	add(49)
	ln.step(ctx)
	if trainings != 1 {
		t.Fatalf("retrained after 49 new tickets on 1,000")
	}
	add(1)
	ln.step(ctx)
	if trainings != 2 {
		t.Fatalf("not retrained after 50 new tickets on 1,000")
	}
}
