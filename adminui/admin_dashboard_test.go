package adminui

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/i18n"
)

// TestFlowChartSVG checks the flow chart written in Go: well-formed SVG, a
// bar of the right height for each day's figures, every fifth day labelled,
// and the catalog's texts escaped (French has apostrophes and colons).
func TestFlowChartSVG(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	day0 := time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC)
	var days []domain.DayCount
	for i := range 30 {
		days = append(days, domain.DayCount{Day: day0.AddDate(0, 0, i), Created: i % 7, Resolved: (i * 3) % 5})
	}
	days[29].Created = 9 // the top: the scale becomes 10
	c := newFlowChart(days)
	c.localize(cat.For("fr", time.UTC))
	svg := string(c.svg(`Tickets <"créés"> & résolus`))

	// Well-formed: every element closes.
	dec := xml.NewDecoder(strings.NewReader(svg))
	type rect struct{ class, y, height string }
	var rects []rect
	var texts []string
	var inText bool
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the chart is not well-formed: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inText = tok.Name.Local == "text" || tok.Name.Local == "title"
			if tok.Name.Local == "rect" {
				var r rect
				for _, a := range tok.Attr {
					switch a.Name.Local {
					case "class":
						r.class = a.Value
					case "y":
						r.y = a.Value
					case "height":
						r.height = a.Value
					}
				}
				rects = append(rects, r)
			}
		case xml.CharData:
			if inText {
				texts = append(texts, string(tok))
			}
		case xml.EndElement:
			inText = false
		}
	}
	if len(rects) != 60 {
		t.Fatalf("%d bars, want 60 (two a day)", len(rects))
	}
	// Day 29: 9 created of a scale of 10 over 180 pixels is 162 high, its
	// top at 200-162; 29*3%5 = 2 resolved is 36 high.
	if got := rects[58]; got != (rect{"fill-created", "38", "162"}) {
		t.Errorf("the last day's created bar: %+v", got)
	}
	if got := rects[59]; got != (rect{"fill-resolved", "164", "36"}) {
		t.Errorf("the last day's resolved bar: %+v", got)
	}
	joined := strings.Join(texts, "|")
	for _, want := range []string{`Tickets <"créés"> & résolus`, "|0|5|10|", "7 déc.", "2 déc.", "7 déc. : créés 9, résolus 2"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the chart's texts lack %q: %s", want, joined)
		}
	}
	if n := strings.Count(svg, `text-anchor="middle"`); n != 6 {
		t.Errorf("%d day labels, want 6 (every fifth of 30 days)", n)
	}

	rows := string(c.rows())
	if n := strings.Count(rows, "<tr>"); n != 30 {
		t.Errorf("%d table rows, want 30", n)
	}
	if !strings.Contains(rows, `<tr><td>lun. 7 déc.</td><td class="text-end">9</td><td class="text-end">2</td></tr>`) {
		t.Errorf("the last day's row is not as expected: %s", rows)
	}
}
