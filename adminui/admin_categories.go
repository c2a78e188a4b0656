package adminui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"ticketgate/domain"
)

type categoriesPage struct {
	Layout
	Categories []domain.CategoryInfo
}

// adminCategories lists the categories with their tickets and members.
func (h *Handler) adminCategories(w http.ResponseWriter, r *http.Request) {
	cs, err := h.desk.AdminCategories(r.Context(), adminActor(r))
	if !h.adminDone(w, r, err) {
		return
	}
	h.render(w, r, http.StatusOK, "admin_categories", categoriesPage{Layout: h.layout(r, "Categories", "admin-categories"), Categories: cs})
}

// levelForm is one approval level as the form has it: the approvers are
// the textarea's text, one address per line (commas work too).
type levelForm struct {
	Rule      string
	Approvers string
	N         int  // 1-based, for the page
	Last      bool // the last level, for the page
}

// categoryForm is the category editor. Its levels are edited on the
// server: the buttons post the whole form with an action (add-level,
// remove:N, up:N, down:N), and the page comes back with the change and
// nothing saved, so it works without JavaScript. "save" saves.
type categoryForm struct {
	Name        string
	Description string
	Keywords    string
	Levels      []levelForm
	Action      string
	// Questions is the textarea of the assistant's questions, one a line
	// (domain.ParseQuestions); questions and questionsErr what it says.
	Questions    string
	questions    []domain.Question
	questionsErr error
}

// maxFormLevels bounds how many levels a posted form may carry.
const maxFormLevels = 50

func newCategoryForm(r *http.Request) categoryForm {
	f := categoryForm{Name: strings.TrimSpace(r.PostFormValue("name")), Description: strings.TrimSpace(r.PostFormValue("description")),
		Keywords: strings.TrimSpace(r.PostFormValue("keywords")), Action: r.PostFormValue("action")}
	n, _ := strconv.Atoi(r.PostFormValue("levels"))
	for i := range min(max(n, 0), maxFormLevels) {
		f.Levels = append(f.Levels, levelForm{Rule: r.PostFormValue("rule." + strconv.Itoa(i)),
			Approvers: strings.TrimSpace(r.PostFormValue("approvers." + strconv.Itoa(i)))})
	}
	if f.Action == "" {
		f.Action = "save" // Enter in a text field
	}
	f.Questions = strings.TrimSpace(r.PostFormValue("questions"))
	f.questions, f.questionsErr = domain.ParseQuestions(f.Questions)
	return f
}

// Validate checks the action; the category's rules are the domain's.
func (f *categoryForm) Validate() error {
	if f.Action == "save" || f.Action == "add-level" {
		return nil
	}
	verb, _, ok := f.levelAction()
	if !ok || (verb != "remove" && verb != "up" && verb != "down") {
		return errors.New("unknown action " + strconv.Quote(f.Action))
	}
	return nil
}

// levelAction splits an action like "up:2".
func (f *categoryForm) levelAction() (string, int, bool) {
	verb, num, ok := strings.Cut(f.Action, ":")
	n, err := strconv.Atoi(num)
	return verb, n, ok && err == nil && n >= 0 && n < len(f.Levels)
}

// editLevels applies a level action to the form; it reports whether the
// action was one (and not "save").
func (f *categoryForm) editLevels() bool {
	if f.Action == "add-level" {
		f.Levels = append(f.Levels, levelForm{Rule: string(domain.RuleAll)})
		return true
	}
	verb, n, ok := f.levelAction()
	if !ok {
		return false
	}
	switch verb {
	case "remove":
		f.Levels = append(f.Levels[:n], f.Levels[n+1:]...)
	case "up":
		if n > 0 {
			f.Levels[n-1], f.Levels[n] = f.Levels[n], f.Levels[n-1]
		}
	case "down":
		if n < len(f.Levels)-1 {
			f.Levels[n], f.Levels[n+1] = f.Levels[n+1], f.Levels[n]
		}
	}
	return true
}

// splitList splits a textarea's text at line ends, commas and semicolons.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ';' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// category is the form as a domain category.
func (f *categoryForm) category(id int64) domain.Category {
	c := domain.Category{ID: id, Name: f.Name, Description: f.Description, Keywords: splitList(f.Keywords), Questions: f.questions}
	for _, l := range f.Levels {
		c.ApprovalLevels = append(c.ApprovalLevels, domain.ApprovalLevel{Rule: domain.Rule(l.Rule), Approvers: splitList(l.Approvers)})
	}
	return c
}

// formOf is the form showing category c.
func formOf(c *domain.Category) categoryForm {
	f := categoryForm{Name: c.Name, Description: c.Description, Keywords: strings.Join(c.Keywords, ", "),
		Questions: domain.FormatQuestions(c.Questions)}
	for _, l := range c.ApprovalLevels {
		f.Levels = append(f.Levels, levelForm{Rule: string(l.Rule), Approvers: strings.Join(l.Approvers, "\n")})
	}
	return f
}

