package classify

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"ticketgate/domain"
)

// A Local classifier remembers, beside its model, a bounded set of
// confirmed tickets as feature vectors:
//
//   - the admins' picks (domain.AdminPick), kept up to date by the Learner
//     at each poll: a mail worded like a ticket an admin filed (cosine
//     similarity ≥ NearDuplicate) gets the admin's category at once, without
//     waiting for a retraining, which would not promise it anyway (one
//     example among thousands moves an SVM little);
//   - the newest confirmed tickets of the last training, from which the
//     OpenAI-compatible classifier's prompt takes the few closest to the
//     mail as examples (Similar).
//
// The vectors are those of the model's features (the same tokens, the
// subject's head words, word pairs), with the names hashed instead of
// looked up in the model's vocabulary, so a pick worded in words the model
// never saw is still matched; each has sublinear term frequencies, scaled
// to unit length, so a dot product is the cosine.

// NearDuplicate is the cosine similarity from which a mail counts as worded
// like an admin's pick (see docs/classification.md for how it was chosen).
const NearDuplicate = 0.8

// Bounds of what a Local remembers: the newest confirmed tickets and the
// newest admin picks, and the start of each one's text kept for prompts.
const (
	RecallTickets = 1000
	RecallPicks   = 1000
	exampleRunes  = 400
)

// minSimilar is the least similarity of an example worth showing.
const minSimilar = 0.1

// memory is a Local's remembered tickets: immutable once built.
type memory struct {
	recent vecIndex // newest confirmed tickets
	picks  vecIndex // admin picks, one per ticket, newest first
	picked map[int64]bool
	seq    int64 // the highest pick number in picks
}

// memEntry is one remembered ticket.
type memEntry struct {
	ticket int64
	label  string
	text   string // subject and cleaned body, cut to exampleRunes
	seq    int64  // pick number (picks only)
	vec    hvec
}

// hvec is a unit-length vector over hashed feature names, sorted by id.
type hvec struct {
	ids []uint64
	val []float32
}

// posting is one entry's weight for a feature.
type posting struct {
	entry int32
	w     float32
}

// vecIndex finds the remembered tickets closest to a vector through an
// inverted index: a query reads the postings of its own features only.
type vecIndex struct {
	entries []memEntry
	post    map[uint64][]posting
}

func newVecIndex(entries []memEntry) vecIndex {
	ix := vecIndex{entries: entries, post: make(map[uint64][]posting)}
	for i, e := range entries {
		for j, id := range e.vec.ids {
			ix.post[id] = append(ix.post[id], posting{int32(i), e.vec.val[j]})
		}
	}
	return ix
}

// hit is an entry with its similarity to a query.
type hit struct {
	entry int
	sim   float64
}

// search returns the entries whose similarity to v is at least least, best
// first (the earlier entry first on a tie), at most n of them, among those
// keep accepts.
func (ix *vecIndex) search(v hvec, n int, least float64, keep func(e *memEntry) bool) []hit {
	if len(ix.entries) == 0 || len(v.ids) == 0 {
		return nil
	}
	scores := make([]float32, len(ix.entries))
	for j, id := range v.ids {
		for _, p := range ix.post[id] {
			scores[p.entry] += p.w * v.val[j]
		}
	}
	var hits []hit
	for i, s := range scores {
		if float64(s) >= least && keep(&ix.entries[i]) {
			hits = append(hits, hit{i, float64(s)})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(b.sim, a.sim) })
	return hits[:min(n, len(hits))]
}

// bytes estimates the memory ix holds.
func (ix *vecIndex) bytes() int64 {
	var b int64
	for _, e := range ix.entries {
		b += int64(len(e.text)+len(e.label)) + int64(len(e.vec.ids))*(12+8) + 96
	}
	return b + int64(len(ix.post))*48
}

// memText is the text a ticket is remembered and looked up by (and shown
// to the OpenAI model as an example): the subject, then the body without
// quotes and signature, in the form of MailText.
func memText(subject, body string) string {
	return strings.TrimSpace(subject) + "\n" + CleanMail(body)
}

