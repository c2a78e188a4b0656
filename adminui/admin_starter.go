package adminui

import (
	"errors"
	"net/http"

	"ticketgate/domain"
)

// adminStarter applies the starter set (the button of the dashboard
// without categories) and goes to the categories; on a helpdesk with
// categories of its own the dashboard comes back saying why nothing was
// done.
func (h *Handler) adminStarter(w http.ResponseWriter, r *http.Request) {
	_, err := h.desk.AdminApplyStarter(r.Context(), adminActor(r))
	var se *domain.StarterError
	switch {
	case errors.As(err, &se):
		h.showDashboard(w, r, http.StatusConflict, "The starter set was not applied: "+se.Error()+".")
		return
	case errors.Is(err, domain.ErrConflict): // a starter category's name is taken
		h.showDashboard(w, r, http.StatusConflict, "The starter set was not applied: another category has the name of a starter category. Rename it and try again.")
		return
	case !h.adminDone(w, r, err):
		return
	}
	http.Redirect(w, r, "/admin/categories?ok=starter", http.StatusSeeOther)
}
