package classify

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

// dense is the model's second opinion: a latent semantic embedding of the
// words (a truncated SVD of the TF-IDF matrix of the training texts) read
// by a small neural network (one hidden layer of ReLUs, softmax output).
// The linear model sees words one by one; the embedding puts words that
// occur in the same tickets close together, and the network combines them
// non-linearly, so the two err on different tickets. Its probabilities are
// added to the linear scores with weight Config.DenseWeight.
type dense struct {
	terms  map[string]int32 // word → row of basis (words seen in DenseMinDF documents)
	idf    []float32        // per row of basis
	basis  []float32        // rows × dim: the top right singular vectors
	dim    int
	hidden int
	w1, b1 []float32 // hidden × dim (unit j's weights in row j), hidden
	w2, b2 []float32 // hidden × labels, labels
	labels int
}

// termVector returns the words that the basis knows as a sparse vector:
// sublinear term frequency times idf, at unit length.
func (n *dense) termVector(words []string) sparse {
	ids := make([]int32, 0, len(words))
	for _, w := range words {
		if r, ok := n.terms[w]; ok {
			ids = append(ids, r)
		}
	}
	v := countSorted(ids)
	tfidf(v, n.idf, nil)
	return v
}

// embed returns the embedding of a text's plain words: the projection of
// its term vector on the basis, scaled so that a component is about 1 in
// size; nil when no word is in the basis.
func (n *dense) embed(words []string) []float32 {
	return n.project(n.termVector(words))
}

// project returns the embedding of the term vector v.
func (n *dense) project(v sparse) []float32 {
	if len(v.idx) == 0 {
		return nil
	}
	e := make([]float32, n.dim)
	for j, r := range v.idx {
		axpy(v.val[j], n.basis[int(r)*n.dim:int(r+1)*n.dim], e)
	}
	var s float64
	for _, x := range e {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return nil
	}
	scale := float32(math.Sqrt(float64(n.dim) / s))
	for c := range e {
		e[c] *= scale
	}
	return e
}

// forward computes the hidden activations h and the label probabilities p
// of embedding e.
func (n *dense) forward(e, h []float32, p []float64) {
	dim := n.dim
	h = h[:n.hidden]
	for j := range h {
		h[j] = max(n.b1[j]+dot(n.w1[j*dim:(j+1)*dim], e), 0)
	}
	for c := range p {
		p[c] = float64(n.b2[c])
	}
	for j, x := range h {
		if x == 0 {
			continue
		}
		row := n.w2[j*n.labels : (j+1)*n.labels]
		for c, w := range row {
			p[c] += float64(x * w)
		}
	}
	softmax(p, 1)
}

// addScores adds weight × the network's probabilities for embedding e
// (nil: nothing) to out.
func (n *dense) addScores(e []float32, weight float64, out []float64) {
	if e == nil {
		return
	}
	h := make([]float32, n.hidden)
	p := make([]float64, n.labels)
	n.forward(e, h, p)
	for c, v := range p {
		out[c] += weight * v
	}
}

// bytes is the memory the dense part holds.
func (n *dense) bytes() int64 {
	b := int64(len(n.basis)+len(n.idf)+len(n.w1)+len(n.b1)+len(n.w2)+len(n.b2)) * 4
	for w := range n.terms {
		b += int64(len(w)) + 16 + 48
	}
	return b
}

// svdSample is the most documents the embedding's basis is computed from.
const svdSample = 16000

