package classify

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
)

// Example is one labelled text the model learns from.
type Example struct {
	Text  string
	Label string
	// Seed marks a category's own text (name, description, keywords): its
	// words are kept in the vocabulary even when they occur only once.
	Seed bool
	// Warm marks a row of the starter set's warm-start history
	// (WarmExamples): its cost is Config.WarmWeight times an example's.
	Warm bool
}

// Config holds the model's hyper-parameters. The zero value is not
// useful; start from DefaultConfig.
type Config struct {
	HeadWords int     // the first words count twice, as their own features
	Bigrams   bool    // word pairs as features
	CharGrams bool    // character 4-grams of longer words as features
	MinDF     int     // features in fewer documents are dropped (seed words are kept)
	Epochs    int     // passes of SGD over the data
	Rate      float64 // AdaGrad's base learning rate
	L2        float64 // weight decay, applied to the features a step touches
	// KeywordBoost is added to a label's score for each of its admin
	// keywords found in the text (at most three), on top of what the model
	// learned: keywords stay strong even against much history.
	KeywordBoost float64
	// Calibrate fits a softmax temperature on a held-out twentieth of the data
	// when there are at least CalibrateMin examples that are not seeds.
	Calibrate    bool
	CalibrateMin int
	Seed         uint64 // shuffling seed: same data and seed, same model
	// IDF weighs features by inverse document frequency. On the dataset
	// plain sublinear tf did better: the labels follow frequent topic
	// words that idf pushes down.
	IDF bool
	// Balance weighs each example by (examples of its label)^-Balance, so
	// rare labels count more (0: plain).
	Balance float64
	// Solver "svm" trains one-vs-rest linear SVMs by dual coordinate
	// descent (C, Epochs and Balance apply; Rate and L2 do not); "" the
	// multinomial logistic regression by SGD.
	Solver string
	C      float64 // the SVM's cost (inverse regularisation)
	// SeedWeight multiplies the SVM's cost of a seed example (a category's
	// own text): the categories' words as prior evidence against a large
	// history written otherwise (0 or 1: like any example).
	SeedWeight float64
	// WarmWeight multiplies the SVM's cost of a warm-start row (a row of
	// the starter set's history, another helpdesk's: Example.Warm), so
	// that the categories' own words weigh more against it (0 or 1: like
	// any example). It changes nothing for a model without warm rows.
	WarmWeight float64
	// CharWeight scales the character 4-gram features (CharGrams) before
	// a document is scaled to unit length (0 or 1: like words).
	CharWeight float64
	// Dense is the number of dimensions of the latent semantic embedding
	// read by the second-opinion network (see dense); 0 turns it off. It
	// is trained only from DenseMin real (non-seed) examples on: a new
	// install's few seed texts say nothing an embedding could add.
	Dense       int
	DenseMin    int
	DenseMinDF  int     // words in fewer documents stay out of the embedding
	Hidden      int     // the network's hidden units
	DenseEpochs int     // passes of Adam over the data
	DenseL2     float64 // the network's weight decay
	// DenseWeight weighs the network's probabilities against the linear
	// scores.
	DenseWeight float64
}

// DefaultConfig is what the classifier uses; the values were chosen on a
// held-out part of the dataset's train.csv (see docs/classification.md).
func DefaultConfig() Config {
	return Config{HeadWords: 5, Bigrams: true, MinDF: 2, Epochs: 6, Rate: 0.2, L2: 1e-6,
		KeywordBoost: 4, Calibrate: true, CalibrateMin: 300, Seed: 1, Balance: 0.3,
		Solver: "svm", C: 0.5, WarmWeight: 0.3,
		Dense: 160, DenseMin: 2000, DenseMinDF: 5, Hidden: 32, DenseEpochs: 5, DenseL2: 1e-3, DenseWeight: 1}
}

