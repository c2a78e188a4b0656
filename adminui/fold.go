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
	if escape(page) != nil {
		return
	}
	eachList(page, func(list *parse.ListNode) { foldList(list, l) })
}

// escape has html/template escape page now, as it does at the first
// execution: nil data stops that execution early, after the escaping,
// which is all it is for. The error is the escaping's.
func escape(page *template.Template) error {
	var escErr *template.Error
	if err := page.ExecuteTemplate(io.Discard, "layout", nil); errors.As(err, &escErr) {
		return err
	}
	return nil
}

// eachList calls fn with every list of nodes of page's templates: each
// template's body and the bodies of its if, range and with actions.
func eachList(page *template.Template, fn func(*parse.ListNode)) {
	var walk func(*parse.ListNode)
	walk = func(list *parse.ListNode) {
		if list == nil {
			return
		}
		fn(list)
		for _, n := range list.Nodes {
			switch n := n.(type) {
			case *parse.IfNode:
				walk(n.List)
				walk(n.ElseList)
			case *parse.RangeNode:
				walk(n.List)
				walk(n.ElseList)
			case *parse.WithNode:
				walk(n.List)
				walk(n.ElseList)
			}
		}
	}
	for _, t := range page.Templates() {
		if t.Tree != nil {
			walk(t.Tree.Root)
		}
	}
}

// foldList writes list's fixed translations as text, and joins the texts
// that end up side by side.
func foldList(list *parse.ListNode, l *i18n.Localizer) {
	out := list.Nodes[:0]
	for _, n := range list.Nodes {
		var text []byte
		switch n := n.(type) {
		case *parse.ActionNode:
			if s, ok := fixedText(n, l); ok {
				text = []byte(s)
			}
		case *parse.TextNode:
			text = n.Text
		}
		if text == nil {
			out = append(out, n)
			continue
		}
		if last, ok := lastText(out); ok {
			// Capped, so that append copies rather than write into an
			// array another node's text might share.
			last.Text = append(last.Text[:len(last.Text):len(last.Text)], text...)
			continue
		}
		out = append(out, &parse.TextNode{NodeType: parse.NodeText, Pos: n.Position(), Text: text})
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
