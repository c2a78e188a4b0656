package adminui

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/chromedp"
)

// step fills fields, presses button (through the DOM) in the New ticket
// assistant, and waits for its next step: with JavaScript the assistant is
// replaced in place (assistant.js), without it a new page loads; either
// way the marked #assistant element is gone and a new one is there.
func (tb *tab) step(what string, fields [][2]string, button string) {
	tb.b.t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	for _, f := range fields {
		set := chromedp.Evaluate[bool](fmt.Sprintf("(document.querySelector(%q).value = '', true)", f[0]))
		steps = append(steps, chromedp.WaitVisible(chromedp.CSS(f[0])),
			chromedp.Func(func(ctx context.Context, t *chromedp.Target) error { _, err := set(ctx, t); return err }),
			chromedp.SendKeys(chromedp.CSS(f[0]), f[1]))
	}
	tb.do(what, steps...)
	tb.press(what, fmt.Sprintf("document.querySelector(%q).click()", button))
}

// press marks the assistant, runs js (a click, a change of the category)
// and waits for the assistant's next step.
func (tb *tab) press(what, js string) {
	tb.b.t.Helper()
	run := chromedp.Evaluate[bool]("(document.getElementById('assistant').dataset.old = '1', " + js + ", true)")
	tb.do(what, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error { _, err := run(ctx, t); return err }))
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
			"(function(){var a=document.getElementById('assistant');return !!a && !a.dataset.old && !a.hasAttribute('aria-busy') && document.readyState==='complete'})()"))
		cancel()
		if err == nil && done {
			return
		}
		if time.Now().After(deadline) {
			tb.b.t.Fatalf("%s: %s: the assistant did not answer (at %s)", tb.name, what, tb.location())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
