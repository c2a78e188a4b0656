package adminui

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"ticketgate/domain"
)

// The service level of a category on its admin page (issue 18): its
// calendar, its targets in business hours (and per priority), its at-risk
// share, its escalation contacts and whether the assignment mail is the
// first response. The setup file sets the same (docs/sla.md).

// slaTargetsForm is one pair of targets as typed, in business hours.
type slaTargetsForm struct {
	Priority      string // "" for the category's own targets
	FirstResponse string
	Resolution    string
}

// slaForm is the service-level form.
type slaForm struct {
	Calendar      string // a calendar id, "" the default
	Targets       slaTargetsForm
	Priorities    []slaTargetsForm // one per domain.Priorities
	AtRiskPercent string
	Contacts      string
	ByAssignment  bool
}

// hoursOf writes minutes as business hours ("" for none).
func hoursOf(m int) string {
	if m == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(m)/60, 'f', -1, 64)
}

// slaFormOf is the form showing category c's service level.
func slaFormOf(c *domain.Category) slaForm {
	var f slaForm
	if c.CalendarID != nil {
		f.Calendar = strconv.FormatInt(*c.CalendarID, 10)
	}
	p := c.SLA
	if p == nil {
		p = &domain.SLAPolicy{}
	}
	f.Targets = slaTargetsForm{FirstResponse: hoursOf(p.FirstResponseMinutes), Resolution: hoursOf(p.ResolutionMinutes)}
	for _, pr := range domain.Priorities {
		t, ok := p.Priorities[pr]
		tf := slaTargetsForm{Priority: string(pr)}
		if ok {
			tf.FirstResponse, tf.Resolution = hoursOf(t.FirstResponseMinutes), hoursOf(t.ResolutionMinutes)
		}
		f.Priorities = append(f.Priorities, tf)
	}
	if p.AtRiskPercent > 0 {
		f.AtRiskPercent = strconv.Itoa(p.AtRiskPercent)
	}
	f.Contacts = strings.Join(p.EscalationContacts, "\n")
	f.ByAssignment = p.FirstResponseByAssignment
	return f
}

// maxSLAField bounds a number field of the form before it is read.
const maxSLAField = 20

// parseHours reads business hours ("" none) as minutes, rounded; a value
// that is no number, negative or past a year is a message.
func parseHours(s string) (int, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ""
	}
	h, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64)
	if len(s) > maxSLAField || err != nil || math.IsNaN(h) || math.IsInf(h, 0) || h < 0 || h*60 > domain.MaxSLAMinutes {
		return 0, "Business hours from 0 to " + strconv.Itoa(domain.MaxSLAMinutes/60) + ", like 4 or 0.5; empty for none."
	}
	return int(math.Round(h * 60)), ""
}

// newSLAForm reads the posted form; errs has a message per bad field.
func newSLAForm(r *http.Request) (slaForm, *int64, *domain.SLAPolicy, domain.FieldErrors) {
	f := slaForm{Calendar: strings.TrimSpace(r.PostFormValue("sla_calendar")), AtRiskPercent: strings.TrimSpace(r.PostFormValue("sla_at_risk_percent")),
		Contacts: strings.TrimSpace(r.PostFormValue("sla_contacts")), ByAssignment: r.PostFormValue("sla_by_assignment") != ""}
	errs := domain.FieldErrors{}
	p := &domain.SLAPolicy{FirstResponseByAssignment: f.ByAssignment}
	var calID *int64
	if f.Calendar != "" {
		id, err := strconv.ParseInt(f.Calendar, 10, 64)
		if err != nil || id <= 0 {
			errs["sla_calendar"] = "Choose a calendar of the list."
		} else {
			calID = &id
		}
	}
	targets := func(tf *slaTargetsForm, prefix string) domain.SLATargets {
		var t domain.SLATargets
		var msg string
		tf.FirstResponse = strings.TrimSpace(r.PostFormValue(prefix + "first_response" + suffixOf(tf.Priority)))
		tf.Resolution = strings.TrimSpace(r.PostFormValue(prefix + "resolution" + suffixOf(tf.Priority)))
		if t.FirstResponseMinutes, msg = parseHours(tf.FirstResponse); msg != "" {
			errs[prefix+"first_response"+suffixOf(tf.Priority)] = msg
		}
		if t.ResolutionMinutes, msg = parseHours(tf.Resolution); msg != "" {
			errs[prefix+"resolution"+suffixOf(tf.Priority)] = msg
		}
		return t
	}
	p.SLATargets = targets(&f.Targets, "sla_")
	for _, pr := range domain.Priorities {
		tf := slaTargetsForm{Priority: string(pr)}
		t := targets(&tf, "sla_")
		if tf.FirstResponse != "" || tf.Resolution != "" {
			if p.Priorities == nil {
				p.Priorities = map[domain.Priority]domain.SLATargets{}
			}
			p.Priorities[pr] = t
		}
		f.Priorities = append(f.Priorities, tf)
	}
	if f.AtRiskPercent != "" {
		n, err := strconv.Atoi(f.AtRiskPercent)
		if len(f.AtRiskPercent) > maxSLAField || err != nil || n < 1 || n > 99 {
			errs["sla_at_risk_percent"] = "A percentage from 1 to 99; empty for " + strconv.Itoa(domain.DefaultAtRiskPercent) + "."
		} else {
			p.AtRiskPercent = n
		}
	}
	p.EscalationContacts = splitList(f.Contacts)
	if len(p.EscalationContacts) > domain.MaxEscalationContacts {
		errs["sla_contacts"] = "At most " + strconv.Itoa(domain.MaxEscalationContacts) + " addresses."
	} else {
		for _, a := range p.EscalationContacts {
			if _, err := domain.NormalizeEmail(a); err != nil {
				errs["sla_contacts"] = "Not an email address: " + a
				break
			}
		}
	}
	return f, calID, p, errs
}

// suffixOf is the field name suffix of a priority's targets.
func suffixOf(priority string) string {
	if priority == "" {
		return ""
	}
	return "." + priority
}

// adminCategorySLA saves the service level of category :id.
func (h *Handler) adminCategorySLA(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	if !ok || isNew {
		h.notFound(w, r)
		return
	}
	f, calID, p, errs := newSLAForm(r)
	data := categoryPage{ID: id, SLA: f, slaPosted: true}
	if len(errs) > 0 {
		data.Errors = errs
		h.showCategory(w, r, http.StatusUnprocessableEntity, data)
		return
	}
	err := h.desk.SetCategoryServiceLevel(r.Context(), adminActor(r), id, calID, p)
	if errors.Is(err, domain.ErrInvalid) {
		data.Errors = domain.FieldErrors{"sla": adminMessage(err)}
		if fe, ok := asFieldErrors(err); ok && fe["calendar"] != "" {
			data.Errors = domain.FieldErrors{"sla_calendar": fe["calendar"]}
		}
		h.showCategory(w, r, http.StatusUnprocessableEntity, data)
		return
	}
	if !h.adminDone(w, r, err) {
		return
	}
	http.Redirect(w, r, "/admin/categories/"+strconv.FormatInt(id, 10)+"?ok=slasaved#service-level", http.StatusSeeOther)
}
