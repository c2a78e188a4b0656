package adminui

import (
	"net/http"
	"strconv"
	"strings"

	"ticketgate/domain"
)

// The admin's webhooks (issue 19): a list, and an editor per webhook (:id
// or "new") with its latest deliveries, a redeliver button on each, and
// its delete button. A new secret is shown once, on the page that answers
// the save; afterwards only its first characters.

type webhooksPage struct {
	Layout
	Webhooks []domain.Webhook
}

// adminWebhooks lists the webhooks.
func (h *Handler) adminWebhooks(w http.ResponseWriter, r *http.Request) {
	ws, err := h.desk.AdminWebhooks(r.Context(), adminActor(r))
	if !h.adminDone(w, r, err) {
		return
	}
	h.render(w, r, http.StatusOK, "admin_webhooks", webhooksPage{Layout: h.layout(r, "Webhooks", "admin-webhooks"), Webhooks: ws})
}

// webhookForm is the webhook editor. Secret "" keeps the stored one (or
// makes one for a new webhook).
type webhookForm struct {
	URL     string
	Secret  string
	Kinds   map[string]bool
	Enabled bool
}

func newWebhookForm(r *http.Request) webhookForm {
	f := webhookForm{URL: strings.TrimSpace(r.PostFormValue("url")), Secret: strings.TrimSpace(r.PostFormValue("secret")),
		Kinds: map[string]bool{}, Enabled: r.PostFormValue("enabled") == "1"}
	n := 0
	for _, k := range r.PostForm["kind"] {
		if n++; n > len(domain.WebhookKinds)*2 { // bounded: more than twice every kind is not a form of ours
			break
		}
		f.Kinds[k] = true
	}
	return f
}

// webhook is the form as a domain webhook; the rules are Validate's.
func (f webhookForm) webhook(id int64) domain.Webhook {
	w := domain.Webhook{ID: id, URL: f.URL, Secret: f.Secret, Enabled: f.Enabled}
	for k := range f.Kinds {
		w.Kinds = append(w.Kinds, domain.EventKind(k))
	}
	return w
}

func webhookFormOf(w *domain.Webhook) webhookForm {
	f := webhookForm{URL: w.URL, Kinds: map[string]bool{}, Enabled: w.Enabled}
	for _, k := range w.Kinds {
		f.Kinds[string(k)] = true
	}
	return f
}

type webhookPage struct {
	Layout
	New        bool
	ID         int64
	Form       webhookForm
	Errors     domain.FieldErrors
	AllKinds   []domain.EventKind
	Webhook    *domain.Webhook
	Deliveries []domain.WebhookDelivery
	// NewSecret is the secret just made or given, shown on this page only.
	NewSecret string
	// SecretHint is the stored secret's first characters.
	SecretHint string
}

// adminWebhook shows the editor of webhook :id with its deliveries, or an
// empty one.
func (h *Handler) adminWebhook(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	switch {
	case !ok:
		h.notFound(w, r)
	case isNew:
		h.showWebhook(w, r, http.StatusOK, webhookPage{New: true, Form: webhookForm{Enabled: true, Kinds: map[string]bool{}}})
	default:
		wh, ds, err := h.desk.AdminWebhook(r.Context(), adminActor(r), id)
		if !h.adminDone(w, r, err) {
			return
		}
		h.showWebhook(w, r, http.StatusOK, webhookPage{ID: id, Form: webhookFormOf(wh), Webhook: wh, Deliveries: ds})
	}
}

func (h *Handler) showWebhook(w http.ResponseWriter, r *http.Request, status int, data webhookPage) {
	data.AllKinds = domain.WebhookKinds
	title := "New webhook"
	if !data.New {
		title = "Webhook " + data.Form.URL
	}
	if data.Webhook != nil && len(data.Webhook.Secret) > 12 {
		data.SecretHint = data.Webhook.Secret[:12] + "…"
	}
	data.Layout = h.layout(r, title, "admin-webhooks")
	if status != http.StatusOK {
		data.Layout.Notice = ""
	}
	h.render(w, r, status, "admin_webhook", data)
}

// adminWebhookSave creates or updates a webhook; what is wrong comes back
// on the form. A new secret is shown on the page that answers, once.
func (h *Handler) adminWebhookSave(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	f := newWebhookForm(r)
	data := webhookPage{New: isNew, ID: id, Form: f}
	if !isNew {
		wh, ds, err := h.desk.AdminWebhook(r.Context(), adminActor(r), id)
		if !h.adminDone(w, r, err) { // deleted meanwhile, or never there: a 404
			return
		}
		data.Webhook, data.Deliveries = wh, ds
	}
	saved, err := h.desk.SaveWebhook(r.Context(), adminActor(r), f.webhook(id))
	if fe, ok := asFieldErrors(err); ok {
		data.Errors = fe
		data.Form.Secret = ""
		h.showWebhook(w, r, http.StatusUnprocessableEntity, data)
		return
	}
	if !h.adminDone(w, r, err) {
		return
	}
	if isNew || f.Secret != "" {
		// The one page that shows the secret: not a redirect, whose
		// target anyone with the URL could load again.
		_, ds, err := h.desk.AdminWebhook(r.Context(), adminActor(r), saved.ID)
		if !h.adminDone(w, r, err) {
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		data = webhookPage{ID: saved.ID, Form: webhookFormOf(saved), Webhook: saved, Deliveries: ds, NewSecret: saved.Secret}
		h.showWebhook(w, r, http.StatusOK, data)
		return
	}
	http.Redirect(w, r, "/admin/webhooks/"+strconv.FormatInt(saved.ID, 10)+"?ok=webhooksaved", http.StatusSeeOther)
}

// adminWebhookDelete deletes a webhook and its deliveries.
func (h *Handler) adminWebhookDelete(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	if !ok || isNew {
		h.notFound(w, r)
		return
	}
	if !h.adminDone(w, r, h.desk.DeleteWebhook(r.Context(), adminActor(r), id)) {
		return
	}
	http.Redirect(w, r, "/admin/webhooks?ok=webhookdeleted", http.StatusSeeOther)
}

// adminWebhookRedeliver queues one delivery again.
func (h *Handler) adminWebhookRedeliver(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	did, err := strconv.ParseInt(pathValue(r, "delivery"), 10, 64)
	if !ok || isNew || err != nil || did <= 0 {
		h.notFound(w, r)
		return
	}
	if !h.adminDone(w, r, h.desk.RedeliverWebhook(r.Context(), adminActor(r), id, did)) {
		return
	}
	http.Redirect(w, r, "/admin/webhooks/"+strconv.FormatInt(id, 10)+"?ok=redelivered", http.StatusSeeOther)
}