// Model is a trained linear model (one-vs-rest SVMs or a multinomial
// logistic regression) over TF-IDF features.
// It is immutable once trained and safe for concurrent use.
type Model struct {
	cfg         Config
	labels      []string
	index       map[string]int32 // feature name → id
	names       []string         // id → feature name
	idf         []float32
	scale       []float32 // per feature, nil: all 1 (see Config.CharWeight)
	w           []float32 // weights, feature-major: w[id*k+label]
	bias        []float32
	keywords    []keywordSet // per label
	typos       typoIndex    // the keywords' words and their one-typo variants
	temperature float64
	examples    int
	net         *dense // nil: the linear model alone
}

// ErrNoExamples is returned when there is nothing to learn from.
var ErrNoExamples = errors.New("no training examples")

// Train learns a model from examples. keywords maps a label to its admin
// keywords (may be nil). Labels are those of the examples and of keywords,
// in order of first appearance. The same examples, keywords and cfg always
// give the same model.
func Train(examples []Example, keywords map[string][]string, cfg Config) (*Model, error) {
	if len(examples) == 0 {
		return nil, ErrNoExamples
	}
	m := &Model{cfg: cfg, examples: len(examples), temperature: 1}
	labelID := map[string]int{}
	addLabel := func(l string) int {
		if id, ok := labelID[l]; ok {
			return id
		}
		labelID[l] = len(m.labels)
		m.labels = append(m.labels, l)
		return labelID[l]
	}
	ys := make([]int, len(examples))
	for i, e := range examples {
		if strings.TrimSpace(e.Label) == "" {
			return nil, fmt.Errorf("example %d has no label", i+1)
		}
		ys[i] = addLabel(e.Label)
	}
	kwNames := make([]string, 0, len(keywords))
	for l := range keywords {
		kwNames = append(kwNames, l)
	}
	slices.Sort(kwNames)
	for _, l := range kwNames {
		addLabel(l)
	}
	m.keywords = make([]keywordSet, len(m.labels))
	for l, kws := range keywords {
		m.keywords[labelID[l]] = newKeywordSet(kws)
	}
	m.typos = newTypoIndex(m.keywords)

	// Fit the temperature on a held-out twentieth of the real examples
	// (seed examples always train: they are not tickets).
	var trainIdx, holdIdx []int
	tickets := 0
	for i, e := range examples {
		if e.Seed {
			trainIdx = append(trainIdx, i)
			continue
		}
		if tickets%calibrateEvery == calibrateAt {
			holdIdx = append(holdIdx, i)
		} else {
			trainIdx = append(trainIdx, i)
		}
		tickets++
	}
	calibrate := cfg.Calibrate && tickets >= cfg.CalibrateMin
	if !calibrate {
		trainIdx, holdIdx = make([]int, len(examples)), nil
		for i := range trainIdx {
			trainIdx[i] = i
		}
	}
	plain := make([][]string, len(examples))
	heads := make([]int, len(examples))
	parallelFor(len(examples), func(i int) { plain[i], heads[i] = mailWords(examples[i].Text, cfg.HeadWords) })
	docs := m.buildVocabulary(examples, plain, heads)
	if len(m.names) == 0 {
		return nil, fmt.Errorf("%w: no words in %d examples", ErrNoExamples, len(examples))
	}
	if cfg.Solver == "svm" {
		weight := make([]float64, len(examples))
		for i, e := range examples {
			weight[i] = 1
			switch {
			case e.Seed && cfg.SeedWeight > 0:
				weight[i] = cfg.SeedWeight
			case e.Warm && cfg.WarmWeight > 0:
				weight[i] = cfg.WarmWeight
			}
		}
		m.fitSVM(docs, ys, trainIdx, weight)
	} else {
		m.fit(docs, ys, trainIdx)
	}
	// The dense model after the linear one, not beside it: each runs on
	// all cores already, and side by side their scratch memory (the
	// vocabulary's maps, the basis's products) added up to training's peak.
	var basis *dense
	var embs [][]float32
	if cfg.Dense > 0 && tickets >= cfg.DenseMin {
		// The embedding is unsupervised: it is computed from every
		// example, the held-out ones included.
		basis, embs = newDense(plain, len(m.labels), cfg.DenseMinDF, cfg.Dense, cfg.Seed)
		if basis != nil && !basis.fitNet(embs, ys, trainIdx, cfg) {
			basis = nil
		}
	}
	m.net = basis
	if calibrate {
		// The model learnt without the held-out twentieth is the model:
		// a second training on everything would double the time for a
		// twentieth more data.
		m.temperature = m.fitTemperature(docs, embs, ys, holdIdx)
	}
	return m, nil
}

