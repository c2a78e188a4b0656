package classify

import (
	"testing"

	"ticketgate/domain"
)

// BenchmarkClassifyWithPicks is BenchmarkClassify with a full memory: the
// newest RecallTickets confirmed tickets and RecallPicks admin picks (rows
// of train.csv), so that every classification also looks for an admin's
// pick worded like the mail. It reports the memory's size.
func BenchmarkClassifyWithPicks(b *testing.B) {
	train := datasetExamples(b, "train.csv")
	test := datasetExamples(b, "test.csv")
	m, err := Train(train, nil, DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	l := NewLocal(DefaultConfig())
	l.Set(m)
	recent := make([]domain.TrainingExample, RecallTickets)
	picks := make([]domain.AdminPick, RecallPicks)
	for i := range recent {
		recent[i] = domain.TrainingExample{TicketID: int64(i + 1), Subject: train[i].Text, Category: train[i].Label}
	}
	for i := range picks {
		e := train[len(train)-1-i]
		picks[i] = domain.AdminPick{Seq: int64(i + 1), TrainingExample: domain.TrainingExample{
			TicketID: int64(len(train) - i), Subject: e.Text, Category: e.Label}}
	}
	l.Remember(recent, picks)
	benchClassify(b, l, labelCategories(m), test)
	b.ReportMetric(float64(l.mem.Load().bytes())/(1<<20), "memory-MB")
}

// BenchmarkSimilar finds the three examples of a prompt among a full
// memory.
func BenchmarkSimilar(b *testing.B) {
	train := datasetExamples(b, "train.csv")
	test := datasetExamples(b, "test.csv")
	l := NewLocal(DefaultConfig())
	recent := make([]domain.TrainingExample, RecallTickets)
	for i := range recent {
		recent[i] = domain.TrainingExample{TicketID: int64(i + 1), Subject: train[i].Text, Category: train[i].Label}
	}
	l.Remember(recent, nil)
	cats := make([]domain.Category, 0, 8)
	for _, e := range train[:200] {
		if !containsCategory(cats, e.Label) {
			cats = append(cats, domain.Category{Name: e.Label})
		}
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		l.Similar("", test[i%len(test)].Text, promptExamples, cats)
		i++
	}
}

func containsCategory(cats []domain.Category, name string) bool {
	for _, c := range cats {
		if c.Name == name {
			return true
		}
	}
	return false
}