// memVector returns text's vector: the model's features of its tokens,
// normalized as the model reads them (mailWords: head words and word
// pairs, no character grams), hashed.
func memVector(text string) hvec {
	plain, head := mailWords(text, DefaultConfig().HeadWords)
	toks := tokensOf(plain)
	ids := make([]uint64, 0, 2*len(toks)+head)
	eachFeature(toks, head, true, false, nil, func(name []byte) {
		// FNV-1a, 64 bits, inline: hash/fnv's interface allocates.
		h := uint64(14695981039346656037)
		for _, c := range name {
			h = (h ^ uint64(c)) * 1099511628211
		}
		ids = append(ids, h)
	})
	slices.Sort(ids)
	var v hvec
	for i := 0; i < len(ids); {
		j := i
		for j < len(ids) && ids[j] == ids[i] {
			j++
		}
		v.ids = append(v.ids, ids[i])
		v.val = append(v.val, 1+float32(math.Log(float64(j-i))))
		i = j
	}
	var norm float64
	for _, x := range v.val {
		norm += float64(x) * float64(x)
	}
	if norm > 0 {
		inv := float32(1 / math.Sqrt(norm))
		for i := range v.val {
			v.val[i] *= inv
		}
	}
	return v
}

// cut returns s's first n runes, with "…" if it was longer.
func cut(s string, n int) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > n {
		return strings.TrimSpace(string(r[:n])) + " …"
	}
	return s
}

func entryOf(t domain.TrainingExample, seq int64) memEntry {
	text := memText(t.Subject, t.Body)
	return memEntry{ticket: t.TicketID, label: t.Category, text: cut(text, exampleRunes), seq: seq, vec: memVector(text)}
}

// newMemory remembers the first RecallTickets of recent (newest first) and
// the newest RecallPicks of picks.
func newMemory(recent []domain.TrainingExample, picks []domain.AdminPick) *memory {
	es := make([]memEntry, min(len(recent), RecallTickets))
	parallelFor(len(es), func(i int) { es[i] = entryOf(recent[i], 0) })
	m := &memory{recent: newVecIndex(es)}
	m.setPicks(nil, picks)
	return m
}

// withPicks returns a copy of m that also remembers picks, which are newer
// than m's: a ticket's newer pick replaces its older one.
func (m *memory) withPicks(picks []domain.AdminPick) *memory {
	n := &memory{recent: m.recent}
	n.setPicks(m.picks.entries, picks)
	return n
}

// setPicks makes m's picks those of picks (any order) and old (entries,
// newest first), one per ticket, the newest RecallPicks.
func (m *memory) setPicks(old []memEntry, picks []domain.AdminPick) {
	fresh := make([]memEntry, len(picks))
	parallelFor(len(picks), func(i int) { fresh[i] = entryOf(picks[i].TrainingExample, picks[i].Seq) })
	all := append(fresh, old...)
	slices.SortStableFunc(all, func(a, b memEntry) int { return cmp.Compare(b.seq, a.seq) })
	m.picked = make(map[int64]bool, len(all))
	var es []memEntry
	for _, e := range all {
		if len(es) == RecallPicks {
			break
		}
		if !m.picked[e.ticket] {
			m.picked[e.ticket] = true
			es = append(es, e)
		}
	}
	m.picks = newVecIndex(es)
	if len(es) > 0 {
		m.seq = es[0].seq
	}
}

// categoryNames maps each category's lower-case name to its name.
func categoryNames(categories []domain.Category) map[string]string {
	names := make(map[string]string, len(categories))
	for _, c := range categories {
		names[strings.ToLower(c.Name)] = c.Name
	}
	return names
}