// buildVocabulary tokenizes every example, keeps the features seen in at
// least MinDF documents (or in a seed example), computes their idf and
// returns each example as a TF-IDF vector. plain holds each example's
// plain words and heads how many of its first tokens are head words
// (mailWords).
//
// Features are counted by a 64-bit hash of their name (featureHash), not
// by the name: most features of a corpus (bigrams, character grams) occur
// in one document only and are dropped, and holding each as a string in
// the counting maps made this step training's peak of memory. The names of
// the features kept are read in a second pass. Two names with one hash
// would count as one feature; among the million or so features of 50,000
// tickets, the chance of that is about one in 30 million.
func (m *Model) buildVocabulary(examples []Example, plain [][]string, heads []int) []sparse {
	// Each chunk numbers the features of its share of the examples in order
	// of first appearance; the shares are then merged in order, which
	// gives the same numbering as one pass over all examples would.
	type share struct {
		lo     int // the first example of the share
		ids    map[uint64]int32
		hashes []uint64
		df     []int32
		seed   []bool
		raw    []sparse // per example: local feature ids (sorted) and counts
	}
	shares := make([]share, chunkCount(len(examples)))
	forChunks(len(examples), func(part, lo, hi int) {
		sh := share{lo: lo, ids: map[uint64]int32{}}
		var ids []int32
		buf := make([]byte, 0, 64)
		for i := lo; i < hi; i++ {
			ids = ids[:0]
			eachFeature(tokensOf(plain[i]), heads[i], m.cfg.Bigrams, m.cfg.CharGrams, buf, func(name []byte) {
				h := featureHash(name)
				id, ok := sh.ids[h]
				if !ok {
					id = int32(len(sh.hashes))
					sh.ids[h] = id
					sh.hashes = append(sh.hashes, h)
					sh.df = append(sh.df, 0)
					sh.seed = append(sh.seed, false)
				}
				ids = append(ids, id)
			})
			d := countSorted(ids)
			for _, id := range d.idx {
				sh.df[id]++
				sh.seed[id] = sh.seed[id] || examples[i].Seed
			}
			sh.raw = append(sh.raw, d)
		}
		sh.ids = nil
		shares[part] = sh
	})
	global := map[uint64]int32{}
	var df []int32
	var seedFeat []bool
	toGlobal := make([][]int32, len(shares))
	for p, sh := range shares {
		toGlobal[p] = make([]int32, len(sh.hashes))
		for lid, h := range sh.hashes {
			id, ok := global[h]
			if !ok {
				id = int32(len(df))
				global[h] = id
				df = append(df, 0)
				seedFeat = append(seedFeat, false)
			}
			df[id] += sh.df[lid]
			seedFeat[id] = seedFeat[id] || sh.seed[lid]
			toGlobal[p][lid] = id
		}
		shares[p].hashes = nil
	}
	remap := make([]int32, len(df))
	n := float64(len(examples))
	for id := range df { // in the order of first appearance
		if int(df[id]) < m.cfg.MinDF && !seedFeat[id] {
			remap[id] = -1
			continue
		}
		remap[id] = int32(len(m.idf))
		m.idf = append(m.idf, float32(1+math.Log((1+n)/(1+float64(df[id])))))
	}
	kept := make(map[uint64]int32, len(m.idf)) // by hash: the kept feature's id
	for h, id := range global {
		if r := remap[id]; r >= 0 {
			kept[h] = r
		}
	}
	global = nil
	m.names = m.nameFeatures(kept, len(m.idf), plain, heads)
	m.index = make(map[string]int32, len(m.names))
	for id, name := range m.names {
		m.index[name] = int32(id)
	}
	if cw := m.cfg.CharWeight; m.cfg.CharGrams && cw > 0 && cw != 1 {
		m.scale = make([]float32, len(m.names))
		for id, name := range m.names {
			m.scale[id] = 1
			if strings.HasPrefix(name, "#") {
				m.scale[id] = float32(cw)
			}
		}
	}
	docs := make([]sparse, len(examples))
	for p, sh := range shares {
		tg := toGlobal[p]
		parallelFor(len(sh.raw), func(j int) {
			raw := sh.raw[j]
			var d sparse
			for t, lid := range raw.idx {
				if r := remap[tg[lid]]; r >= 0 {
					d.idx = append(d.idx, r)
					d.val = append(d.val, raw.val[t])
				}
			}
			sortPairs(d)
			m.weighCounts(d)
			docs[sh.lo+j] = d
		})
	}
	return docs
}

