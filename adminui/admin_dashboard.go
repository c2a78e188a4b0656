package adminui

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/i18n"
)

// The admin pages (docs/portal.md "Part 2"): the dashboard here, all
// tickets in admin_tickets.go, the mail pages in admin_mail.go. Every one
// is adminOnly (routes.go): to anyone but an admin they do not exist.

// MailIn reports how mail intake is doing right now, for the dashboard.
// cmd wires it from the IMAP poller and the SMTP/LMTP receivers; it must be
// safe for concurrent use.
type MailIn interface {
	MailInState() MailInState
}

// MailInState is mail intake at one moment.
type MailInState struct {
	// IMAP are the pollers' states, one per mailbox polled (IMAP_URL's
	// and each enabled mailbox of the table with an IMAP URL); none when
	// no mailbox is polled.
	IMAP []IMAPState
	// Receivers are the SMTP and LMTP receivers this instance runs.
	Receivers []ReceiverState
}

// IMAPState is what admins see of one IMAP poller.
type IMAPState struct {
	Name        string // the mailbox's address
	Mailbox     string // the URL without its password
	Polling     bool   // this instance holds the mailbox (one instance polls it)
	Connected   bool
	LastSuccess time.Time
	LastErrorAt time.Time
	LastError   string
	Backlog     int
	// NeedsReauthorization: the OAuth2 provider refused the grant; the
	// mailbox must be connected again.
	NeedsReauthorization bool
}

// ReceiverState is one SMTP or LMTP receiver.
type ReceiverState struct {
	Protocol  string // SMTP or LMTP
	Addr      string
	Listening bool
}

type dashboardPage struct {
	Layout
	D          *domain.Dashboard
	SLA        *domain.SLAReport // issue 18
	Mail       MailInState
	HasMailIn  bool
	StatusBars barChart
	CatBars    barChart
	// FlowSVG and FlowRows are the flow chart and its table, written in
	// Go (flowChart.svg): thirty days of a dozen template actions each
	// were a third of the page's CPU.
	FlowSVG, FlowRows template.HTML
	Created           int // over the window
	Resolved          int
	Queued            int // outbox rows by status
	Held              int
	Dead              int
	// Reauth are the enabled mailboxes whose OAuth2 grant was refused:
	// the banner asks to connect them again.
	Reauth []string
	// NoCategories: the helpdesk has no category yet; the page offers the
	// starter set (admin_starter.go).
	NoCategories bool
	StarterError string // why the starter set was refused
	// ToAssigned and ToResolved are the medians in the reader's language.
	ToAssigned, ToResolved string
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	h.showDashboard(w, r, http.StatusOK, "")
}

// showDashboard renders the dashboard; starterErr says why the starter
// set was not applied ("" when it was not asked for).
func (h *Handler) showDashboard(w http.ResponseWriter, r *http.Request, status int, starterErr string) {
	d, err := h.desk.Dashboard(r.Context())
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	data := dashboardPage{Layout: h.layout(r, "Dashboard", "admin"), D: d, StarterError: starterErr}
	if data.SLA, err = h.desk.SLAReport(r.Context()); err != nil {
		h.internalError(w, r, err)
		return
	}
	if data.Reauth, err = h.desk.MailboxesNeedingReauthorization(r.Context()); err != nil {
		h.internalError(w, r, err)
		return
	}
	if data.NoCategories, err = h.desk.NoCategories(r.Context()); err != nil {
		h.internalError(w, r, err)
		return
	}
	if h.mailIn != nil {
		data.Mail, data.HasMailIn = h.mailIn.MailInState(), true
	}
	l := h.localizer(r)
	data.ToAssigned, data.ToResolved = localDuration(l, d.ToAssigned), localDuration(l, d.ToResolved)
	var sb, cb []barItem
	for _, s := range d.ByStatus {
		sb = append(sb, barItem{Label: statusText(l, s.Status), Value: s.Count, Class: "fill-" + string(s.Status),
			Link: "/admin/tickets?status=" + string(s.Status)})
	}
	for _, c := range d.ByCategory {
		label, link := c.Category, "/admin/tickets?category="+strconv.FormatInt(c.CategoryID, 10)
		if c.CategoryID == 0 {
			label, link = l.T("admin.dash.no_category"), "/admin/tickets?category=none"
		}
		cb = append(cb, barItem{Label: label, Value: c.Count, Class: "fill-category", Link: link})
	}
	data.StatusBars = newBarChart("Open tickets by status", sb)
	data.StatusBars.Key = "admin.dash.by_status"
	data.CatBars = newBarChart("Open tickets by category", cb)
	data.CatBars.Key = "admin.dash.by_category"
	flow := newFlowChart(d.Days)
	flow.localize(l)
	data.FlowSVG, data.FlowRows = flow.svg(l.T("admin.dash.flow_chart")), flow.rows()
	data.Queued, data.Held, data.Dead = d.Outbox[domain.OutboxQueued], d.Outbox[domain.OutboxHeld], d.Outbox[domain.OutboxDead]
	for _, dc := range d.Days {
		data.Created += dc.Created
		data.Resolved += dc.Resolved
	}
	h.render(w, r, status, "admin_dashboard", data)
}

