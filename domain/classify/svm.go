package classify

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// fitSVM trains one linear support vector machine per label (one against
// the rest) on docs[idx] by dual coordinate descent on the squared hinge
// loss (Hsieh et al. 2008; liblinear's L2-regularised L2-loss dual
// solver), Epochs passes in a seeded random order per label. The bias is a
// regularised constant feature 1. Each example's cost is C times
// (examples of its label)^-Balance, scaled so the average example's is C,
// times weight[i] (Config.SeedWeight for a seed example, WarmWeight for a
// warm-start row, otherwise 1).
func (m *Model) fitSVM(docs []sparse, ys []int, idx []int, weight []float64) {
	k, nf := len(m.labels), len(m.names)
	m.w = make([]float32, nf*k)
	m.bias = make([]float32, k)
	count := make([]float64, k)
	for _, i := range idx {
		count[ys[i]]++
	}
	cost := make([]float64, k)
	var mean float64
	for c := range cost {
		cost[c] = 1
		if m.cfg.Balance > 0 {
			cost[c] = math.Pow(max(count[c], 1), -m.cfg.Balance)
		}
		mean += cost[c] * count[c]
	}
	mean /= float64(max(len(idx), 1))
	// diag[c] is 1/(2C) of an example of label c: the squared hinge's
	// term on the diagonal of the dual.
	diag := make([]float64, k)
	for c := range cost {
		diag[c] = mean / (2 * m.cfg.C * cost[c])
	}
	sq := make([]float64, len(idx)) // |x|² + 1 (the bias feature)
	dg := make([]float64, len(idx)) // each example's diagonal term
	for j, i := range idx {
		dg[j] = diag[ys[i]] / weight[i]
		s := 1.0
		for _, v := range docs[i].val {
			s += float64(v) * float64(v)
		}
		sq[j] = s
	}
	// The labels are independent problems: they are solved on all cores,
	// each with its own seeded order, so the result does not depend on
	// scheduling.
	labels := make(chan int, k)
	for c := 0; c < k; c++ {
		labels <- c
	}
	close(labels)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), k) {
		wg.Go(func() {
			w := make([]float64, nf)
			alpha := make([]float64, len(idx))
			order := make([]int, len(idx))
			for c := range labels {
				m.fitSVMLabel(c, docs, ys, idx, dg, sq, w, alpha, order)
			}
		})
	}
	wg.Wait()
}

// fitSVMLabel solves label c's problem with the scratch slices w, alpha
// and order, and writes its weights and bias into m. diag[j] is the
// diagonal term (1/(2 cost)) of example idx[j].
func (m *Model) fitSVMLabel(c int, docs []sparse, ys []int, idx []int, diag, sq, w, alpha []float64, order []int) {
	k := len(m.labels)
	clear(w)
	clear(alpha)
	for j := range order {
		order[j] = j
	}
	var b float64
	rng := rand.New(rand.NewPCG(m.cfg.Seed, 0x73766d+uint64(c)))
	for epoch := 0; epoch < m.cfg.Epochs; epoch++ {
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, j := range order {
			i := idx[j]
			d := docs[i]
			y, dg := -1.0, diag[j]
			if ys[i] == c {
				y = 1
			}
			dot := b
			for t, id := range d.idx {
				dot += float64(d.val[t]) * w[id]
			}
			g := y*dot - 1 + alpha[j]*dg
			if alpha[j] == 0 && g >= 0 {
				continue // the projected gradient is zero
			}
			na := max(alpha[j]-g/(sq[j]+dg), 0)
			delta := (na - alpha[j]) * y
			alpha[j] = na
			if delta == 0 {
				continue
			}
			b += delta
			for t, id := range d.idx {
				w[id] += delta * float64(d.val[t])
			}
		}
	}
	for f, v := range w {
		m.w[f*k+c] = float32(v)
	}
	m.bias[c] = float32(b)
}