// nameFeatures returns the names of the kept features (by hash: their
// id, 0 to n-1), read from the examples' features again: each name is
// written by the first chunk that meets it.
func (m *Model) nameFeatures(kept map[uint64]int32, n int, plain [][]string, heads []int) []string {
	names := make([]string, n)
	claimed := make([]atomic.Bool, n)
	forChunks(len(plain), func(_, lo, hi int) {
		buf := make([]byte, 0, 64)
		for i := lo; i < hi; i++ {
			eachFeature(tokensOf(plain[i]), heads[i], m.cfg.Bigrams, m.cfg.CharGrams, buf, func(name []byte) {
				if id, ok := kept[featureHash(name)]; ok && claimed[id].CompareAndSwap(false, true) {
					names[id] = string(name)
				}
			})
		}
	})
	return names
}

// featureHash is the 64-bit FNV-1a hash of a feature's name.
func featureHash(name []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range name {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// fit trains the weights from scratch on docs[idx] by AdaGrad SGD on the
// softmax cross-entropy, visiting the examples in a seeded random order.
func (m *Model) fit(docs []sparse, ys []int, idx []int) {
	k := len(m.labels)
	m.w = make([]float32, len(m.names)*k)
	m.bias = make([]float32, k)
	g := make([]float32, len(m.w))
	gb := make([]float32, k)
	rng := rand.New(rand.NewPCG(m.cfg.Seed, 0x7469636b6574))
	order := slices.Clone(idx)
	scores := make([]float64, k)
	weight := make([]float64, k)
	for c := range weight {
		weight[c] = 1
	}
	if m.cfg.Balance > 0 {
		count := make([]float64, k)
		for _, i := range idx {
			count[ys[i]]++
		}
		var mean float64
		for c := range count {
			weight[c] = math.Pow(max(count[c], 1), -m.cfg.Balance)
			mean += weight[c] * count[c]
		}
		mean /= float64(len(idx))
		for c := range weight {
			weight[c] /= mean // the average example keeps weight 1
		}
	}
	rate, l2 := float32(m.cfg.Rate), float32(m.cfg.L2)
	for epoch := 0; epoch < m.cfg.Epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			d := docs[i]
			m.linearScores(d, scores)
			softmax(scores, 1)
			scores[ys[i]] -= 1 // now the gradient of the loss w.r.t. each score
			if wt := weight[ys[i]]; wt != 1 {
				for c := range scores {
					scores[c] *= wt
				}
			}
			for c := 0; c < k; c++ {
				gr := float32(scores[c])
				gb[c] += gr * gr
				m.bias[c] -= rate * gr / float32(math.Sqrt(float64(gb[c]))+1e-6)
			}
			for j, id := range d.idx {
				x := d.val[j]
				row := int(id) * k
				for c := 0; c < k; c++ {
					gr := float32(scores[c])*x + l2*m.w[row+c]
					g[row+c] += gr * gr
					m.w[row+c] -= rate * gr / (float32(math.Sqrt(float64(g[row+c]))) + 1e-6)
				}
			}
		}
	}
}

