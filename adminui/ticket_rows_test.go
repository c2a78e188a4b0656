package adminui

import (
	"bytes"
	"html/template"
	"maps"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/i18n"
)

// oldTicketRows is the "ticketrows" partial as a template, before its rows
// were written in Go: TestTicketRowsAsTemplate holds ticketRows.html to it.
const oldTicketRows = `{{define "status"}}<span class="badge status status-{{.}}">{{statusLabel .}}</span>{{end}}` +
	`{{define "sla-due"}}{{if .SLA.State}}{{with .SLA.ResolutionDueAt}}<time datetime="{{iso .}}">{{when .}}</time>{{else}}—{{end}} <span class="badge sla-{{.SLA.State}} {{slaClass .SLA.State}}">{{slaLabel .SLA.State}}</span>{{else}}—{{end}}{{end}}` +
	`{{define "ticketrows"}}{{$t := .}}{{range .Tickets}}
  <tr>
    <td class="text-nowrap"><a href="{{$t.Link}}{{.Ref}}">{{.Ref}}</a></td>
    <td>{{.Subject}}</td>
    <td>{{template "status" .Status}}</td>
    <td>{{or .Category "—"}}</td>
    {{if $t.Requester}}<td>{{.Requester}}</td>{{end}}
    {{if $t.Assignee}}<td>{{or .Assignee "—"}}</td>{{end}}
    {{if $t.Due}}<td class="text-nowrap">{{template "sla-due" .}}</td>{{end}}
    <td><time datetime="{{iso .UpdatedAt}}">{{when .UpdatedAt}}</time></td>
  </tr>{{end}}{{end}}`

// TestTicketRowsAsTemplate: the rows written in Go are byte for byte what
// the template wrote, for every column choice, in every language, with
// texts that need escaping, missing values and every SLA state.
func TestTicketRowsAsTemplate(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)
	due := at.Add(26 * time.Hour)
	tickets := []domain.Ticket{
		{ID: 1, Subject: `C++ <compiler> & "linker" 'fails'` + "\x00", Status: domain.StatusAssigned, Category: "Dev & Ops",
			Requester: "ann+it@company.test", Assignee: "carl@company.test", UpdatedAt: at,
			SLA: domain.SLAClock{State: domain.SLAAtRisk, ResolutionDueAt: &due}},
		{ID: 22, Subject: "Printer", Status: domain.StatusUnassigned, Requester: "bob@company.test", UpdatedAt: at.Add(-time.Hour),
			SLA: domain.SLAClock{State: domain.SLABreached}},
		{ID: 333, Subject: "", Status: domain.StatusResolved, Category: "Hardware", UpdatedAt: at.AddDate(0, -1, 0),
			SLA: domain.SLAClock{State: domain.SLAMet, ResolutionDueAt: &due}},
		{ID: 4444, Subject: "VPN", Status: domain.StatusAwaitingApproval, UpdatedAt: at, SLA: domain.SLAClock{State: domain.SLAOK, ResolutionDueAt: &due}},
	}
	funcs := template.FuncMap{"slaClass": slaClass, "iso": iso}
	for _, code := range i18n.Supported() {
		for _, loc := range []*time.Location{time.UTC, berlin} {
			l := cat.For(code, loc)
			fs := localeFuncs(l)
			maps.Copy(fs, funcs)
			tmpl := template.Must(template.New("rows").Funcs(fs).Parse(oldTicketRows))
			for _, rows := range []ticketRows{
				newTicketRows(tickets, "/admin/tickets/", true, true),
				newTicketRows(tickets, "/tickets/", false, false),
				{Tickets: tickets, Link: "/queue/", Requester: true, Due: true},
				{Link: "/tickets/"},
			} {
				var want bytes.Buffer
				if err := tmpl.ExecuteTemplate(&want, "ticketrows", rows); err != nil {
					t.Fatal(err)
				}
				if got := string(rows.html(l)); got != want.String() {
					t.Errorf("%s %s %+v:\n got %s\nwant %s", code, loc, rows, got, want.String())
				}
			}
		}
	}
}
