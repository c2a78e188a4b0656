package inbox

import (
	"strings"
	"testing"
	"time"
)

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

func TestHTMLToTextDeep(t *testing.T) {
	// Deep nesting costs no stack: the tokenizer streams.
	html := strings.Repeat("<div><blockquote>", 100000) + "x" + strings.Repeat("</blockquote></div>", 100000)
	within(t, 2*time.Second, "htmlToText", func() {
		if got := htmlToText(html); !strings.HasSuffix(got, "x") {
			t.Errorf("lost the text: %q…", got[:min(len(got), 40)])
		}
	})
}