// scores writes the raw (unboosted, untempered) score of each label for
// the document d with embedding e: the linear model's, plus the network's
// probabilities weighed by DenseWeight.
func (m *Model) scores(d sparse, e []float32, out []float64) {
	m.linearScores(d, out)
	if m.net != nil {
		m.net.addScores(e, m.cfg.DenseWeight, out)
	}
}

// linearScores writes the linear model's score of each label for d.
func (m *Model) linearScores(d sparse, out []float64) {
	k := len(m.labels)
	for c := range out {
		out[c] = float64(m.bias[c])
	}
	for j, id := range d.idx {
		x := float64(d.val[j])
		row := m.w[int(id)*k : int(id)*k+k]
		for c, w := range row {
			out[c] += x * float64(w)
		}
	}
}

// softmax turns scores into probabilities in place, dividing by temp first.
func softmax(s []float64, temp float64) {
	mx := math.Inf(-1)
	for _, v := range s {
		mx = max(mx, v/temp)
	}
	var sum float64
	for i, v := range s {
		s[i] = math.Exp(v/temp - mx)
		sum += s[i]
	}
	for i := range s {
		s[i] /= sum
	}
}

// fitTemperature finds the temperature that minimises the negative
// log-likelihood of the held-out examples (golden-section search): the
// softmax of an unregularised model is overconfident, and a single
// temperature is the calibration that keeps the ranking intact.
func (m *Model) fitTemperature(docs []sparse, embs [][]float32, ys []int, hold []int) float64 {
	if len(hold) == 0 {
		return 1
	}
	raw := make([][]float64, len(hold))
	for i, h := range hold {
		raw[i] = make([]float64, len(m.labels))
		var e []float32
		if embs != nil {
			e = embs[h]
		}
		m.scores(docs[h], e, raw[i])
	}
	nll := func(t float64) float64 {
		var sum float64
		p := make([]float64, len(m.labels))
		for i, h := range hold {
			copy(p, raw[i])
			softmax(p, t)
			sum -= math.Log(max(p[ys[h]], 1e-12))
		}
		return sum
	}
	lo, hi := 0.02, 8.0 // SVM margins need temperatures well below 1
	const phi = 0.6180339887498949
	a, b := hi-phi*(hi-lo), lo+phi*(hi-lo)
	fa, fb := nll(a), nll(b)
	for i := 0; i < 40; i++ {
		if fa < fb {
			hi, b, fb = b, a, fa
			a = hi - phi*(hi-lo)
			fa = nll(a)
		} else {
			lo, a, fa = a, b, fb
			b = lo + phi*(hi-lo)
			fb = nll(b)
		}
	}
	return (lo + hi) / 2
}

// Labels returns the labels the model knows, in training order.
func (m *Model) Labels() []string { return slices.Clone(m.labels) }

// Examples returns how many examples the model was trained on.
func (m *Model) Examples() int { return m.examples }

// Temperature returns the calibration temperature (1: not calibrated).
func (m *Model) Temperature() float64 { return m.temperature }

// Features returns the size of the vocabulary.
func (m *Model) Features() int { return len(m.names) }

// Prediction is the model's answer for one text.
type Prediction struct {
	// Labels and Probs are every label with its calibrated probability,
	// most probable first.
	Labels []string
	Probs  []float64
	// Words are the features that pushed most towards the first label.
	Words []string
	// Keywords are the first label's admin keywords found in the text.
	Keywords []string
}