// correction is the category an admin picked for a ticket worded like
// text (similarity ≥ NearDuplicate; the most similar, the newest on a
// tie), if it is among categories.
func (m *memory) correction(text string, categories []domain.Category) (domain.Classification, bool) {
	res := domain.Classification{Method: domain.MethodLocal}
	if m == nil || len(m.picks.entries) == 0 {
		return res, false
	}
	names := categoryNames(categories)
	hits := m.picks.search(memVector(text), 1, NearDuplicate, func(e *memEntry) bool {
		_, ok := names[strings.ToLower(e.label)]
		return ok
	})
	if len(hits) == 0 {
		return res, false
	}
	e := &m.picks.entries[hits[0].entry]
	res.Category = names[strings.ToLower(e.label)]
	res.Confidence = min(hits[0].sim, 1)
	res.Candidates = []domain.Candidate{{Category: res.Category, Confidence: res.Confidence}}
	res.Explanation = fmt.Sprintf("worded like %s, which an admin filed under %s (similarity %.2f)",
		domain.FormatRef(e.ticket), res.Category, res.Confidence)
	return res, true
}

// Similar is a confirmed ticket close to a mail, as an example for a
// prompt.
type Similar struct {
	Ticket     int64
	Category   string
	Text       string // subject and cleaned body, at most about 400 characters
	Similarity float64
	Admin      bool // an admin picked its category
}

// similar returns the n remembered tickets most similar to text whose
// category is among categories: admin picks first when as similar, and a
// ticket once only (its pick, if an admin picked it).
func (m *memory) similar(text string, n int, categories []domain.Category) []Similar {
	if m == nil || n <= 0 {
		return nil
	}
	names := categoryNames(categories)
	v := memVector(text)
	var out []Similar
	add := func(ix *vecIndex, admin bool) {
		for _, h := range ix.search(v, n, minSimilar, func(e *memEntry) bool {
			_, ok := names[strings.ToLower(e.label)]
			return ok && (admin || !m.picked[e.ticket])
		}) {
			e := &ix.entries[h.entry]
			out = append(out, Similar{Ticket: e.ticket, Category: names[strings.ToLower(e.label)], Text: e.text,
				Similarity: h.sim, Admin: admin})
		}
	}
	add(&m.picks, true)
	add(&m.recent, false)
	slices.SortStableFunc(out, func(a, b Similar) int { return cmp.Compare(b.Similarity, a.Similarity) })
	return out[:min(n, len(out))]
}

// bytes estimates the memory m holds.
func (m *memory) bytes() int64 {
	if m == nil {
		return 0
	}
	return m.recent.bytes() + m.picks.bytes() + int64(len(m.picked))*16
}

// Remember makes the Local remember the newest confirmed tickets (recent,
// newest first; RecallTickets of them) and the admins' picks (the newest
// RecallPicks), in place of what it remembered. The Learner calls it after
// each training.
func (l *Local) Remember(recent []domain.TrainingExample, picks []domain.AdminPick) {
	l.mem.Store(newMemory(recent, picks))
}

// RememberPicks adds picks newer than those remembered (the Learner reads
// them at each poll that sees a new examples version). One goroutine at a
// time calls it and Remember: the Learner's.
func (l *Local) RememberPicks(picks []domain.AdminPick) {
	if len(picks) == 0 {
		return
	}
	m := l.mem.Load()
	if m == nil {
		m = newMemory(nil, nil)
	}
	l.mem.Store(m.withPicks(picks))
}

// Correction is the category an admin picked for a ticket worded like this
// mail (see NearDuplicate), when there is one among categories.
func (l *Local) Correction(subject, body string, categories []domain.Category) (domain.Classification, bool) {
	return l.mem.Load().correction(memText(subject, body), categories)
}

// Similar returns up to n remembered confirmed tickets closest to the mail
// whose categories are among categories, most similar first (see
// ExampleSource).
func (l *Local) Similar(subject, body string, n int, categories []domain.Category) []Similar {
	return l.mem.Load().similar(memText(subject, body), n, categories)
}

// MemoryBytes estimates what the Local holds: its model and the tickets
// it remembers.
func (l *Local) MemoryBytes() int64 {
	var b int64
	if m := l.current.Load(); m != nil {
		b = m.MemoryBytes()
	}
	return b + l.mem.Load().bytes()
}