type categoryPage struct {
	Layout
	New    bool
	ID     int64
	Info   *domain.CategoryInfo // nil when new
	Others []domain.CategoryInfo
	Form   categoryForm
	Errors domain.FieldErrors
	// InUse is set when a delete was refused because tickets use the
	// category: the page then offers the merge.
	InUse string
	// posted: Form is what the user sent, not the stored category.
	posted bool
	// SLA is the service-level form (admin_category_sla.go), Calendars
	// its choices; slaPosted: SLA is what the user sent.
	SLA       slaForm
	Calendars []domain.Calendar
	slaPosted bool
}

// adminCategory shows the editor of category :id, or an empty one.
func (h *Handler) adminCategory(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	switch {
	case !ok:
		h.notFound(w, r)
	case isNew:
		h.showCategory(w, r, http.StatusOK, categoryPage{New: true, Form: categoryForm{}})
	default:
		h.showCategory(w, r, http.StatusOK, categoryPage{ID: id})
	}
}

// showCategory renders the editor; data carries the form when it comes
// back (else the stored category is shown).
func (h *Handler) showCategory(w http.ResponseWriter, r *http.Request, status int, data categoryPage) {
	all, err := h.desk.AdminCategories(r.Context(), adminActor(r))
	if !h.adminDone(w, r, err) {
		return
	}
	for i := range all {
		if all[i].ID == data.ID && !data.New {
			data.Info = &all[i]
		} else {
			data.Others = append(data.Others, all[i])
		}
	}
	title := "New category"
	if !data.New {
		if data.Info == nil {
			h.notFound(w, r)
			return
		}
		if !data.posted {
			data.Form = formOf(&data.Info.Category)
		}
		if !data.slaPosted {
			data.SLA = slaFormOf(&data.Info.Category)
		}
		if data.Calendars, err = h.desk.AdminCalendars(r.Context(), adminActor(r)); !h.adminDone(w, r, err) {
			return
		}
		title = "Category " + data.Info.Name
	}
	for i := range data.Form.Levels {
		data.Form.Levels[i].N, data.Form.Levels[i].Last = i+1, i == len(data.Form.Levels)-1
	}
	data.Layout = h.layout(r, title, "admin-categories")
	h.render(w, r, status, "admin_category", data)
}

// adminCategorySave applies a level action (and shows the form again), or
// saves the category.
func (h *Handler) adminCategorySave(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	f := newCategoryForm(r)
	data := categoryPage{New: isNew, ID: id}
	if err := f.Validate(); err != nil {
		h.showError(w, r, http.StatusBadRequest, "Bad request", "The form could not be read. Go back and try again.")
		return
	}
	if f.editLevels() {
		data.Form, data.posted = f, true
		h.showCategory(w, r, http.StatusOK, data)
		return
	}
	if f.questionsErr != nil {
		data.Form, data.Errors, data.posted = f, domain.FieldErrors{"questions": adminMessage(f.questionsErr)}, true
		h.showCategory(w, r, http.StatusUnprocessableEntity, data)
		return
	}
	c, err := h.desk.SaveCategory(r.Context(), adminActor(r), f.category(id))
	if fe, ok := asFieldErrors(err); ok {
		data.Form, data.Errors, data.posted = f, fe, true
		h.showCategory(w, r, http.StatusUnprocessableEntity, data)
		return
	}
	if !h.adminDone(w, r, err) {
		return
	}
	http.Redirect(w, r, "/admin/categories/"+strconv.FormatInt(c.ID, 10)+"?ok=catsaved", http.StatusSeeOther)
}

// adminCategoryDelete deletes a category no ticket uses; otherwise the
// editor comes back saying so, with the merge form.
func (h *Handler) adminCategoryDelete(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	if !ok || isNew {
		h.notFound(w, r)
		return
	}
	err := h.desk.DeleteCategory(r.Context(), adminActor(r), id)
	var inUse *domain.CategoryInUseError
	if errors.As(err, &inUse) {
		msg := "This category cannot be deleted: " + strconv.Itoa(inUse.Tickets) + " tickets use it. Merge it into another category instead."
		if inUse.Tickets == 1 {
			msg = "This category cannot be deleted: a ticket uses it. Merge it into another category instead."
		}
		h.showCategory(w, r, http.StatusConflict, categoryPage{ID: id, InUse: msg})
		return
	}
	if !h.adminDone(w, r, err) {
		return
	}
	http.Redirect(w, r, "/admin/categories?ok=catdeleted", http.StatusSeeOther)
}

// adminCategoryMerge moves the category's tickets into another and
// deletes it.
func (h *Handler) adminCategoryMerge(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	if !ok || isNew {
		h.notFound(w, r)
		return
	}
	into, err := strconv.ParseInt(r.PostFormValue("into"), 10, 64)
	if err != nil {
		h.showCategory(w, r, http.StatusUnprocessableEntity, categoryPage{ID: id,
			Errors: domain.FieldErrors{"into": "Choose the category to merge into."}})
		return
	}
	_, err = h.desk.MergeCategory(r.Context(), adminActor(r), id, into)
	if fe, ok := asFieldErrors(err); ok {
		h.showCategory(w, r, http.StatusUnprocessableEntity, categoryPage{ID: id, Errors: fe})
		return
	}
	if !h.adminDone(w, r, err) {
		return
	}
	http.Redirect(w, r, "/admin/categories/"+strconv.FormatInt(into, 10)+"?ok=catmerged", http.StatusSeeOther)
}