// Predict scores text against every label. text is read as MailText
// writes it (subject, line break, body) or, without a line break, as one
// text whose first words stand for the subject.
func (m *Model) Predict(text string) Prediction {
	plain, head := mailWords(text, m.cfg.HeadWords) // tokenized once, for both parts
	toks := tokensOf(plain)
	d := m.vectorize(featureNames(toks, head, m.cfg.Bigrams, m.cfg.CharGrams, nil))
	k := len(m.labels)
	s := make([]float64, k)
	var e []float32
	if m.net != nil {
		e = m.net.embed(plain)
	}
	m.scores(d, e, s)
	kwToks := m.typos.correct(toks) // keywords match despite a typo
	for c := range s {
		s[c] /= m.temperature
		if ks := m.keywords[c]; len(ks) > 0 {
			s[c] += m.cfg.KeywordBoost * float64(min(len(ks.matches(kwToks)), 3))
		}
	}
	softmax(s, 1)
	order := make([]int, k)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case s[a] > s[b]:
			return -1
		case s[a] < s[b]:
			return 1
		}
		return 0
	})
	p := Prediction{Labels: make([]string, k), Probs: make([]float64, k)}
	for i, c := range order {
		p.Labels[i], p.Probs[i] = m.labels[c], s[c]
	}
	if k > 0 {
		best := order[0]
		p.Words = m.topWords(d, best, 3)
		if ks := m.keywords[best]; len(ks) > 0 {
			p.Keywords = ks.matches(kwToks)
		}
	}
	return p
}

// topWords returns the n word features of d that add most to label's
// score relative to the other labels' average.
func (m *Model) topWords(d sparse, label, n int) []string {
	k := len(m.labels)
	type contrib struct {
		name string
		v    float64
	}
	var cs []contrib
	for j, id := range d.idx {
		name := m.names[id]
		if strings.HasPrefix(name, "#") {
			continue // character grams mean little to people
		}
		row := m.w[int(id)*k : int(id)*k+k]
		var mean float64
		for _, w := range row {
			mean += float64(w)
		}
		mean /= float64(k)
		if v := float64(d.val[j]) * (float64(row[label]) - mean); v > 0 {
			cs = append(cs, contrib{name, v})
		}
	}
	slices.SortStableFunc(cs, func(a, b contrib) int {
		switch {
		case a.v > b.v:
			return -1
		case a.v < b.v:
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	var out []string
	for _, c := range cs {
		if len(out) == n {
			break
		}
		// A head word is the same word to people.
		if name := strings.TrimPrefix(c.name, "^"); !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// MemoryBytes estimates the memory the trained model holds: weights, idf,
// and the vocabulary with its map.
func (m *Model) MemoryBytes() int64 {
	b := int64(len(m.w)+len(m.idf)+len(m.scale)+len(m.bias)) * 4
	if m.net != nil {
		b += m.net.bytes()
	}
	for _, n := range m.names {
		// The string bytes, the string header in names, and a map entry
		// (key header, int32 value, overhead) per feature.
		b += int64(len(n)) + 16 + 48
	}
	return b
}

// One real example in calibrateEvery (the calibrateAt-th) is held out to
// fit the temperature: one parameter needs few examples, and every example
// held out is one the model does not learn from.
const calibrateEvery, calibrateAt = 20, 17

// sortPairs sorts d's entries by id (insertion sort: a document has a few
// hundred features at most).
func sortPairs(d sparse) {
	for i := 1; i < len(d.idx); i++ {
		id, v := d.idx[i], d.val[i]
		j := i - 1
		for j >= 0 && d.idx[j] > id {
			d.idx[j+1], d.val[j+1] = d.idx[j], d.val[j]
			j--
		}
		d.idx[j+1], d.val[j+1] = id, v
	}
}
