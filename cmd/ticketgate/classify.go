package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"ticketgate/domain"
	"ticketgate/domain/classify"
	"ticketgate/domain/classify/starter"
	"ticketgate/storage"
)

// classifySweep is how often serve looks for tickets left unclassified
// (ClassifyLater's queue overflowed, or a classification failed).
const classifySweep = time.Minute

// classification is the classifier of serve and `classify`: the local
// model, asked after the OpenAI-compatible one when OPENAI_API_KEY is set
// (whose prompt shows the confirmed tickets the local one finds closest,
// and which is not asked about a mail worded like an admin's pick), timed
// for /metrics.
type classification struct {
	local      *classify.Local
	classifier domain.Classifier
	minConf    float64
	log        *slog.Logger
	latency    *prometheus.HistogramVec
	fallbacks  prometheus.Counter
	// writer words the assistant's questions and summaries (with
	// OPENAI_API_KEY); nil without.
	writer domain.AssistWriter
}

func newClassification(c *Config, log *slog.Logger) *classification {
	cl := &classification{local: classify.NewLocal(classify.DefaultConfig()), minConf: c.ClassifyMinConfidence, log: log,
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ticketgate_classify_duration_seconds",
			Help:    "Time to classify a ticket, by the method that decided (local, openai) or error.",
			Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"method"}),
		fallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ticketgate_classify_fallbacks_total",
			Help: "Classifications where the OpenAI-compatible classifier failed and the local one decided.",
		}),
	}
	cl.classifier = cl.local
	if c.OpenAIAPIKey != "" {
		oa := classify.NewOpenAI(classify.OpenAIConfig{APIKey: c.OpenAIAPIKey, BaseURL: c.OpenAIBaseURL,
			Model: c.OpenAIModel, Timeout: c.ClassifyTimeout, Examples: cl.local})
		cl.writer = oa
		cl.classifier = classify.Chain{Primary: oa, Fallback: cl.local, Corrections: cl.local, PrimaryName: domain.MethodOpenAI,
			OnFallback: func(err error) {
				cl.fallbacks.Inc()
				log.Warn("openai classifier failed; the local one decides", slog.Any("error", err))
			}}
	}
	return cl
}

// Classify implements domain.Classifier, observing the latency.
func (cl *classification) Classify(ctx context.Context, subject, body string, cats []domain.Category) (domain.Classification, error) {
	start := time.Now()
	res, err := cl.classifier.Classify(ctx, subject, body, cats)
	method := res.Method
	if err != nil || method == "" {
		method = "error"
	}
	cl.latency.WithLabelValues(method).Observe(time.Since(start).Seconds())
	return res, err
}

// Inline implements domain.InlineClassifier: the local model alone answers
// from memory, and intake classifies with it; an OpenAI-compatible model
// asked first may wait on the network, so its tickets are classified after
// intake's commit (ClassifyLater).
func (cl *classification) Inline() bool { return cl.classifier == domain.Classifier(cl.local) }

// deskOption makes a Desk classify with cl, rank the assistant's similar
// tickets by the local model's features and, with OPENAI_API_KEY, word
// its questions and summaries with the model.
func (cl *classification) deskOption() domain.Option {
	return func(d *domain.Desk) {
		domain.WithClassifier(cl, cl.minConf)(d)
		domain.WithSimilarity(cl.local)(d)
		if cl.writer != nil {
			domain.WithAssistWriter(cl.writer)(d)
		}
	}
}

// register puts the classify metrics on reg.
func (cl *classification) register(reg prometheus.Registerer) {
	reg.MustRegister(cl.latency, cl.fallbacks)
}

// start runs, until stop is called, the Learner (training at start, on
// category changes and as tickets are confirmed) and the Desk's background
// classifier (tickets left from before, then each new one). Both recover
// from panics.
func (cl *classification) start(st *storage.Store, desk *domain.Desk) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	learner := classify.NewLearner(st, cl.local, learnerOptions(cl.log))
	var wg sync.WaitGroup
	for name, run := range map[string]func(context.Context) error{
		"classifier training": learner.Run,
		"classifier":          func(ctx context.Context) error { return desk.RunClassifier(ctx, classifySweep) },
	} {
		wg.Go(func() { supervise(ctx, cl.log, name, run) })
	}
	return func() { cancel(); wg.Wait() }
}

