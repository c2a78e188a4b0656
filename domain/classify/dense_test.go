package classify

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"testing"
)

func TestSymmetricEigen(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 7
	a := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v := rng.NormFloat64()
			a[i*n+j], a[j*n+i] = v, v
		}
	}
	orig := slices.Clone(a)
	vals, vecs := symmetricEigen(a, n)
	for k := 0; k < n; k++ {
		// A v = λ v, and |v| = 1.
		var norm float64
		for i := 0; i < n; i++ {
			var av float64
			for j := 0; j < n; j++ {
				av += orig[i*n+j] * vecs[j*n+k]
			}
			if d := av - vals[k]*vecs[i*n+k]; math.Abs(d) > 1e-9 {
				t.Fatalf("eigenpair %d: (Av - λv)[%d] = %g", k, i, d)
			}
			norm += vecs[i*n+k] * vecs[i*n+k]
		}
		if math.Abs(norm-1) > 1e-9 {
			t.Fatalf("eigenvector %d has length² %g", k, norm)
		}
	}
}

// TestTopRightSingular compares the randomized basis with the exact
// eigenvectors of AᵀA on a matrix with a clear spectrum.
func TestTopRightSingular(t *testing.T) {
	const rows, cols, dim = 300, 40, 4
	rng := rand.New(rand.NewPCG(3, 4))
	// Four strong directions (weights 8, 6, 4, 3) plus small noise.
	dirs := make([][]float64, dim)
	for k := range dirs {
		dirs[k] = make([]float64, cols)
		for c := range dirs[k] {
			dirs[k][c] = rng.NormFloat64()
		}
	}
	scale := []float64{8, 6, 4, 3}
	a := make([]sparse, rows)
	dense := make([]float64, rows*cols)
	coef := make([]float64, dim)
	for r := range a {
		for k := range coef {
			coef[k] = scale[k] * rng.NormFloat64()
		}
		for c := 0; c < cols; c++ {
			v := 0.05 * rng.NormFloat64()
			for k := range dirs {
				v += coef[k] * dirs[k][c]
			}
			a[r].idx = append(a[r].idx, int32(c))
			a[r].val = append(a[r].val, float32(v))
			dense[r*cols+c] = float64(float32(v))
		}
	}
	basis := topRightSingular(a, cols, dim, 1)
	ata := make([]float64, cols*cols)
	for r := 0; r < rows; r++ {
		for i := 0; i < cols; i++ {
			for j := 0; j < cols; j++ {
				ata[i*cols+j] += dense[r*cols+i] * dense[r*cols+j]
			}
		}
	}
	vals, vecs := symmetricEigen(ata, cols)
	order := make([]int, cols)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int {
		if vals[x] > vals[y] {
			return -1
		}
		return 1
	})
	for k := 0; k < dim; k++ {
		var dot, norm float64
		for c := 0; c < cols; c++ {
			b := float64(basis[c*dim+k])
			dot += b * vecs[c*cols+order[k]]
			norm += b * b
		}
		if math.Abs(norm-1) > 1e-4 {
			t.Errorf("basis vector %d has length² %g, want 1", k, norm)
		}
		if math.Abs(math.Abs(dot)-1) > 1e-3 {
			t.Errorf("basis vector %d: |cos| with the exact singular vector = %g, want 1", k, math.Abs(dot))
		}
	}
}

// xorExamples are tickets whose label depends on two words together: a
// "printer" or "vpn" mail is Hardware when it comes from "paris" and
// Access when from "berlin", and the other way round for the second word.
// No weighting of single words separates them; a network on their
// embedding can.
func xorExamples(n int, seed uint64) []Example {
	rng := rand.New(rand.NewPCG(seed, 5))
	thing := [][]string{{"printer", "toner", "paper"}, {"vpn", "tunnel", "remote"}}
	place := [][]string{{"paris", "louvre", "seine"}, {"berlin", "spree", "mitte"}}
	filler := []string{"issue", "today", "again", "office", "since", "morning", "colleague", "urgent", "desk", "floor"}
	var out []Example
	for i := 0; i < n; i++ {
		a, b := rng.IntN(2), rng.IntN(2)
		words := []string{
			thing[a][rng.IntN(3)], thing[a][rng.IntN(3)],
			place[b][rng.IntN(3)], place[b][rng.IntN(3)],
			filler[rng.IntN(len(filler))], filler[rng.IntN(len(filler))], filler[rng.IntN(len(filler))],
		}
		rng.Shuffle(len(words), func(x, y int) { words[x], words[y] = words[y], words[x] })
		label := "Hardware"
		if a != b {
			label = "Access"
		}
		text := ""
		for _, w := range words {
			text += w + " "
		}
		out = append(out, Example{Text: text, Label: label})
	}
	return out
}

