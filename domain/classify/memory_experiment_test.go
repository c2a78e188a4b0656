package classify

import (
	"os"
	"testing"

	"ticketgate/domain"
)

// TestExperimentNearDuplicate chooses NearDuplicate on train.csv split
// 80/20 (as TestExperiment): every training row is remembered as an admin
// pick, and per threshold it reports how many held-out rows have a pick at
// least that similar, how often that pick's category is right, and how
// often the model is right on the same rows. Opt in with
// CLASSIFY_EXPERIMENT=1 and read the results with -v.
func TestExperimentNearDuplicate(t *testing.T) {
	if os.Getenv("CLASSIFY_EXPERIMENT") == "" {
		t.Skip("set CLASSIFY_EXPERIMENT=1")
	}
	train, hold := trainSplit(t)
	m, err := Train(train, nil, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	es := make([]memEntry, len(train))
	parallelFor(len(train), func(i int) {
		es[i] = entryOf(domain.TrainingExample{TicketID: int64(i + 1), Subject: train[i].Text, Category: train[i].Label}, int64(len(train)-i))
	})
	ix := newVecIndex(es)
	type best struct {
		sim         float64
		pick, model bool // right
	}
	bs := make([]best, len(hold))
	parallelFor(len(hold), func(i int) {
		hs := ix.search(memVector(memText(hold[i].Text, "")), 1, 0, func(*memEntry) bool { return true })
		if len(hs) > 0 {
			bs[i] = best{sim: hs[0].sim, pick: es[hs[0].entry].label == hold[i].Label}
		}
		bs[i].model = m.Predict(hold[i].Text).Labels[0] == hold[i].Label
	})
	for _, th := range []float64{0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99} {
		var n, pick, model int
		for _, b := range bs {
			if b.sim >= th {
				n++
				if b.pick {
					pick++
				}
				if b.model {
					model++
				}
			}
		}
		t.Logf("similarity ≥ %.2f: %5d of %d held-out rows (%.1f %%); the pick right %.3f, the model right %.3f",
			th, n, len(hold), 100*float64(n)/float64(len(hold)), float64(pick)/float64(max(n, 1)), float64(model)/float64(max(n, 1)))
	}
}