func (a *app) cmdClassify(args []string) error {
	if len(args) > 0 && args[0] == "eval" {
		return a.classifyEval(args[1:])
	}
	f := a.newFlags("classify", "classify TEXT [--explain]\n\nPrints the category ticketgate would give TEXT (a mail's subject and body), with\nits confidence, method and explanation, against the categories and confirmed\ntickets of the database. With OPENAI_API_KEY set the OpenAI-compatible model is\nasked first. --explain adds what decided in the local model: the normalized\ntokens and, per top category, the keywords found and the strongest features\nwith their weights.")
	explain := f.Bool("explain", false, "print the normalized tokens and, per top category, the keyword hits and strongest features")
	f.markOwn()
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) == 0 || strings.TrimSpace(strings.Join(pos, " ")) == "" {
		return usagef("want the text to classify")
	}
	text := strings.Join(pos, " ")
	e, err := a.open(f, nil)
	if err != nil {
		return err
	}
	defer e.Close()
	log := a.quietLogger(e.c)
	cl := newClassification(e.c, log)
	cats, err := e.st.ListCategories(a.ctx)
	if err != nil {
		return err
	}
	if len(cats) == 0 {
		return errors.New("no categories: add some with `ticketgate setup apply FILE.json`, or `ticketgate setup starter`")
	}
	if _, err := classify.NewLearner(e.st, cl.local, learnerOptions(log)).Retrain(a.ctx); err != nil {
		return err
	}
	subject, body := splitSubject(text)
	res, err := cl.Classify(a.ctx, subject, body, cats)
	if err != nil {
		return err
	}
	w := a.stdout
	fmt.Fprintf(w, "category:    %s\n", orDash(res.Category))
	fmt.Fprintf(w, "confidence:  %.2f", res.Confidence)
	if res.Category != "" && res.Confidence < e.c.ClassifyMinConfidence {
		fmt.Fprintf(w, " (below CLASSIFY_MIN_CONFIDENCE %.2f: the ticket would wait in triage)", e.c.ClassifyMinConfidence)
	}
	fmt.Fprintf(w, "\nmethod:      %s\nexplanation: %s\n", res.Method, res.Explanation)
	if len(res.Candidates) > 0 {
		var cs []string
		for _, cand := range res.Candidates {
			cs = append(cs, fmt.Sprintf("%s %.2f", cand.Category, cand.Confidence))
		}
		fmt.Fprintf(w, "candidates:  %s\n", strings.Join(cs, ", "))
	}
	if *explain {
		ex, err := cl.local.Explain(subject, body, cats, explainFeatures)
		if err != nil {
			return err
		}
		printExplanation(w, ex)
	}
	return nil
}

// explainFeatures and explainLabels bound `classify --explain`: the
// strongest features of each of the top categories.
const explainFeatures, explainLabels = 8, 3

// printExplanation writes what decided in the local model: the normalized
// tokens (the head words marked), then per top category its probability,
// the parts of its score, its keyword hits and strongest features.
func printExplanation(w io.Writer, ex classify.Explanation) {
	fmt.Fprintf(w, "\nlocal model, why:\n")
	toks := slices.Clone(ex.Tokens)
	for i := range toks[:ex.Head] {
		toks[i] = "^" + toks[i]
	}
	fmt.Fprintf(w, "  tokens:    %s\n", orDash(strings.Join(toks, " ")))
	fmt.Fprintf(w, "             (after normalization; ^ marks the subject's words, which count twice)\n")
	for _, le := range ex.Labels[:min(explainLabels, len(ex.Labels))] {
		fmt.Fprintf(w, "  %s %.2f: linear %+.3f (bias %+.3f)", le.Label, le.Prob, le.Linear, le.Bias)
		if le.Network != 0 {
			fmt.Fprintf(w, ", network %+.3f", le.Network)
		}
		if le.Temperature != 1 {
			fmt.Fprintf(w, ", / temperature %.2f", le.Temperature)
		}
		if len(le.Keywords) > 0 {
			fmt.Fprintf(w, ", keywords %s %+.1f", strings.Join(le.Keywords, ", "), le.KeywordBoost)
		}
		fmt.Fprintln(w)
		var fs []string
		for _, fw := range le.Features {
			fs = append(fs, fmt.Sprintf("%s %+.3f", fw.Feature, fw.Weight))
		}
		fmt.Fprintf(w, "    features: %s\n", orDash(strings.Join(fs, ", ")))
	}
}