// adminFuncs are the template functions of the admin pages.
func adminFuncs() template.FuncMap {
	return template.FuncMap{
		// {{x | minus 6}} is x-6 and {{x | plus 6}} x+6: chart geometry.
		"minus": func(d, x int) int { return x - d },
		"plus":  func(d, x int) int { return x + d },
		// chartID makes an element id from a chart's title.
		"chartID": func(title string) string {
			return "chart-" + strings.Map(func(r rune) rune {
				if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
					return r
				}
				return '-'
			}, strings.ToLower(title))
		},
	}
}

// localDuration is duration in l's language: "3 d 4 h", "3 T 4 h".
func localDuration(l *i18n.Localizer, d time.Duration) string {
	n := func(x float64) string { return strconv.Itoa(int(x)) }
	switch {
	case d < time.Minute:
		return l.T("admin.dash.dur_s", "s", n(d.Seconds()))
	case d < time.Hour:
		return l.T("admin.dash.dur_min", "min", n(d.Minutes()))
	case d < 24*time.Hour:
		return l.T("admin.dash.dur_h_min", "h", n(d.Hours()), "min", strconv.Itoa(int(d.Minutes())%60))
	}
	return l.T("admin.dash.dur_d_h", "d", strconv.Itoa(int(d.Hours())/24), "h", strconv.Itoa(int(d.Hours())%24))
}

// The charts are SVG drawn on the server: no script, no library, and the
// same numbers are on the page as text. Geometry is computed here; the
// templates only place it.

// barItem is one bar of a horizontal bar chart.
type barItem struct {
	Label string
	Value int
	Class string // the bar's colour (app.css)
	Link  string // the tickets behind the bar
	Y     int    // top of the bar
	W     int    // the bar's width
	TextY int    // baseline of the row's texts
	ValX  int    // where the value is written
}

// barChart is a horizontal bar chart: a row per item, label left, bar,
// value at the end of the bar.
type barChart struct {
	Title  string // in English: the chart's element id is made of it
	Key    string // the title's catalog key
	Items  []barItem
	Width  int
	Height int
	BarX   int // where bars start
}

const (
	chartWidth = 640 // the flow chart, the page's width
	barWidth   = 460 // a bar chart, half the page's width
	barLabelW  = 150
	barRow     = 30
)

func newBarChart(title string, items []barItem) barChart {
	c := barChart{Title: title, Width: barWidth, BarX: barLabelW, Height: max(1, len(items))*barRow + 10}
	top := 1
	for _, it := range items {
		top = max(top, it.Value)
	}
	span := barWidth - barLabelW - 50 // room for the value after the bar
	for i := range items {
		items[i].Y = 8 + i*barRow
		items[i].W = int(math.Round(float64(items[i].Value) / float64(top) * float64(span)))
		if items[i].Value > 0 {
			items[i].W = max(items[i].W, 2)
		}
		items[i].TextY = items[i].Y + 15
		items[i].ValX = barLabelW + items[i].W + 6
	}
	c.Items = items
	return c
}

// flowDay is one day of the flow chart: two bars, created and resolved.
type flowDay struct {
	Day               time.Time
	Created, Resolved int
	X                 int    // left of the day's slot
	CX, RX            int    // left of the created and resolved bars
	LX                int    // centre of the slot, for the label
	CY, CH            int    // created bar: top and height
	RY, RH            int    // resolved bar
	Label             string // shown under every fifth day
	// Name ("7 Dec"), Long ("Mon 7 Dec") and Title (the bar's tooltip)
	// are in the reader's language (localize): written here once a day
	// rather than by a dozen template calls.
	Name, Long, Title string
}

// flowChart is the tickets created and resolved per day.
type flowChart struct {
	Days          []flowDay
	Width, Height int
	Left, Bottom  int // the plot's left edge and baseline
	Slot, Bar     int
	Max           int // the top of the scale
	MidY          int // where the half-scale line is
	Mid           int
}

// localize writes the days' names in l's language.
func (c *flowChart) localize(l *i18n.Localizer) {
	for i := range c.Days {
		d := &c.Days[i]
		month := l.T(fmt.Sprintf("month.%d", d.Day.Month()))
		d.Name = l.T("admin.dash.day", "day", d.Day.Day(), "month", month)
		d.Long = l.T("admin.dash.weekday_day", "weekday", l.T(fmt.Sprintf("admin.dash.weekday.%d", d.Day.Weekday())),
			"day", d.Day.Day(), "month", month)
		d.Title = l.T("admin.dash.flow_day", "day", d.Name, "created", d.Created, "resolved", d.Resolved)
	}
}

