package classify

import (
	"context"
	"runtime"
	"testing"

	"ticketgate/domain"
)

// BenchmarkTrain trains on all of the dataset's train.csv (38,285 rows),
// calibration included, as the Learner does. Goal: under 5 s per
// operation on one core (go test -bench Train -cpu 1).
func BenchmarkTrain(b *testing.B) {
	train := datasetExamples(b, "train.csv")
	b.ResetTimer()
	for b.Loop() {
		if _, err := Train(train, nil, DefaultConfig()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClassify classifies the texts of test.csv one by one through
// Local (cleaning, tokenizing, scoring, restricting to the categories),
// with a model trained on train.csv. Goal: under 0.2 ms per ticket. It also
// reports the trained model's memory: the estimate of Model.MemoryBytes
// and the growth of the live heap that the model accounts for.
func BenchmarkClassify(b *testing.B) {
	train := datasetExamples(b, "train.csv")
	test := datasetExamples(b, "test.csv")
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m, err := Train(train, nil, DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	l := NewLocal(DefaultConfig())
	l.Set(m)
	benchClassify(b, l, labelCategories(m), test)
	b.ReportMetric(float64(m.MemoryBytes())/(1<<20), "model-MB")
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "heap-MB")
	runtime.KeepAlive(m)
	runtime.KeepAlive(train)
}

// labelCategories returns a category per label of m.
func labelCategories(m *Model) []domain.Category {
	var cats []domain.Category
	for _, name := range m.Labels() {
		cats = append(cats, domain.Category{Name: name})
	}
	return cats
}

// benchClassify classifies the texts of test in turn through l, timed.
func benchClassify(b *testing.B, l *Local, cats []domain.Category, test []Example) {
	ctx := context.Background()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := l.Classify(ctx, "", test[i%len(test)].Text, cats); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.StopTimer()
}