// newDense computes the embedding basis from the examples' plain words
// (unsupervised: the labels are not used): the words with document
// frequency of at least minDF, weighted by idf, and the top dim right
// singular vectors of that documents × words matrix. It returns the
// (untrained) dense part and every example's embedding, or nil when there
// are too few words for dim dimensions.
func newDense(words [][]string, labels, minDF, dim int, seed uint64) (*dense, [][]float32) {
	// Document frequencies, counted per chunk and then added up.
	dfs := make([]map[string]int, chunkCount(len(words)))
	forChunks(len(words), func(part, lo, hi int) {
		df := map[string]int{}
		seen := map[string]bool{}
		for _, ws := range words[lo:hi] {
			clear(seen)
			for _, w := range ws {
				if !seen[w] {
					seen[w] = true
					df[w]++
				}
			}
		}
		dfs[part] = df
	})
	df := dfs[0]
	for _, d := range dfs[1:] {
		for w, c := range d {
			df[w] += c
		}
	}
	kept := make([]string, 0, len(df))
	for w, c := range df {
		if c >= minDF {
			kept = append(kept, w)
		}
	}
	if len(kept) < 2*dim {
		return nil, nil
	}
	slices.Sort(kept) // a fixed order: the same data gives the same basis
	n := &dense{terms: make(map[string]int32, len(kept)), dim: dim, labels: labels}
	total := float64(len(words))
	for _, w := range kept {
		n.terms[w] = int32(len(n.idf))
		n.idf = append(n.idf, float32(1+math.Log((1+total)/(1+float64(df[w])))))
	}
	rows := make([]sparse, len(words))
	parallelFor(len(words), func(i int) { rows[i] = n.termVector(words[i]) })
	// A sample of svdSample documents (every k-th) pins the basis down
	// about as well as all of them, in a fraction of the time.
	sample := rows
	if step := (len(rows) + svdSample - 1) / svdSample; step > 1 {
		sample = make([]sparse, 0, svdSample)
		for i := 0; i < len(rows); i += step {
			sample = append(sample, rows[i])
		}
	}
	n.basis = topRightSingular(sample, len(n.idf), dim, seed)
	embs := make([][]float32, len(words))
	parallelFor(len(words), func(i int) { embs[i] = n.project(rows[i]) })
	return n, embs
}

// topRightSingular returns the top dim right singular vectors of the
// sparse matrix a (rows over cols columns) as a cols × dim row-major
// matrix, by randomized subspace iteration (Halko, Martinsson and Tropp
// 2011): Y = (AᵀA)² Ω for a seeded Gaussian Ω with ten extra columns,
// orthonormalised after each product, then the exact eigenvectors of the
// small matrix QᵀAᵀAQ rotate Q into the singular vectors.
func topRightSingular(a []sparse, cols, dim int, seed uint64) []float32 {
	l := min(dim+10, cols)
	rng := rand.New(rand.NewPCG(seed, 0x6c7361))
	q := make([]float64, cols*l)
	for i := range q {
		q[i] = rng.NormFloat64()
	}
	for range 2 {
		q = gramProduct(a, q, cols, l)
		orthonormalize(q, cols, l)
	}
	z := gramProduct(a, q, cols, l)
	// c = Qᵀ Z, symmetric l × l, summed over chunks of the rows.
	partial := make([][]float64, chunkCount(cols))
	forChunks(cols, func(part, lo, hi int) {
		c := make([]float64, l*l)
		for r := lo; r < hi; r++ {
			qr, zr := q[r*l:(r+1)*l], z[r*l:(r+1)*l]
			for i, qv := range qr {
				axpy(qv, zr, c[i*l:(i+1)*l])
			}
		}
		partial[part] = c
	})
	c := partial[0]
	for _, o := range partial[1:] {
		axpy(1, o, c)
	}
	for i := 0; i < l; i++ { // symmetrise the rounding
		for j := i + 1; j < l; j++ {
			v := (c[i*l+j] + c[j*l+i]) / 2
			c[i*l+j], c[j*l+i] = v, v
		}
	}
	vals, vecs := symmetricEigen(c, l)
	order := make([]int, l)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int {
		switch {
		case vals[x] > vals[y]:
			return -1
		case vals[x] < vals[y]:
			return 1
		}
		return 0
	})
	// The top dim eigenvectors as rows, so that each output entry is a
	// dot product of two contiguous vectors.
	top := make([]float64, dim*l)
	for k := 0; k < dim; k++ {
		for i := 0; i < l; i++ {
			top[k*l+i] = vecs[i*l+order[k]]
		}
	}
	out := make([]float32, cols*dim)
	parallelFor(cols, func(r int) {
		qr := q[r*l : (r+1)*l]
		for k := 0; k < dim; k++ {
			out[r*dim+k] = float32(dot(qr, top[k*l:(k+1)*l]))
		}
	})
	return out
}

// gramBlock is how many rows of a gramProduct takes at once: their
// products with q (gramBlock × l) are its only scratch besides the result.
const gramBlock = 256

