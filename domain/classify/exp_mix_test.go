package classify

import (
	"os"
	"testing"
)

// TestExperimentMix scores s_LR + g·s_SVM on the held-out fifth.
func TestExperimentMix(t *testing.T) {
	if os.Getenv("CLASSIFY_EXPERIMENT") == "" {
		t.Skip("set CLASSIFY_EXPERIMENT=1")
	}
	train, hold := trainSplit(t)
	lc := DefaultConfig()
	lc.Solver, lc.Epochs = "", 5
	lc.Calibrate = false
	sc := lc
	sc.Solver, sc.C, sc.Epochs = "svm", 0.5, 6
	lr, err := Train(train, nil, lc)
	if err != nil {
		t.Fatal(err)
	}
	sv, err := Train(train, nil, sc)
	if err != nil {
		t.Fatal(err)
	}
	k := len(lr.labels)
	sl := make([][]float64, len(hold))
	ss := make([][]float64, len(hold))
	for i, e := range hold {
		d := lr.vectorize(featureNames(Tokens(e.Text), lc.HeadWords, lc.Bigrams, lc.CharGrams, nil))
		sl[i], ss[i] = make([]float64, k), make([]float64, k)
		lr.scores(d, nil, sl[i])
		sv.scores(d, nil, ss[i])
	}
	for _, g := range []float64{0, 1, 2, 4, 8, 16, 1e6} {
		truth := make([]string, len(hold))
		pred := make([]string, len(hold))
		for i, e := range hold {
			best, bv := 0, -1e300
			for c := 0; c < k; c++ {
				v := sl[i][c] + g*ss[i][c]
				if g == 1e6 {
					v = ss[i][c]
				}
				if v > bv {
					best, bv = c, v
				}
			}
			truth[i], pred[i] = e.Label, lr.labels[best]
		}
		r := Score(truth, pred)
		t.Logf("g=%g accuracy %.4f macro-F1 %.4f", g, r.Accuracy, r.MacroF1)
	}
}
