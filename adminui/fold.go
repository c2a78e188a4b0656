package adminui

import (
	"errors"
	"html/template"
	"io"
	"text/template/parse"

	"ticketgate/domain/i18n"
)

// A page's fixed words are written {{t "key"}}. Executed, each is two
// functions called by reflection (t, then html/template's escaper) and a
// catalog look-up, for the same words on every request: on the admin
// dashboard they were a fifth of the page's rendering. foldTranslations
// writes them into the template instead, once, when a language's pages
// are parsed (docs/performance.md, "Sixth round").
//
// It works on the escaped templates, where html/template has written the
// context of every action as the escaper it appended: an action
// {{t "key" | _html_template_htmlescaper}} is in an element's text, where
// that escaper passes t's template.HTML through unchanged, so the
// catalog's HTML in its place is the same output. Any other context (an
// attribute, a URL, a script) keeps its action, as does a key the catalog
// lacks: its error still comes at execution, as before.

// htmlEscaperName is the escaper html/template appends to an action in
// an element's text.
const htmlEscaperName = "_html_template_htmlescaper"

// foldTranslations escapes page's templates and folds their fixed
// translations in l's language. A page whose escaping fails is left as it
// is: it reports that error at every execution, as it would have.
func foldTranslations(page *template.Template, l *i18n.Localizer) {
	// Escaping happens at the first execution; nil data makes that
	// execution stop early, after the escaping, which is all it is for.
	var escErr *template.Error
	if err := page.ExecuteTemplate(io.Discard, "layout", nil); errors.As(err, &escErr) {
		return
	}
	for _, t := range page.Templates() {
		if t.Tree != nil && t.Tree.Root != nil {
			foldList(t.Tree.Root, l)
		}
	}
}

// foldList folds the actions of list and of the lists within it, and
// joins the texts that end up side by side.
func foldList(list *parse.ListNode, l *i18n.Localizer) {
	if list == nil {
		return
	}
	out := list.Nodes[:0]
	for _, n := range list.Nodes {
		switch n := n.(type) {
		case *parse.ActionNode:
			if s, ok := fixedText(n, l); ok {
				n := &parse.TextNode{NodeType: parse.NodeText, Pos: n.Pos, Text: []byte(s)}
				if last, ok := lastText(out); ok {
					last.Text = append(last.Text, n.Text...)
					continue
				}
				out = append(out, n)
				continue
			}
		case *parse.TextNode:
			if last, ok := lastText(out); ok {
				last.Text = append(last.Text, n.Text...)
				continue
			}
			// A copy: the parser's text may be shared with the source.
			out = append(out, &parse.TextNode{NodeType: parse.NodeText, Pos: n.Pos, Text: append([]byte(nil), n.Text...)})
			continue
		case *parse.IfNode:
			foldList(n.List, l)
			foldList(n.ElseList, l)
		case *parse.RangeNode:
			foldList(n.List, l)
			foldList(n.ElseList, l)
		case *parse.WithNode:
			foldList(n.List, l)
			foldList(n.ElseList, l)
		case *parse.ListNode:
			foldList(n, l)
		}
		out = append(out, n)
	}
	clear(list.Nodes[len(out):])
	list.Nodes = out
}

// lastText is the last node of nodes when it is a text.
func lastText(nodes []parse.Node) (*parse.TextNode, bool) {
	if len(nodes) == 0 {
		return nil, false
	}
	t, ok := nodes[len(nodes)-1].(*parse.TextNode)
	return t, ok
}

// fixedText is the output of action n when it is {{t "key"}} in an
// element's text and the catalog has key.
func fixedText(n *parse.ActionNode, l *i18n.Localizer) (string, bool) {
	p := n.Pipe
	if p == nil || len(p.Decl) != 0 || len(p.Cmds) != 2 {
		return "", false
	}
	call, esc := p.Cmds[0].Args, p.Cmds[1].Args
	if len(call) != 2 || len(esc) != 1 || !isIdent(call[0], "t") || !isIdent(esc[0], htmlEscaperName) {
		return "", false
	}
	key, ok := call[1].(*parse.StringNode)
	if !ok {
		return "", false
	}
	s, err := l.HTML(key.Text)
	return s, err == nil
}

func isIdent(n parse.Node, name string) bool {
	id, ok := n.(*parse.IdentifierNode)
	return ok && id.Ident == name
}