func newFlowChart(days []domain.DayCount) flowChart {
	c := flowChart{Width: chartWidth, Height: 240, Left: 40, Bottom: 200}
	c.Slot = (c.Width - c.Left - 10) / max(1, len(days))
	c.Bar = max(2, (c.Slot-4)/2)
	top := 1
	for _, d := range days {
		top = max(top, d.Created, d.Resolved)
	}
	if top%2 == 1 && top > 1 {
		top++ // an even top gives a whole half-scale
	}
	c.Max, c.Mid = top, top/2
	plot := c.Bottom - 20
	c.MidY = c.Bottom - plot*c.Mid/top
	scale := func(v int) int { return int(math.Round(float64(v) / float64(top) * float64(plot))) }
	for i, d := range days {
		fd := flowDay{Day: d.Day, Created: d.Created, Resolved: d.Resolved, X: c.Left + i*c.Slot}
		fd.CH, fd.RH = scale(d.Created), scale(d.Resolved)
		fd.CY, fd.RY = c.Bottom-fd.CH, c.Bottom-fd.RH
		fd.CX, fd.RX, fd.LX = fd.X+1, fd.X+1+c.Bar, fd.X+c.Slot/2
		if (len(days)-1-i)%5 == 0 {
			fd.Label = d.Day.Format("2 Jan")
		}
		c.Days = append(c.Days, fd)
	}
	return c
}

// svg writes the chart as the page shows it, titled title. Every text in
// it is escaped as html/template would escape it (htmlText).
func (c *flowChart) svg(title string) template.HTML {
	var b strings.Builder
	b.Grow(256 + 400*len(c.Days))
	num := func(n int) { b.WriteString(strconv.Itoa(n)) }
	attr := func(name string, v int) {
		b.WriteString(` ` + name + `="`)
		num(v)
		b.WriteByte('"')
	}
	line := func(x1, y1, x2, y2 int, class string) {
		b.WriteString(`<line`)
		attr("x1", x1)
		attr("y1", y1)
		attr("x2", x2)
		attr("y2", y2)
		b.WriteString(` class="` + class + `"></line>`)
	}
	tick := func(y int, label string) {
		b.WriteString(`<text`)
		attr("x", c.Left-6)
		attr("y", y)
		b.WriteString(` text-anchor="end" class="chart-tick">` + label + `</text>`)
	}
	rect := func(x, y, h int, class string) {
		b.WriteString(`<rect`)
		attr("x", x)
		attr("y", y)
		attr("width", c.Bar)
		attr("height", h)
		b.WriteString(` class="` + class + `"></rect>`)
	}
	b.WriteString(`<figure class="chart"><svg viewBox="0 0 `)
	num(c.Width)
	b.WriteByte(' ')
	num(c.Height)
	b.WriteString(`" width="100%" role="img" aria-labelledby="flow-title" class="chart-svg"><title id="flow-title">`)
	b.WriteString(htmlText.Replace(title))
	b.WriteString(`</title>`)
	line(c.Left, c.Bottom, c.Width, c.Bottom, "chart-axis")
	line(c.Left, c.MidY, c.Width, c.MidY, "chart-grid")
	tick(c.Bottom, "0")
	tick(c.MidY, strconv.Itoa(c.Mid))
	line(c.Left, c.Bottom-180, c.Width, c.Bottom-180, "chart-grid")
	tick(c.Bottom-176, strconv.Itoa(c.Max))
	for _, d := range c.Days {
		b.WriteString("\n<g><title>" + htmlText.Replace(d.Title) + "</title>")
		rect(d.CX, d.CY, d.CH, "fill-created")
		rect(d.RX, d.RY, d.RH, "fill-resolved")
		if d.Label != "" {
			b.WriteString(`<text`)
			attr("x", d.LX)
			attr("y", c.Bottom+18)
			b.WriteString(` text-anchor="middle" class="chart-tick">` + htmlText.Replace(d.Name) + `</text>`)
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg></figure>`)
	return template.HTML(b.String())
}

// rows writes the chart's table rows: each day's long name and figures.
func (c *flowChart) rows() template.HTML {
	var b strings.Builder
	b.Grow(100 * len(c.Days))
	for _, d := range c.Days {
		b.WriteString(`<tr><td>` + htmlText.Replace(d.Long) + `</td><td class="text-end">` + strconv.Itoa(d.Created) +
			`</td><td class="text-end">` + strconv.Itoa(d.Resolved) + `</td></tr>`)
	}
	return template.HTML(b.String())
}