// denseTestConfig turns the dense part on for a few hundred examples.
func denseTestConfig() Config {
	cfg := DefaultConfig()
	cfg.Dense, cfg.DenseMin, cfg.DenseMinDF, cfg.Hidden, cfg.DenseEpochs = 6, 100, 2, 16, 30
	cfg.Bigrams, cfg.HeadWords = false, 0 // only single words, so the linear model cannot see pairs
	return cfg
}

func TestDenseLearnsWhatWordsAloneCannot(t *testing.T) {
	train, test := xorExamples(800, 1), xorExamples(400, 2)
	accuracy := func(cfg Config) float64 {
		m, err := Train(train, nil, cfg)
		if err != nil {
			t.Fatal(err)
		}
		ok := 0
		for _, e := range test {
			if m.Predict(e.Text).Labels[0] == e.Label {
				ok++
			}
		}
		return float64(ok) / float64(len(test))
	}
	cfg := denseTestConfig()
	withNet := accuracy(cfg)
	cfg.Dense = 0
	linear := accuracy(cfg)
	t.Logf("accuracy on the pairs task: linear %.3f, with the network %.3f", linear, withNet)
	if linear > 0.75 {
		t.Errorf("the linear model alone scores %.3f on a task single words cannot solve; the test proves nothing", linear)
	}
	if withNet < 0.9 {
		t.Errorf("with the network the accuracy is %.3f, want at least 0.9", withNet)
	}
}

func TestDenseOnlyWithEnoughExamples(t *testing.T) {
	cfg := denseTestConfig()
	cfg.DenseMin = 1000
	m, err := Train(xorExamples(800, 1), nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if m.net != nil {
		t.Error("the network was trained on 800 examples with DenseMin 1000")
	}
	cfg.DenseMin = 800
	if m, err = Train(xorExamples(800, 1), nil, cfg); err != nil {
		t.Fatal(err)
	}
	if m.net == nil {
		t.Error("no network on 800 examples with DenseMin 800")
	}
}

// TestDenseDeterministic: the same data gives the same model, whatever
// the number of cores.
func TestDenseDeterministic(t *testing.T) {
	train := xorExamples(600, 3)
	cfg := denseTestConfig()
	cfg.Calibrate, cfg.CalibrateMin = true, 300
	models := make([]*Model, 0, 2)
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		m, err := Train(train, nil, cfg)
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		if m.net == nil {
			t.Fatal("no network was trained")
		}
		models = append(models, m)
	}
	a, b := models[0], models[1]
	if !reflect.DeepEqual(a.net, b.net) || !reflect.DeepEqual(a.w, b.w) || a.temperature != b.temperature {
		t.Fatal("two trainings on the same data (1 and 2 cores) gave different models")
	}
	for _, e := range xorExamples(20, 4) {
		if pa, pb := a.Predict(e.Text), b.Predict(e.Text); !reflect.DeepEqual(pa, pb) {
			t.Errorf("Predict(%q): %+v vs %+v", e.Text, pa, pb)
		}
	}
}

// TestDenseUnknownWords: a text with no word of the embedding gets the
// linear model's answer, and empty text does not break the network.
func TestDenseUnknownWords(t *testing.T) {
	m, err := Train(xorExamples(400, 1), nil, denseTestConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"", "zzz qqq", "123 456", "日本語"} {
		if e := m.net.embed(plainWords(text)); e != nil {
			t.Errorf("embed(%q) = %v, want nil", text, e)
		}
		p := m.Predict(text)
		var sum float64
		for _, v := range p.Probs {
			sum += v
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("Predict(%q) probabilities add up to %g", text, sum)
		}
	}
	if m.MemoryBytes() <= int64(len(m.w))*4 {
		t.Error("MemoryBytes does not count the network")
	}
}

func TestPlainWords(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"Hi Team, please RESET my password! Thanks", []string{"hi", "team", "please", "reset", "my", "password", "thanks"}},
		{"see https://example.com or mail it@example.com, ticket 12345, a b", []string{"see", "_url", "or", "mail", "_addr", "ticket", "_num"}},
		{"Drucker kaputt", []string{"drucker", "kaputt"}},
		{"", nil},
	} {
		if got := plainWords(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("plainWords(%q) = %q, want %q", c.in, got, c.want)
		}
		if got, want := Tokens(c.in), tokensOf(plainWords(c.in)); !reflect.DeepEqual(got, want) {
			t.Errorf("Tokens(%q) = %q, tokensOf(plainWords) = %q", c.in, got, want)
		}
	}
}

func ExampleTokens() {
	fmt.Println(Tokens("Hi team, the printers on floor 3 keep jamming. Thanks!"))
	// Output: [printer floor _num keep jam]
}

func TestFitNetWithoutEmbeddings(t *testing.T) {
	n := &dense{dim: 4, labels: 2}
	if n.fitNet(make([][]float32, 3), []int{0, 1, 0}, []int{0, 1, 2}, denseTestConfig()) {
		t.Error("fitNet reported a network trained from examples without embeddings")
	}
}