// gramProduct returns AᵀA·q for q of cols × l (row-major). It takes the
// rows of a (each with its ids sorted) in blocks: t = A_block·q, a row of
// t per row of a, on all cores; then z += A_blockᵀ·t with the columns of z
// split over the cores, each entry summed in row order. So the result does
// not depend on scheduling, and the memory it needs is z and one block of
// t, not a cols × l partial sum per core (which made training's peak: four
// of them at 11 MB each for 10,000 tickets).
func gramProduct(a []sparse, q []float64, cols, l int) []float64 {
	z := make([]float64, cols*l)
	t := make([]float64, min(gramBlock, len(a))*l)
	for lo := 0; lo < len(a); lo += gramBlock {
		block := a[lo:min(lo+gramBlock, len(a))]
		parallelFor(len(block), func(i int) {
			ti := t[i*l : (i+1)*l]
			clear(ti)
			d := block[i]
			for j, id := range d.idx {
				axpy(float64(d.val[j]), q[int(id)*l:int(id+1)*l], ti)
			}
		})
		forChunks(cols, func(_, clo, chi int) {
			for i, d := range block {
				ti := t[i*l : (i+1)*l]
				j, _ := slices.BinarySearch(d.idx, int32(clo))
				for ; j < len(d.idx) && int(d.idx[j]) < chi; j++ {
					id := int(d.idx[j])
					axpy(float64(d.val[j]), ti, z[id*l:(id+1)*l])
				}
			}
		})
	}
	return z
}

// orthonormalize makes the l columns of the rows × l row-major matrix q
// orthonormal by modified Gram-Schmidt. A column that
// is (numerically) in the span of the previous ones becomes zero.
func orthonormalize(q []float64, rows, l int) {
	// Work on columns: transpose, orthonormalise, transpose back.
	t := make([]float64, rows*l)
	for r := 0; r < rows; r++ {
		for c := 0; c < l; c++ {
			t[c*rows+r] = q[r*l+c]
		}
	}
	{
		for c := 0; c < l; c++ {
			col := t[c*rows : (c+1)*rows]
			for p := 0; p < c; p++ {
				prev := t[p*rows : (p+1)*rows]
				axpy(-dot(col, prev), prev, col)
			}
			s := dot(col, col)
			if s < 1e-20 {
				clear(col)
				continue
			}
			inv := 1 / math.Sqrt(s)
			for i := range col {
				col[i] *= inv
			}
		}
	}
	for r := 0; r < rows; r++ {
		for c := 0; c < l; c++ {
			q[r*l+c] = t[c*rows+r]
		}
	}
}

// symmetricEigen returns the eigenvalues and eigenvectors (as the columns
// of a row-major n × n matrix) of the symmetric matrix a, by cyclic Jacobi
// rotations. a is overwritten.
func symmetricEigen(a []float64, n int) ([]float64, []float64) {
	v := make([]float64, n*n)
	for i := 0; i < n; i++ {
		v[i*n+i] = 1
	}
	for sweep := 0; sweep < 50; sweep++ {
		var off, diag float64
		for i := 0; i < n; i++ {
			diag += a[i*n+i] * a[i*n+i]
			for j := i + 1; j < n; j++ {
				off += a[i*n+j] * a[i*n+j]
			}
		}
		if off <= 1e-24*diag || off == 0 {
			break
		}
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				apq := a[p*n+q]
				if math.Abs(apq) < 1e-300 {
					continue
				}
				theta := (a[q*n+q] - a[p*n+p]) / (2 * apq)
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := 0; k < n; k++ { // columns p and q
					akp, akq := a[k*n+p], a[k*n+q]
					a[k*n+p] = c*akp - s*akq
					a[k*n+q] = s*akp + c*akq
				}
				for k := 0; k < n; k++ { // rows p and q
					apk, aqk := a[p*n+k], a[q*n+k]
					a[p*n+k] = c*apk - s*aqk
					a[q*n+k] = s*apk + c*aqk
				}
				for k := 0; k < n; k++ {
					vkp, vkq := v[k*n+p], v[k*n+q]
					v[k*n+p] = c*vkp - s*vkq
					v[k*n+q] = s*vkp + c*vkq
				}
			}
		}
	}
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = a[i*n+i]
	}
	return vals, v
}

