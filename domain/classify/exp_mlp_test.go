package classify

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"
)

func TestExperimentMLP(t *testing.T) {
	if os.Getenv("CLASSIFY_EXPERIMENT") == "" {
		t.Skip()
	}
	train, hold := trainSplit(t)
	cfg := DefaultConfig()
	cfg.Calibrate, cfg.Epochs = false, 1
	m, _ := Train(train, nil, cfg)
	lab := map[string]int{}
	for i, l := range m.labels {
		lab[l] = i
	}
	K := len(m.labels)
	vec := func(s string) sparse { return m.vectorize(featureNames(Tokens(s), 5, true, false, nil)) }
	X := make([]sparse, len(train))
	Y := make([]int, len(train))
	for i, e := range train {
		X[i], Y[i] = vec(e.Text), lab[e.Label]
	}
	HX := make([]sparse, len(hold))
	for i, e := range hold {
		HX[i] = vec(e.Text)
	}
	// LR probabilities
	cfgLR := DefaultConfig()
	cfgLR.Calibrate = false
	mlr, _ := Train(train, nil, cfgLR)
	lrP := make([][]float64, len(hold))
	for i, e := range hold {
		p := mlr.Predict(e.Text)
		lrP[i] = make([]float64, K)
		for j, l := range p.Labels {
			lrP[i][lab[l]] = p.Probs[j]
		}
	}
	ens := make([][]float64, len(hold))
	for i := range ens {
		ens[i] = make([]float64, K)
	}
	nm := 0
	for _, H := range []int{64} {
		for _, lr := range []float64{0.05} {
			for _, seed := range []uint64{1, 2, 3} {
				start := time.Now()
				F := len(m.names)
				rng := rand.New(rand.NewPCG(seed, 2))
				W1 := make([]float32, F*H)
				for i := range W1 {
					W1[i] = float32(rng.NormFloat64() * 0.05)
				}
				b1 := make([]float32, H)
				W2 := make([]float32, H*K)
				for i := range W2 {
					W2[i] = float32(rng.NormFloat64() * math.Sqrt(2/float64(H)))
				}
				b2 := make([]float32, K)
				G1 := make([]float32, F*H)
				Gb1 := make([]float32, H)
				G2 := make([]float32, H*K)
				Gb2 := make([]float32, K)
				h := make([]float32, H)
				dh := make([]float32, H)
				o := make([]float64, K)
				rate := float32(lr)
				forward := func(d sparse) {
					copy(h, b1)
					for j, id := range d.idx {
						x := d.val[j]
						row := W1[int(id)*H : int(id)*H+H]
						for u := range h {
							h[u] += x * row[u]
						}
					}
					for u := range h {
						if h[u] < 0 {
							h[u] = 0
						}
					}
					for c := range o {
						o[c] = float64(b2[c])
					}
					for u, hv := range h {
						if hv == 0 {
							continue
						}
						for c := 0; c < K; c++ {
							o[c] += float64(hv * W2[u*K+c])
						}
					}
					softmax(o, 1)
				}
				upd := func(w, g []float32, i int, gr float32) {
					g[i] += gr * gr
					w[i] -= rate * gr / (float32(math.Sqrt(float64(g[i]))) + 1e-6)
				}
				order := make([]int, len(X))
				for i := range order {
					order[i] = i
				}
				for ep := 0; ep < 2; ep++ {
					rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
					for _, i := range order {
						d := X[i]
						forward(d)
						o[Y[i]] -= 1
						for u := range dh {
							dh[u] = 0
						}
						for u, hv := range h {
							for c := 0; c < K; c++ {
								dh[u] += float32(o[c]) * W2[u*K+c]
								if hv > 0 {
									upd(W2, G2, u*K+c, float32(o[c])*hv)
								}
							}
							if hv <= 0 {
								dh[u] = 0
							}
						}
						for c := 0; c < K; c++ {
							upd(b2, Gb2, c, float32(o[c]))
						}
						for u := range dh {
							if dh[u] != 0 {
								upd(b1, Gb1, u, dh[u])
							}
						}
						for j, id := range d.idx {
							x := d.val[j]
							base := int(id) * H
							for u := range dh {
								if dh[u] != 0 {
									upd(W1, G1, base+u, dh[u]*x)
								}
							}
						}
					}
				}
				nm++
				correct, cE, cLR := 0, 0, 0
				for i, d := range HX {
					forward(d)
					best, bE, bLR := 0, 0, 0
					for c := range o {
						ens[i][c] += o[c]
					}
					for c := range o {
						if o[c] > o[best] {
							best = c
						}
						e := ens[i][c]/float64(nm) + lrP[i][c]
						if e > ens[i][bE]/float64(nm)+lrP[i][bE] {
							bE = c
						}
						if ens[i][c] > ens[i][bLR] {
							bLR = c
						}
					}
					if m.labels[best] == hold[i].Label {
						correct++
					}
					if m.labels[bE] == hold[i].Label {
						cE++
					}
					if m.labels[bLR] == hold[i].Label {
						cLR++
					}
				}
				n := float64(len(hold))
				fmt.Printf("H %d seed %d mlp %.4f mlp-ens %.4f mlp-ens+lr %.4f %v\n", H, seed, float64(correct)/n, float64(cLR)/n, float64(cE)/n, time.Since(start).Round(time.Millisecond))
			}
		}
	}
}