// evalJSON is `classify eval --json`: one per test file.
type evalJSON struct {
	classify.Report
	File            string  `json:"file"`   // the test file
	Source          string  `json:"source"` // csv, csv+categories, keywords-only, starter, starter+csv or database
	TrainExamples   int     `json:"train_examples"`
	Features        int     `json:"features"`
	Temperature     float64 `json:"temperature"`
	ModelBytes      int64   `json:"model_bytes"`
	TrainingSeconds float64 `json:"training_seconds"`
	LatencyMeanMS   float64 `json:"latency_mean_ms"`
	LatencyP99MS    float64 `json:"latency_p99_ms"`
	// CalibrationError is the expected calibration error of the
	// confidences (classify.CalibrationError).
	CalibrationError float64         `json:"calibration_error"`
	Thresholds       []thresholdJSON `json:"thresholds"`
}

// thresholdJSON says what a CLASSIFY_MIN_CONFIDENCE would do on the test
// set: the share of tickets classified at or above it, and their accuracy.
type thresholdJSON struct {
	MinConfidence float64 `json:"min_confidence"`
	Classified    float64 `json:"classified"`
	Accuracy      float64 `json:"accuracy"`
}

func (a *app) classifyEval(args []string) error {
	f := a.newFlags("classify eval", "classify eval [--train TRAIN.csv [--categories SETUP.json]] [--keywords-only SETUP.json] [--starter [--train TRAIN.csv]] TEST.csv [TEST2.csv…] [--json]\n\nTrains the local model once and scores it on each TEST.csv (columns text,label),\none report per file. The model learns from TRAIN.csv with --train (with\n--categories, also from the categories of a setup file: their names,\ndescriptions and keywords, as an install with that history would), from the\ncategories of a setup file alone with --keywords-only (the cold start), with\n--starter as a fresh install with the starter set (its categories and the\nwarm start serve trains, from the embedded data set or, with --train, from\nTRAIN.csv's rows, their labels read as the starter categories'), and\notherwise from the database (categories and confirmed tickets). Only the last\nneeds a database. A text whose first line is \"Subject: …\" is read as a mail.")
	trainPath := f.String("train", "", "learn from this CSV (text,label) instead of the database")
	catsPath := f.String("categories", "", "with --train: learn the categories of this setup file too (names, descriptions, keywords)")
	setupPath := f.String("keywords-only", "", "learn from the categories of this setup file alone (cold start)")
	starterSet := f.Bool("starter", false, "learn as a fresh install with the starter set: its categories and warm start, no confirmed ticket (with --train: the warm start from TRAIN.csv)")
	asJSON := f.Bool("json", false, "print the results as JSON (an array with several test files)")
	f.markOwn()
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("want at least one TEST.csv")
	}
	if *trainPath != "" && *setupPath != "" {
		return usagef("--train and --keywords-only exclude each other")
	}
	if *catsPath != "" && *trainPath == "" {
		return usagef("--categories goes with --train")
	}
	if *starterSet && (*catsPath != "" || *setupPath != "") {
		return usagef("--starter brings its own categories: not with --categories or --keywords-only")
	}
	tests := make([][]classify.Example, len(pos))
	for i, p := range pos {
		if tests[i], err = readExamples(p); err != nil {
			return err
		}
		if len(tests[i]) == 0 {
			return fmt.Errorf("%s: no examples", p)
		}
	}
	var (
		examples []classify.Example
		keywords map[string][]string
		cats     []domain.Category
		source   string
	)
	switch {
	case *starterSet:
		source = "starter"
		cats = domain.StarterCategories()
		var rows []starter.Row
		if *trainPath != "" {
			source = "starter+csv"
			train, err := readExamples(*trainPath)
			if err != nil {
				return err
			}
			rows = starterRows(train)
		} else if rows, err = starter.Rows(); err != nil {
			return err
		}
		examples, keywords = append(classify.SeedExamples(cats), classify.WarmExamples(rows, cats, 0)...), classify.Keywords(cats)
	case *trainPath != "":
		source = "csv"
		if examples, err = readExamples(*trainPath); err != nil {
			return err
		}
		if *catsPath != "" {
			source = "csv+categories"
			if cats, err = setupCategories(*catsPath); err != nil {
				return err
			}
			examples, keywords = append(classify.SeedExamples(cats), examples...), classify.Keywords(cats)
		}
	case *setupPath != "":
		source = "keywords-only"
		if cats, err = setupCategories(*setupPath); err != nil {
			return err
		}
		examples, keywords = classify.SeedExamples(cats), classify.Keywords(cats)
	default:
		source = "database"
		e, err := a.open(f, nil)
		if err != nil {
			return err
		}
		defer e.Close()
		if cats, err = e.st.ListCategories(a.ctx); err != nil {
			return err
		}
		if len(cats) == 0 {
			return errors.New("no categories in the database: use --train or --keywords-only, or `setup apply` first")
		}
		tickets, err := e.st.TrainingExamples(a.ctx, 0)
		if err != nil {
			return err
		}
		examples, keywords = classify.ExamplesFromDatabase(cats, tickets), classify.Keywords(cats)
		if examples, err = withWarmStart(examples, cats, len(tickets)); err != nil { // starter.go
			return err
		}
	}
	start := time.Now()
	m, err := classify.Train(examples, keywords, classify.DefaultConfig())
	if err != nil {
		return err
	}
	took := time.Since(start)
	if cats == nil {
		for _, l := range m.Labels() {
			cats = append(cats, domain.Category{Name: l})
		}
	}
	local := classify.NewLocal(classify.DefaultConfig())
	local.Set(m)
	var outs []evalJSON
	for i, test := range tests {
		out, err := a.evalOn(local, cats, test)
		if err != nil {
			return err
		}
		out.File, out.Source, out.TrainExamples, out.Features = pos[i], source, len(examples), m.Features()
		out.Temperature, out.ModelBytes, out.TrainingSeconds = m.Temperature(), m.MemoryBytes(), took.Seconds()
		outs = append(outs, out)
	}
	if *asJSON {
		if len(outs) == 1 {
			return writeJSON(a.stdout, outs[0])
		}
		return writeJSON(a.stdout, outs)
	}
	for i, out := range outs {
		if len(outs) > 1 {
			if i > 0 {
				fmt.Fprintln(a.stdout)
			}
			fmt.Fprintf(a.stdout, "== %s\n", out.File)
		}
		printEval(a.stdout, out)
	}
	return nil
}