// fitNet trains the network on the embeddings embs[idx] by mini-batch
// Adam on the cross-entropy with L2 weight decay, DenseEpochs passes in a
// seeded order. Each batch's gradient is computed in two halves on two
// cores and added in a fixed order: the same data gives the same weights.
// It reports false, and leaves the network untrained, when none of the
// examples has an embedding.
func (n *dense) fitNet(embs [][]float32, ys []int, idx []int, cfg Config) bool {
	n.hidden = cfg.Hidden
	k, h, dim := n.labels, n.hidden, n.dim
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6d6c70))
	n.w1, n.b1 = make([]float32, dim*h), make([]float32, h)
	n.w2, n.b2 = make([]float32, h*k), make([]float32, k)
	// Glorot-uniform start.
	b1 := math.Sqrt(6 / float64(dim+h))
	for i := range n.w1 {
		n.w1[i] = float32((rng.Float64()*2 - 1) * b1)
	}
	b2 := math.Sqrt(6 / float64(h+k))
	for i := range n.w2 {
		n.w2[i] = float32((rng.Float64()*2 - 1) * b2)
	}
	// The embeddings, computed once; documents without any basis word
	// are left out.
	used := 0
	for _, i := range idx {
		if embs[i] != nil {
			used++
		}
	}
	emb := make([]float32, 0, used*dim) // sized once: no copies left behind growing it
	lab := make([]int, 0, used)
	for _, i := range idx {
		if embs[i] != nil {
			emb = append(emb, embs[i]...)
			lab = append(lab, ys[i])
		}
	}
	rows := len(lab)
	if rows == 0 {
		return false // nothing to learn from: no network
	}
	params := [][]float32{n.w1, n.b1, n.w2, n.b2}
	type grads [4][]float32
	newGrads := func() grads {
		var g grads
		for i, p := range params {
			g[i] = make([]float32, len(p))
		}
		return g
	}
	mom, vel := newGrads(), newGrads()
	halves := [2]grads{newGrads(), newGrads()}
	const batch = 64
	rate, beta1, beta2, eps := 1e-3, 0.9, 0.999, 1e-8
	alpha := float32(cfg.DenseL2)
	order := make([]int, rows)
	for i := range order {
		order[i] = i
	}
	step := 0
	for epoch := 0; epoch < cfg.DenseEpochs; epoch++ {
		rng.Shuffle(rows, func(a, b int) { order[a], order[b] = order[b], order[a] })
		for start := 0; start < rows; start += batch {
			part := order[start:min(start+batch, rows)]
			mid := len(part) / 2
			var wg sync.WaitGroup
			for hi, sub := range [2][]int{part[:mid], part[mid:]} {
				wg.Go(func() { n.backprop(emb, lab, sub, halves[hi]) })
			}
			wg.Wait()
			step++
			bs := float32(len(part))
			c1 := 1 - math.Pow(beta1, float64(step))
			c2 := 1 - math.Pow(beta2, float64(step))
			lr := float32(rate * math.Sqrt(c2) / c1)
			for pi, p := range params {
				g0, g1, m, v := halves[0][pi], halves[1][pi], mom[pi], vel[pi]
				decay := pi == 0 || pi == 2 // weights, not biases
				for i := range p {
					g := (g0[i] + g1[i]) / bs
					if decay {
						g += alpha * p[i] / bs
					}
					m[i] = float32(beta1)*m[i] + float32(1-beta1)*g
					v[i] = float32(beta2)*v[i] + float32(1-beta2)*g*g
					p[i] -= lr * m[i] / (float32(math.Sqrt(float64(v[i]))) + float32(eps))
				}
			}
		}
	}
	return true
}

// backprop writes the summed cross-entropy gradient of the examples sub
// into g (overwriting it).
func (n *dense) backprop(emb []float32, lab []int, sub []int, g [4][]float32) {
	k, h, dim := n.labels, n.hidden, n.dim
	for _, s := range g {
		clear(s)
	}
	hid := make([]float32, h)
	dh := make([]float32, h)
	p := make([]float64, k)
	for _, r := range sub {
		e := emb[r*dim : (r+1)*dim]
		n.forward(e, hid, p)
		p[lab[r]] -= 1 // dLoss/dOutput
		clear(dh)
		for j, x := range hid {
			if x == 0 {
				continue // ReLU: no gradient through inactive units
			}
			row := n.w2[j*k : (j+1)*k]
			grow := g[2][j*k : (j+1)*k]
			var s float32
			for c, w := range row {
				pc := float32(p[c])
				grow[c] += x * pc
				s += w * pc
			}
			dh[j] = s
		}
		for c := range p {
			g[3][c] += float32(p[c])
		}
		for j, d := range dh {
			if d != 0 {
				axpy(d, e, g[0][j*dim:(j+1)*dim:(j+1)*dim])
			}
		}
		for j, d := range dh {
			g[1][j] += d
		}
	}
}
