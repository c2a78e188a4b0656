package inbox

import (
	"fmt"
	"strings"
	"testing"
)

// htmlToText is htmlText with the limit Parse gives the body text.
func htmlToText(src string) string { return htmlText(src, maxTextBytes) }

func TestHTMLToText(t *testing.T) {
	tests := []struct {
		name, html, want string
	}{
		{"paragraphs", "<p>One</p><p>Two</p>", "One\n\nTwo"},
		{"line breaks", "a<br>b<br/>c", "a\nb\nc"},
		{"blanks collapse", "<div>  lots \n\t of   space&nbsp;here </div>", "lots of space here"},
		{"entities", "<p>Fish &amp; chips &lt;3 &eacute;t&eacute; &#8364;5 &quot;ok&quot;</p>", "Fish & chips <3 été €5 \"ok\""},
		{"dropped", "<html><head><title>T</title><style>p{}</style></head><body><script>x()</script>Hi<noscript>no</noscript></body></html>", "Hi"},
		{"list", "<ul><li>one</li><li>two</li></ul>", "- one\n- two"},
		{"link", `See <a href="https://example.com/x">the page</a>.`, "See the page (https://example.com/x)."},
		{"link same text", `<a href="https://example.com">https://example.com</a>`, "https://example.com"},
		{"mailto", `Mail <a href="mailto:help@example.com">us</a>`, "Mail us (help@example.com)"},
		{"anchor", `<a href="#top">top</a>`, "top"},
		{"javascript link", `<a href="javascript:alert(1)">x</a>`, "x"},
		{"blockquote", "<p>Yes</p><blockquote><p>Q1</p><blockquote>Q2</blockquote></blockquote>", "Yes\n> \n> Q1\n> > \n> > Q2"},
		{"hr", "a<hr>b", "a\n________________________________\nb"},
		{"pre", "<pre>  x = 1\n  y = 2</pre>", "x = 1\n  y = 2"},
		{"table", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
		{"unclosed", "<div><p>open <b>bold", "open bold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := htmlToText(tt.html); got != tt.want {
				t.Errorf("htmlToText(%q) =\n%q\nwant\n%q", tt.html, got, tt.want)
			}
		})
	}
}

// deepHTML is n levels of <div><blockquote> around one word.
func deepHTML(n int) string {
	return strings.Repeat("<div><blockquote>", n) + "x" + strings.Repeat("</blockquote></div>", n)
}

// TestHTMLToTextDeep: deep nesting costs no stack and linear work (the
// tokenizer streams, no tree is built): the text survives 100,000 levels,
// stays a bounded prefix and the word, and what htmlText allocates grows
// with the input, not its square. Its speed is BenchmarkHTMLToTextDeep's.
func TestHTMLToTextDeep(t *testing.T) {
	const n = 25000
	srcSmall, srcBig := deepHTML(n), deepHTML(4*n)
	var small, big string
	allocSmall := allocated(func() { small = htmlToText(srcSmall) })
	allocBig := allocated(func() { big = htmlToText(srcBig) })
	for _, got := range []string{small, big} {
		if want := strings.Repeat("> ", maxQuoteDepth) + "x"; got != want {
			t.Errorf("htmlToText of deep nesting = %q…, want %q", got[:min(len(got), 40)], want)
		}
	}
	checkGrowth(t, "htmlToText", allocSmall, allocBig)
}

// BenchmarkHTMLToTextDeep: htmlText on n and 4n levels of nesting; the
// MB/s of both are equal when it is linear.
//
//	go test -run '^$' -bench HTMLToTextDeep -benchmem ./inbox/
func BenchmarkHTMLToTextDeep(b *testing.B) {
	benchSizes(b, []int{25000, 100000}, deepHTML, func(src string) { htmlToText(src) })
}

// TestHTMLToTextQuoteDepth: quotes deeper than maxQuoteDepth are written
// at that depth, so unclosed <blockquote> lines cost a bounded prefix each
// (they once made a 600 KB mail take serve down).
func TestHTMLToTextQuoteDepth(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 3*maxQuoteDepth; i++ {
		fmt.Fprintf(&b, "<blockquote>L%d\n", i)
	}
	lines := strings.Split(htmlToText(b.String()), "\n")
	last := lines[len(lines)-1]
	if want := strings.Repeat("> ", maxQuoteDepth) + fmt.Sprintf("L%d", 3*maxQuoteDepth); last != want {
		t.Errorf("deepest line = %q, want %q", last, want)
	}
	for _, l := range lines {
		if strings.HasPrefix(l, strings.Repeat("> ", maxQuoteDepth+1)) {
			t.Errorf("line %q deeper than %d levels", l, maxQuoteDepth)
		}
	}
	// Closing them all again comes back to the top level.
	src := b.String() + strings.Repeat("</blockquote>", 3*maxQuoteDepth) + "top"
	if got := htmlToText(src); !strings.HasSuffix(got, "\ntop") {
		t.Errorf("after closing the quotes: …%q", got[max(0, len(got)-30):])
	}
	// Unclosed quotes: the text is a small multiple of the source.
	huge := strings.Repeat("<blockquote>quoted line\n", 20000)
	if got := htmlToText(huge); len(got) > 2*len(huge) {
		t.Errorf("%d unclosed quotes: %d bytes of text from %d", 20000, len(got), len(huge))
	}
}

// TestHTMLToTextLimit: the text stops at its limit, however long the HTML.
func TestHTMLToTextLimit(t *testing.T) {
	src := strings.Repeat("<p>paragraph of some words</p>", 100000)
	got := htmlText(src, 1000)
	if len(got) < 1000 || len(got) > 1100 {
		t.Errorf("htmlText(…, 1000) = %d bytes", len(got))
	}
	// Nested links: each target shown once, the deep ones not at all.
	var links strings.Builder
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&links, `<a href="https://example.test/x%dy">a `, i)
	}
	links.WriteString(strings.Repeat("</a>", 100))
	if n := strings.Count(htmlToText(links.String()), "(https://example.test/x"); n != maxOpenLinks {
		t.Errorf("%d link targets written, want %d", n, maxOpenLinks)
	}
}