// setupCategories reads the categories of a setup file.
func setupCategories(path string) ([]domain.Category, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	file, err := domain.ParseSetup(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var cats []domain.Category
	for _, sc := range file.Categories {
		cats = append(cats, domain.Category{Name: sc.Name, Description: sc.Description, Keywords: sc.Keywords})
	}
	if len(cats) == 0 {
		return nil, fmt.Errorf("%s: no categories", path)
	}
	return cats, nil
}

// evalOn classifies every example of test with local among cats and
// scores the answers: accuracy, per-label figures, latency, calibration
// and what each CLASSIFY_MIN_CONFIDENCE would do.
func (a *app) evalOn(local *classify.Local, cats []domain.Category, test []classify.Example) (evalJSON, error) {
	truth := make([]string, len(test))
	pred := make([]string, len(test))
	conf := make([]float64, len(test))
	lat := make([]time.Duration, len(test))
	for i, e := range test {
		truth[i] = e.Label
		subject, body := splitSubject(e.Text)
		t0 := time.Now()
		res, err := local.Classify(a.ctx, subject, body, cats)
		lat[i] = time.Since(t0)
		if err != nil {
			return evalJSON{}, err
		}
		pred[i], conf[i] = res.Category, res.Confidence
	}
	out := evalJSON{Report: classify.Score(truth, pred)}
	out.LatencyMeanMS, out.LatencyP99MS = latencyStats(lat)
	right := make([]bool, len(test))
	for i := range test {
		right[i] = pred[i] == truth[i]
	}
	out.CalibrationError = classify.CalibrationError(conf, right)
	for th := 0.30; th < 0.951; th += 0.05 {
		th = math.Round(th*100) / 100
		var n, ok int
		for i := range test {
			if conf[i] >= th {
				n++
				if pred[i] == truth[i] {
					ok++
				}
			}
		}
		tj := thresholdJSON{MinConfidence: th, Classified: float64(n) / float64(len(test))}
		if n > 0 {
			tj.Accuracy = float64(ok) / float64(n)
		}
		out.Thresholds = append(out.Thresholds, tj)
	}
	return out, nil
}

// splitSubject reads a text as a mail: a first line "Subject: …" is the
// subject and the rest the body; otherwise it is all body.
func splitSubject(text string) (subject, body string) {
	first, rest, _ := strings.Cut(text, "\n")
	if s, ok := strings.CutPrefix(strings.TrimSpace(first), "Subject:"); ok {
		return strings.TrimSpace(s), rest
	}
	return "", text
}

func readExamples(path string) ([]classify.Example, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	ex, err := classify.ReadCSV(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ex, nil
}

// latencyStats returns the mean and 99th percentile in milliseconds.
func latencyStats(lat []time.Duration) (mean, p99 float64) {
	if len(lat) == 0 {
		return 0, 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return ms(sum) / float64(len(s)), ms(s[min(len(s)-1, int(math.Ceil(0.99*float64(len(s))))-1)])
}

func printEval(w io.Writer, r evalJSON) {
	fmt.Fprintf(w, "accuracy: %.3f\nmacro_f1: %.3f\n\n", r.Accuracy, r.MacroF1)
	fmt.Fprintf(w, "trained on %d examples (%s) in %.2fs: %d features, temperature %.2f, model about %.1f MB\n",
		r.TrainExamples, r.Source, r.TrainingSeconds, r.Features, r.Temperature, float64(r.ModelBytes)/(1<<20))
	fmt.Fprintf(w, "tested on %d examples: classify latency mean %.3f ms, p99 %.3f ms; calibration error %.3f\n\n",
		r.N, r.LatencyMeanMS, r.LatencyP99MS, r.CalibrationError)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "label\tprecision\trecall\tf1\tsupport\t")
	for _, c := range r.Classes {
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%d\t\n", c.Label, c.Precision, c.Recall, c.F1, c.Support)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nconfusion matrix (rows: true label, columns: predicted, in the order above):")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\t")
	for i := range r.Labels {
		fmt.Fprintf(tw, "%d\t", i+1)
	}
	fmt.Fprintln(tw)
	for i, row := range r.Confusion {
		fmt.Fprintf(tw, "%d %s\t", i+1, r.Labels[i])
		for _, n := range row {
			fmt.Fprintf(tw, "%d\t", n)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nCLASSIFY_MIN_CONFIDENCE: share of tickets classified at or above it, and their accuracy:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "min\tclassified\taccuracy\t")
	for _, t := range r.Thresholds {
		fmt.Fprintf(tw, "%.2f\t%.3f\t%.3f\t\n", t.MinConfidence, t.Classified, t.Accuracy)
	}
	tw.Flush()
}
