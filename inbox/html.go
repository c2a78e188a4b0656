package inbox

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlText turns an HTML body into readable plain text: paragraphs and
// line breaks kept, list items as "- item", link targets kept as
// "text (url)", blockquotes as "> " lines (so reply stripping treats an HTML
// quote like a plain one), <hr> as Outlook's "____" separator, and head,
// script, style and other invisible elements dropped. Entities are decoded
// by the tokenizer. It streams tokens and keeps no tree, so deep or huge
// documents cost linear time and constant stack. It stops once it has
// written limit bytes (the output is at most limit and one token more), and
// its output is within a small multiple of len(src): a tag writes at most a
// line break and maxQuoteDepth "> " prefixes, a text token its own bytes.
func htmlText(src string, limit int) string {
	z := html.NewTokenizer(strings.NewReader(src))
	w := textWriter{}
	w.b.Grow(min(len(src)/2, limit))
	skip := 0 // depth inside elements whose content is not shown
	pre := 0
	var links []string // href of each open <a>, "" when not worth showing
	var linkText []int // w.b.Len() at each <a>
	deepLinks := 0     // open <a> past maxOpenLinks, not in links
	for {
		if w.b.Len() >= limit {
			return strings.TrimSpace(w.b.String())
		}
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return strings.TrimSpace(w.b.String())
		case html.TextToken:
			if skip > 0 {
				continue
			}
			if pre > 0 {
				w.pre(string(z.Text()))
			} else {
				w.text(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Template, atom.Svg, atom.Object:
				if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch a {
			case atom.Br:
				w.newline(1)
			case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Table, atom.Ul, atom.Ol, atom.Dl:
				w.newline(2)
			case atom.Div, atom.Tr, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Dt, atom.Dd, atom.Center, atom.Address:
				w.newline(1)
			case atom.Td, atom.Th:
				w.space()
			case atom.Li:
				w.newline(1)
				w.text("- ")
			case atom.Hr:
				w.newline(1)
				w.raw("________________________________")
				w.newline(1)
			case atom.Blockquote:
				w.newline(1)
				w.quote++
			case atom.Pre:
				w.newline(1)
				pre++
			case atom.A:
				href := ""
				if hasAttr {
					href = attr(z, "href")
				}
				switch {
				case tt != html.StartTagToken:
				case len(links) < maxOpenLinks:
					links = append(links, href)
					linkText = append(linkText, w.b.Len())
				default:
					deepLinks++
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Template, atom.Svg, atom.Object:
				if skip > 0 {
					skip--
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch a {
			case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Table, atom.Ul, atom.Ol, atom.Dl:
				w.newline(2)
			case atom.Div, atom.Tr, atom.Li, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Center, atom.Address:
				w.newline(1)
			case atom.Blockquote:
				w.newline(1)
				if w.quote > 0 {
					w.quote--
				}
			case atom.Pre:
				w.newline(1)
				if pre > 0 {
					pre--
				}
			case atom.A:
				if deepLinks > 0 {
					deepLinks--
				} else if n := len(links); n > 0 {
					href, start := links[n-1], linkText[n-1]
					links, linkText = links[:n-1], linkText[:n-1]
					w.link(href, start)
				}
			}
		}
	}
}

func attr(z *html.Tokenizer, want string) string {
	for {
		k, v, more := z.TagAttr()
		if string(k) == want {
			return strings.TrimSpace(string(v))
		}
		if !more {
			return ""
		}
	}
}

// textWriter collects text with collapsed blanks, at most two line breaks in
// a row, and a "> " prefix per blockquote level (up to maxQuoteDepth) at
// the start of each line.
type textWriter struct {
	b       strings.Builder
	quote   int
	nl      int  // line breaks pending
	started bool // some text written
	sp      bool // a blank is pending
}

func (w *textWriter) newline(n int) {
	if !w.started {
		return
	}
	if n > w.nl {
		w.nl = n
	}
	w.sp = false
}

func (w *textWriter) space() {
	if w.started && w.nl == 0 {
		w.sp = true
	}
}

func (w *textWriter) flush() {
	if w.nl > 0 {
		for i := 0; i < w.nl; i++ {
			w.b.WriteByte('\n')
			if i < w.nl-1 && w.quote > 0 {
				w.prefix()
			}
		}
		w.prefix()
		w.nl = 0
		w.sp = false
	} else if w.sp {
		w.b.WriteByte(' ')
		w.sp = false
	}
}

func (w *textWriter) prefix() {
	for i := 0; i < min(w.quote, maxQuoteDepth); i++ {
		w.b.WriteString("> ")
	}
}

// text writes flowing text: runs of white space (and no-break spaces)
// become one blank.
func (w *textWriter) text(s string) {
	for len(s) > 0 {
		i := strings.IndexFunc(s, isHTMLSpace)
		if i < 0 {
			w.word(s)
			return
		}
		if i > 0 {
			w.word(s[:i])
		}
		s = s[i:]
		j := strings.IndexFunc(s, func(r rune) bool { return !isHTMLSpace(r) })
		if j < 0 {
			j = len(s)
		}
		if w.started && w.nl == 0 {
			w.sp = true
		}
		s = s[j:]
	}
}

func (w *textWriter) word(s string) {
	if !w.started {
		w.started = true
		w.prefix()
		w.nl, w.sp = 0, false
	}
	w.flush()
	w.b.WriteString(s)
}

// raw writes s as one word, even if it has blanks.
func (w *textWriter) raw(s string) {
	w.started = true
	w.flush()
	w.b.WriteString(s)
}

// pre writes preformatted text, line breaks kept.
func (w *textWriter) pre(s string) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			w.b.WriteByte('\n')
			w.prefix()
		}
		if line != "" {
			if !w.started {
				w.started = true
				w.prefix()
			}
			w.flush()
			w.b.WriteString(line)
		}
	}
}

// link appends " (href)" after a link's text when the target says more than
// the text: not for anchors, scripts or a text that already is the URL.
func (w *textWriter) link(href string, start int) {
	if href == "" || strings.HasPrefix(href, "#") {
		return
	}
	lower := strings.ToLower(href)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "mailto:") {
		return
	}
	text := ""
	if start <= w.b.Len() {
		text = strings.TrimSpace(w.b.String()[start:])
	}
	target := strings.TrimPrefix(href, "mailto:")
	if strings.HasPrefix(lower, "mailto:") {
		target = href[len("mailto:"):]
	}
	if text == "" || strings.Contains(text, target) || strings.Contains(target, text) && len(text) > 12 {
		if text == "" {
			w.word(target)
		}
		return
	}
	w.sp = false
	w.flush()
	w.b.WriteString(" (" + target + ")")
}

func isHTMLSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\f', '\u00a0', '\u200b':
		return true
	}
	return false
}
