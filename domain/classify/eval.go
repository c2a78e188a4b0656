package classify

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// ReadCSV reads labelled examples from CSV with a header row naming the
// columns text and label (in any order; other columns are ignored).
func ReadCSV(r io.Reader) ([]Example, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty CSV: want a header row text,label")
		}
		return nil, err
	}
	ti, li := -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "text":
			ti = i
		case "label":
			li = i
		}
	}
	if ti < 0 || li < 0 {
		return nil, fmt.Errorf("CSV header %q: want columns text and label", strings.Join(header, ","))
	}
	var out []Example
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(rec) <= max(ti, li) {
			return nil, fmt.Errorf("CSV line %d: %d fields, want at least %d", line, len(rec), max(ti, li)+1)
		}
		label := strings.TrimSpace(rec[li])
		if label == "" {
			return nil, fmt.Errorf("CSV line %d: empty label", line)
		}
		out = append(out, Example{Text: rec[ti], Label: label})
	}
}

// ClassReport is one label's precision, recall and F1 on a test set.
type ClassReport struct {
	Label     string  `json:"label"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// Report sums up predictions against true labels.
type Report struct {
	Accuracy float64       `json:"accuracy"`
	MacroF1  float64       `json:"macro_f1"`
	Classes  []ClassReport `json:"classes"`
	// Labels name Confusion's rows (true label) and columns (predicted).
	Labels    []string `json:"labels"`
	Confusion [][]int  `json:"confusion"`
	N         int      `json:"n"`
}

// Score compares predicted labels with the true ones. Labels are those of
// truth, then any other predicted, in sorted order; "" (no answer) counts
// as wrong.
func Score(truth, predicted []string) Report {
	seen := map[string]bool{}
	var labels []string
	for _, l := range truth {
		if !seen[l] {
			seen[l] = true
			labels = append(labels, l)
		}
	}
	slices.Sort(labels)
	var extra []string
	for _, l := range predicted {
		if l != "" && !seen[l] {
			seen[l] = true
			extra = append(extra, l)
		}
	}
	slices.Sort(extra)
	labels = append(labels, extra...)
	pos := map[string]int{}
	for i, l := range labels {
		pos[l] = i
	}
	r := Report{Labels: labels, N: len(truth), Confusion: make([][]int, len(labels))}
	for i := range r.Confusion {
		r.Confusion[i] = make([]int, len(labels))
	}
	correct := 0
	for i, t := range truth {
		p := predicted[i]
		if p == t {
			correct++
		}
		if j, ok := pos[p]; ok {
			r.Confusion[pos[t]][j]++
		}
	}
	if len(truth) > 0 {
		r.Accuracy = float64(correct) / float64(len(truth))
	}
	var f1sum float64
	classes := 0
	for i, l := range labels {
		tp := r.Confusion[i][i]
		var predN, trueN int
		for j := range labels {
			predN += r.Confusion[j][i]
			trueN += r.Confusion[i][j]
		}
		c := ClassReport{Label: l, Support: trueN}
		if predN > 0 {
			c.Precision = float64(tp) / float64(predN)
		}
		if trueN > 0 {
			c.Recall = float64(tp) / float64(trueN)
		}
		if c.Precision+c.Recall > 0 {
			c.F1 = 2 * c.Precision * c.Recall / (c.Precision + c.Recall)
		}
		if trueN > 0 {
			f1sum += c.F1
			classes++
		}
		r.Classes = append(r.Classes, c)
	}
	if classes > 0 {
		r.MacroF1 = f1sum / float64(classes)
	}
	return r
}

// CalibrationError is the expected calibration error of confidences: the
// answers are put in ten bins by confidence, and the gap between each bin's
// mean confidence and its accuracy is averaged, weighted by the bin's size.
// 0 is perfect; a model whose 0.8 answers are right 80 % of the time is
// calibrated.
func CalibrationError(confidence []float64, correct []bool) float64 {
	const bins = 10
	var n [bins]int
	var conf, acc [bins]float64
	for i, c := range confidence {
		b := min(int(c*bins), bins-1)
		b = max(b, 0)
		n[b]++
		conf[b] += c
		if correct[i] {
			acc[b]++
		}
	}
	var ece float64
	for b := range n {
		if n[b] > 0 {
			gap := conf[b]/float64(n[b]) - acc[b]/float64(n[b])
			if gap < 0 {
				gap = -gap
			}
			ece += gap * float64(n[b]) / float64(len(confidence))
		}
	}
	return ece
}
