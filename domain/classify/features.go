package classify

import (
	"math"
	"slices"
	"strings"
)

// featureNames returns the features of a token list: every word, the
// first head words again as features of their own (a ticket's subject
// says most about it), every pair of neighbouring words ("reset password")
// and, when charGrams is set,
// the character 4-grams of longer words, which tie together compounds and
// inflections the light stemmer leaves apart ("printer", "printers",
// "reprint").
func featureNames(toks []string, head int, bigrams, charGrams bool, out []string) []string {
	eachFeature(toks, head, bigrams, charGrams, nil, func(name []byte) { out = append(out, string(name)) })
	return out
}

// eachFeature calls f with the name of every feature of toks, in
// featureNames' order. The name is in buf's storage (grown as needed) and
// valid only during the call: a caller that only looks names up in a map
// allocates nothing.
func eachFeature(toks []string, head int, bigrams, charGrams bool, buf []byte, f func(name []byte)) {
	for i, t := range toks {
		if i < head {
			buf = append(append(buf[:0], '^'), t...)
			f(buf)
		}
		buf = append(buf[:0], t...)
		f(buf)
		if bigrams && i > 0 {
			buf = append(append(append(buf[:0], toks[i-1]...), ' '), t...)
			f(buf)
		}
		if charGrams && len(t) > 5 {
			w := "<" + t + ">"
			for j := 0; j+4 <= len(w); j++ {
				buf = append(append(buf[:0], '#'), w[j:j+4]...)
				f(buf)
			}
		}
	}
}

// sparse is a document as feature ids and weights, sorted by id.
type sparse struct {
	idx []int32
	val []float32
}

// vectorize turns feature names into a TF-IDF vector over m's vocabulary:
// sublinear term frequency (1 + ln tf), times idf if configured, scaled to
// unit length.
// Names outside the vocabulary are ignored.
func (m *Model) vectorize(names []string) sparse {
	ids := make([]int32, 0, len(names))
	for _, n := range names {
		if id, ok := m.index[n]; ok {
			ids = append(ids, id)
		}
	}
	v := countSorted(ids)
	m.weighCounts(v)
	return v
}

// weighCounts turns the term counts of v (sorted by id) into TF-IDF
// weights in place: sublinear term frequency, times idf if configured,
// scaled to unit length.
func (m *Model) weighCounts(v sparse) {
	var idf []float32
	if m.cfg.IDF {
		idf = m.idf
	}
	tfidf(v, idf, m.scale)
}

// tfidf turns the term counts of v into weights in place: 1 + ln(count),
// times idf[id] unless idf is nil, times scale[id] unless scale is nil,
// scaled to unit length.
func tfidf(v sparse, idf, scale []float32) {
	var norm float64
	for i, id := range v.idx {
		x := 1 + float32(math.Log(float64(v.val[i])))
		if idf != nil {
			x *= idf[id]
		}
		if scale != nil {
			x *= scale[id]
		}
		v.val[i] = x
		norm += float64(x) * float64(x)
	}
	if norm > 0 {
		inv := float32(1 / math.Sqrt(norm))
		for i := range v.val {
			v.val[i] *= inv
		}
	}
}

// keywordSet is one label's admin keywords, each as its token sequence.
type keywordSet [][]string

// newKeywordSet tokenizes keywords the way text is tokenized, so "Printers"
// matches the keyword "printer" and "VPN access" matches as two words in a
// row.
func newKeywordSet(keywords []string) keywordSet {
	var ks keywordSet
	for _, k := range keywords {
		if toks := Tokens(k); len(toks) > 0 {
			ks = append(ks, toks)
		}
	}
	return ks
}

// matches returns the keywords of ks found in toks.
func (ks keywordSet) matches(toks []string) []string {
	var found []string
	for _, k := range ks {
		if containsSeq(toks, k) {
			found = append(found, strings.Join(k, " "))
		}
	}
	return found
}

func containsSeq(toks, seq []string) bool {
	for i := 0; i+len(seq) <= len(toks); i++ {
		ok := true
		for j := range seq {
			if toks[i+j] != seq[j] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// minFuzzy is the length from which a keyword's word also matches a word
// one typo away ("pasword", "licence" for "license", "printr"): shorter
// words have too many neighbours ("order", "older").
const minFuzzy = 6

// typoIndex maps the words of the keywords (minFuzzy bytes or more, ASCII)
// and each of them with one byte deleted to the keyword word and the
// position deleted (-1: the word itself); an empty word marks a variant
// that two keyword words share.
type typoIndex map[string]typoEntry

type typoEntry struct {
	word string
	pos  int
}

func newTypoIndex(sets []keywordSet) typoIndex {
	ix := typoIndex{}
	for _, ks := range sets {
		for _, k := range ks {
			for _, w := range k {
				if len(w) >= minFuzzy && ascii(w) {
					ix[w] = typoEntry{w, -1}
				}
			}
		}
	}
	for _, ks := range sets {
		for _, k := range ks {
			for _, w := range k {
				if len(w) < minFuzzy || !ascii(w) {
					continue
				}
				for i := range len(w) {
					v := w[:i] + w[i+1:]
					switch old, ok := ix[v]; {
					case !ok:
						ix[v] = typoEntry{w, i}
					case old.pos == -1 || old.word == w:
						// an exact keyword word stays itself; a double
						// letter gives the same variant twice
					default:
						ix[v] = typoEntry{"", 0}
					}
				}
			}
		}
	}
	return ix
}

// correct returns toks with each word one typo away from a keyword's word
// (a letter missing, added, changed or two neighbours swapped) replaced by
// it; toks itself when nothing changed.
func (ix typoIndex) correct(toks []string) []string {
	if len(ix) == 0 {
		return toks
	}
	var out []string
	buf := make([]byte, 0, 32)
	for i, t := range toks {
		w := ix.lookup(t, buf)
		if w == "" || w == t {
			continue
		}
		if out == nil {
			out = slices.Clone(toks)
		}
		out[i] = w
	}
	if out == nil {
		return toks
	}
	return out
}

// lookup returns the keyword word t is or is one typo away from, "" when
// none (or more than one).
func (ix typoIndex) lookup(t string, buf []byte) string {
	if len(t) < minFuzzy-1 || len(t) > 24 || !ascii(t) {
		return ""
	}
	if e, ok := ix[t]; ok {
		return e.word // t itself, or t misses a letter of e.word
	}
	if len(t) < minFuzzy {
		return ""
	}
	found := ""
	for i := range len(t) {
		buf = append(append(buf[:0], t[:i]...), t[i+1:]...)
		e, ok := ix[string(buf)] // no allocation for a lookup
		// t has a letter too many (e is the word itself), or one letter
		// changed (deleted at the same place from both) or two neighbours
		// swapped (deleted at neighbouring places).
		if !ok || e.pos != -1 && (e.pos < i-1 || e.pos > i+1) {
			continue
		}
		if e.word == "" || found != "" && found != e.word {
			return ""
		}
		found = e.word
	}
	return found
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
