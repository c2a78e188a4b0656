package adminui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"ticketgate/domain"
)

// The admin's business-hours calendars (issue 18): a list, and an editor
// per calendar (:id or "new") with its delete button. The rules (time
// zone, ranges, holidays, one default) are domain.Calendar.Normalize's and
// domain.Desk.SaveCalendar's.

type calendarsPage struct {
	Layout
	Calendars []calendarRow
}

// calendarRow is a calendar in the list, its week written out.
type calendarRow struct {
	domain.Calendar
	Week []dayHours
}

// dayHours is a weekday's key, label and ranges as the form writes them.
type dayHours struct {
	Key, Label, Ranges, Error string
}

var weekdayLabels = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// weekOrder lists the weekdays from Monday.
var weekOrder = [7]int{1, 2, 3, 4, 5, 6, 0}

// adminCalendars lists the calendars by name.
func (h *Handler) adminCalendars(w http.ResponseWriter, r *http.Request) {
	cs, err := h.desk.AdminCalendars(r.Context(), adminActor(r))
	if !h.adminDone(w, r, err) {
		return
	}
	rows := make([]calendarRow, len(cs))
	for i, c := range cs {
		rows[i] = calendarRow{Calendar: c, Week: calendarFormOf(&c).Week}
	}
	h.render(w, r, http.StatusOK, "admin_calendars", calendarsPage{Layout: h.layout(r, "Business hours", "admin-calendars"), Calendars: rows})
}

// calendarForm is the calendar editor: one text field of ranges a
// weekday, the holidays one a line.
type calendarForm struct {
	Name     string
	TimeZone string
	Default  bool
	Week     []dayHours // Monday first
	Holidays string
}

func newCalendarForm(r *http.Request) calendarForm {
	f := calendarForm{Name: strings.TrimSpace(r.PostFormValue("name")), TimeZone: strings.TrimSpace(r.PostFormValue("time_zone")),
		Default: r.PostFormValue("default") == "on", Holidays: r.PostFormValue("holidays")}
	for _, d := range weekOrder {
		f.Week = append(f.Week, dayHours{Key: domain.WeekdayKeys[d], Label: weekdayLabels[d],
			Ranges: strings.TrimSpace(r.PostFormValue("hours_" + domain.WeekdayKeys[d]))})
	}
	return f
}

// calendar reads the form into a calendar; what cannot be read is a
// FieldErrors (the calendar's own rules come after, from the domain).
func (f calendarForm) calendar(id int64) (domain.Calendar, error) {
	c := domain.Calendar{ID: id, Name: f.Name, TimeZone: f.TimeZone, Default: f.Default}
	errs := domain.FieldErrors{}
	for _, d := range f.Week {
		rs, err := domain.ParseRanges(d.Ranges)
		if err != nil {
			errs["hours."+d.Key] = sentenceOf(err)
			continue
		}
		for i, k := range domain.WeekdayKeys {
			if k == d.Key {
				c.Hours[i] = rs
			}
		}
	}
	hs, err := domain.ParseHolidays(f.Holidays)
	if err != nil {
		errs["holidays"] = sentenceOf(err)
	}
	c.Holidays = hs
	if len(errs) > 0 {
		return c, errs
	}
	return c, nil
}

// sentenceOf is an ErrInvalid's reason as a sentence for a form.
func sentenceOf(err error) string {
	s := strings.TrimPrefix(err.Error(), domain.ErrInvalid.Error()+": ")
	if s == "" {
		return "This value is not valid."
	}
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// calendarFormOf is the form showing calendar c.
func calendarFormOf(c *domain.Calendar) calendarForm {
	f := calendarForm{Name: c.Name, TimeZone: c.TimeZone, Default: c.Default, Holidays: domain.FormatHolidays(c.Holidays)}
	for _, d := range weekOrder {
		ranges := ""
		if len(c.Hours[d]) > 0 {
			ranges = domain.FormatRanges(c.Hours[d])
		}
		f.Week = append(f.Week, dayHours{Key: domain.WeekdayKeys[d], Label: weekdayLabels[d], Ranges: ranges})
	}
	return f
}

type calendarPage struct {
	Layout
	New    bool
	ID     int64
	Form   calendarForm
	Errors domain.FieldErrors
}

// adminCalendar shows the editor of calendar :id, or an empty one
// (Monday to Friday, 09:00-17:00, to start from).
func (h *Handler) adminCalendar(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	switch {
	case !ok:
		h.notFound(w, r)
	case isNew:
		start := domain.Calendar{TimeZone: "UTC"}
		for d := 1; d <= 5; d++ {
			start.Hours[d] = []domain.TimeRange{{From: 9 * 60, To: 17 * 60}}
		}
		h.showCalendar(w, r, http.StatusOK, calendarPage{New: true, Form: calendarFormOf(&start)})
	default:
		c, err := h.desk.AdminCalendar(r.Context(), adminActor(r), id)
		if !h.adminDone(w, r, err) {
			return
		}
		h.showCalendar(w, r, http.StatusOK, calendarPage{ID: id, Form: calendarFormOf(c)})
	}
}

func (h *Handler) showCalendar(w http.ResponseWriter, r *http.Request, status int, data calendarPage) {
	title := "New calendar"
	if !data.New {
		title = "Calendar " + data.Form.Name
	}
	for i := range data.Form.Week {
		data.Form.Week[i].Error = data.Errors["hours."+data.Form.Week[i].Key]
	}
	data.Layout = h.layout(r, title, "admin-calendars")
	if status != http.StatusOK {
		data.Layout.Notice = ""
	}
	h.render(w, r, status, "admin_calendar", data)
}

// adminCalendarSave creates or updates a calendar; what is wrong comes
// back on the form.
func (h *Handler) adminCalendarSave(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	f := newCalendarForm(r)
	data := calendarPage{New: isNew, ID: id, Form: f}
	if !isNew {
		if _, err := h.desk.AdminCalendar(r.Context(), adminActor(r), id); !h.adminDone(w, r, err) {
			return
		}
	}
	c, err := f.calendar(id)
	if err == nil {
		var saved *domain.Calendar
		saved, err = h.desk.SaveCalendar(r.Context(), adminActor(r), c)
		if err == nil {
			http.Redirect(w, r, "/admin/calendars/"+strconv.FormatInt(saved.ID, 10)+"?ok=calendarsaved", http.StatusSeeOther)
			return
		}
	}
	if fe, ok := asFieldErrors(err); ok {
		data.Errors = fe
		h.showCalendar(w, r, http.StatusUnprocessableEntity, data)
		return
	}
	h.adminDone(w, r, err)
}

// adminCalendarDelete deletes a calendar; the default one only when it is
// the last.
func (h *Handler) adminCalendarDelete(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	if !ok || isNew {
		h.notFound(w, r)
		return
	}
	err := h.desk.DeleteCalendar(r.Context(), adminActor(r), id)
	if errors.Is(err, domain.ErrDefaultCalendar) {
		c, gerr := h.desk.AdminCalendar(r.Context(), adminActor(r), id)
		if !h.adminDone(w, r, gerr) {
			return
		}
		h.showCalendar(w, r, http.StatusConflict, calendarPage{ID: id, Form: calendarFormOf(c),
			Errors: domain.FieldErrors{"delete": "This is the default calendar: make another calendar the default before deleting it."}})
		return
	}
	if !h.adminDone(w, r, err) {
		return
	}
	http.Redirect(w, r, "/admin/calendars?ok=calendardeleted", http.StatusSeeOther)
}
