package adminui

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/mailauth"
)

// The Mailboxes page (Mail → Mailboxes): every mailbox with its login,
// default category and poller state; forms to add and change them; enable,
// disable, delete, test the connection, and connect a delegated OAuth2
// mailbox (admin_mailbox_connect.go). Only references to secrets cross
// this page, never a secret: a form takes an environment variable's name
// or a file's path.

// MailboxTester tests a mailbox's connection with its stored settings
// (ticketgate mailbox test): getting a token, the IMAP login, the SMTP
// login, each step with its result in words. It must not put a secret
// in a check.
type MailboxTester func(ctx context.Context, address string) ([]domain.MailboxCheck, error)

// testMailboxTimeout bounds "Test connection".
const testMailboxTimeout = 45 * time.Second

// mailboxPath is the page of the mailbox at address.
func mailboxPath(address string) string {
	return "/admin/mail/mailboxes/" + url.PathEscape(address)
}

// mailboxRow is one mailbox as the list shows it.
type mailboxRow struct {
	domain.MailboxListing
	Path string
	// Delegated: an OAuth2 mailbox an admin connects; Connected says
	// whether it holds a grant (the button reads Reconnect then).
	Delegated bool
	Connected bool
	Checks    []domain.MailboxCheck // the result of "Test connection"
	TestError string
}

type mailboxesPage struct {
	Layout
	Rows       []mailboxRow
	CanTest    bool
	CanConnect bool
	Error      string
}

// adminMailboxes lists the mailboxes.
func (h *Handler) adminMailboxes(w http.ResponseWriter, r *http.Request) {
	h.showMailboxes(w, r, http.StatusOK, "", nil)
}

// showMailboxes renders the list with an error message, or with the
// result of testing one mailbox.
func (h *Handler) showMailboxes(w http.ResponseWriter, r *http.Request, status int, msg string, tested *mailboxRow) {
	boxes, err := h.desk.Mailboxes(r.Context())
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	data := mailboxesPage{Layout: h.layout(r, "Mailboxes", "admin-mail"), CanTest: h.testMailbox != nil,
		CanConnect: h.mailboxOAuth != nil, Error: msg}
	if msg != "" {
		data.Layout.Notice = ""
	}
	var origins []string
	for _, b := range boxes {
		row := mailboxRow{MailboxListing: b, Path: mailboxPath(b.Address),
			Delegated: b.Auth == domain.AuthOAuth2 && b.OAuth2.Grant == domain.GrantDelegated}
		if row.Delegated && h.mailboxOAuth != nil {
			if row.Connected, err = h.mailboxOAuth.Connected(r.Context(), b.Address); err != nil {
				h.internalError(w, r, err)
				return
			}
			origins = append(origins, authorizeOrigin(b.OAuth2))
		}
		if tested != nil && tested.Address == b.Address {
			row.Checks, row.TestError = tested.Checks, tested.TestError
		}
		data.Rows = append(data.Rows, row)
	}
	allowFormsTo(w, origins)
	h.render(w, r, status, "admin_mailboxes", data)
}

// authorizeOrigin is the scheme and host of o's authorization endpoint,
// where the Connect button's form leads.
func authorizeOrigin(o domain.MailboxOAuth2) string {
	raw := o.AuthURL
	switch o.Provider {
	case domain.ProviderMicrosoft365:
		raw = mailauth.Microsoft365{Tenant: o.Tenant}.Generic().AuthURL
	case domain.ProviderGoogle:
		raw = mailauth.GoogleAuthURL
	}
	return originOf(raw)
}

// allowFormsTo widens the page's form-action to the given origins: a
// browser applies form-action to the redirects that follow a form, and
// the Connect form's answer redirects to the provider.
func allowFormsTo(w http.ResponseWriter, origins []string) {
	extra := ""
	seen := map[string]bool{}
	for _, o := range origins {
		if o != "" && !seen[o] && !strings.ContainsAny(o, " ;'") {
			seen[o] = true
			extra += " " + o
		}
	}
	if extra == "" {
		return
	}
	csp := w.Header().Get("Content-Security-Policy")
	w.Header().Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'", "form-action 'self'"+extra, 1))
}

// mailboxAddress reads the :address path value.
func mailboxAddress(r *http.Request) string { return pathValue(r, "address") }

// mailboxForm is the add and edit form: the settings as the setup file
// names them, secrets by reference.
type mailboxForm struct {
	Address, Name, IMAPURL, SMTPURL, Auth                                string
	IMAPPasswordEnv, IMAPPasswordFile, SMTPPasswordEnv, SMTPPasswordFile string
	Provider, Grant, Tenant, ClientID, ClientSecretEnv, ClientSecretFile string
	AuthURL, TokenURL, Scopes, Mechanism, CertificateFile                string
	ServiceAccountFile                                                   string
	DefaultCategory                                                      string // a category id, or ""
	Enabled                                                              bool
}

func newMailboxForm(r *http.Request) mailboxForm {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return mailboxForm{Address: v("address"), Name: v("name"), IMAPURL: v("imap_url"), SMTPURL: v("smtp_url"), Auth: v("auth"),
		IMAPPasswordEnv: v("imap_password_env"), IMAPPasswordFile: v("imap_password_file"),
		SMTPPasswordEnv: v("smtp_password_env"), SMTPPasswordFile: v("smtp_password_file"),
		Provider: v("provider"), Grant: v("grant"), Tenant: v("tenant"), ClientID: v("client_id"),
		ClientSecretEnv: v("client_secret_env"), ClientSecretFile: v("client_secret_file"),
		AuthURL: v("auth_url"), TokenURL: v("token_url"), Scopes: v("scopes"), Mechanism: v("mechanism"),
		CertificateFile: v("certificate_file"), ServiceAccountFile: v("service_account_file"),
		DefaultCategory: v("default_category"), Enabled: r.PostFormValue("enabled") == "on"}
}

// Validate checks what the domain cannot: the category choice.
func (f *mailboxForm) Validate() domain.FieldErrors {
	if f.DefaultCategory == "" {
		return nil
	}
	if id, err := strconv.ParseInt(f.DefaultCategory, 10, 64); err != nil || id <= 0 {
		return domain.FieldErrors{"default_category": "Choose a category from the list."}
	}
	return nil
}

// mailbox is the form as a domain mailbox: the settings of the login it
// names only (the fields of the other kind are kept on the page, not
// saved).
func (f *mailboxForm) mailbox() domain.Mailbox {
	m := domain.Mailbox{Address: f.Address, Name: f.Name, IMAPURL: f.IMAPURL, SMTPURL: f.SMTPURL,
		Auth: domain.MailboxAuth(f.Auth), Enabled: f.Enabled}
	if id, err := strconv.ParseInt(f.DefaultCategory, 10, 64); err == nil {
		m.DefaultCategoryID = &id
	}
	if m.Auth == domain.AuthOAuth2 {
		m.OAuth2 = domain.MailboxOAuth2{Provider: domain.OAuth2Provider(f.Provider), Grant: domain.OAuth2Grant(f.Grant),
			Tenant: f.Tenant, ClientID: f.ClientID, AuthURL: f.AuthURL, TokenURL: f.TokenURL, Scopes: strings.Fields(f.Scopes),
			Mechanism: f.Mechanism, ClientSecret: domain.SecretRef{Env: f.ClientSecretEnv, File: f.ClientSecretFile},
			CertificateFile: f.CertificateFile, ServiceAccountFile: f.ServiceAccountFile}
		return m
	}
	m.IMAPPassword = domain.SecretRef{Env: f.IMAPPasswordEnv, File: f.IMAPPasswordFile}
	m.SMTPPassword = domain.SecretRef{Env: f.SMTPPasswordEnv, File: f.SMTPPasswordFile}
	return m
}

// mailboxFormOf is the form showing m.
func mailboxFormOf(m *domain.Mailbox) mailboxForm {
	o := m.OAuth2
	f := mailboxForm{Address: m.Address, Name: m.Name, IMAPURL: m.IMAPURL, SMTPURL: m.SMTPURL, Auth: string(m.Auth),
		IMAPPasswordEnv: m.IMAPPassword.Env, IMAPPasswordFile: m.IMAPPassword.File,
		SMTPPasswordEnv: m.SMTPPassword.Env, SMTPPasswordFile: m.SMTPPassword.File,
		Provider: string(o.Provider), Grant: string(o.Grant), Tenant: o.Tenant, ClientID: o.ClientID,
		ClientSecretEnv: o.ClientSecret.Env, ClientSecretFile: o.ClientSecret.File, AuthURL: o.AuthURL, TokenURL: o.TokenURL,
		Scopes: strings.Join(o.Scopes, " "), Mechanism: o.Mechanism, CertificateFile: o.CertificateFile,
		ServiceAccountFile: o.ServiceAccountFile, Enabled: m.Enabled}
	if m.DefaultCategoryID != nil {
		f.DefaultCategory = strconv.FormatInt(*m.DefaultCategoryID, 10)
	}
	return f
}

type mailboxPage struct {
	Layout
	New        bool
	Address    string // the mailbox's, when not new
	Form       mailboxForm
	Errors     domain.FieldErrors
	Categories []domain.Category
	Callback   string // the redirect URI to register at an OAuth2 provider
}

// adminMailbox shows the form of the mailbox at :address, or an empty one
// for "new".
func (h *Handler) adminMailbox(w http.ResponseWriter, r *http.Request) {
	addr := mailboxAddress(r)
	if addr == "new" {
		h.showMailbox(w, r, http.StatusOK, mailboxPage{New: true, Form: mailboxForm{Auth: string(domain.AuthPassword), Enabled: true}})
		return
	}
	m, err := h.desk.Mailbox(r.Context(), addr)
	if h.lookupFailed(w, r, err) {
		return
	}
	h.showMailbox(w, r, http.StatusOK, mailboxPage{Address: m.Address, Form: mailboxFormOf(m)})
}

func (h *Handler) showMailbox(w http.ResponseWriter, r *http.Request, status int, data mailboxPage) {
	cats, err := h.desk.MailboxCategories(r.Context())
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	title := "New mailbox"
	if !data.New {
		title = "Mailbox " + data.Address
	}
	data.Layout, data.Categories, data.Callback = h.layout(r, title, "admin-mail"), cats, h.baseURL+MailboxCallbackPath
	h.render(w, r, status, "admin_mailbox", data)
}

// adminMailboxSave creates or changes a mailbox; what is wrong comes back
// on the form, next to its field, with what was typed.
func (h *Handler) adminMailboxSave(w http.ResponseWriter, r *http.Request) {
	addr := mailboxAddress(r)
	f := newMailboxForm(r)
	data := mailboxPage{New: addr == "new", Form: f}
	if !data.New {
		data.Address = addr
	}
	again := func(errs domain.FieldErrors) {
		data.Errors = errs
		// A password typed into a URL is not echoed back.
		data.Form.IMAPURL, data.Form.SMTPURL = withoutPassword(f.IMAPURL), withoutPassword(f.SMTPURL)
		h.showMailbox(w, r, http.StatusUnprocessableEntity, data)
	}
	if errs := f.Validate(); errs != nil {
		again(errs)
		return
	}
	var m *domain.Mailbox
	var err error
	if data.New {
		m, err = h.desk.CreateMailbox(r.Context(), adminActor(r), f.mailbox())
	} else {
		m, err = h.desk.UpdateMailbox(r.Context(), adminActor(r), addr, f.mailbox())
	}
	if fe, ok := asFieldErrors(err); ok {
		again(fe)
		return
	}
	if !h.adminDone(w, r, err) {
		return
	}
	http.Redirect(w, r, "/admin/mail/mailboxes?ok=mbsaved#"+mailboxAnchor(m.Address), http.StatusSeeOther)
}

// withoutPassword is raw less a password in its user part.
func withoutPassword(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "@") {
			return "" // unreadable, and it may hold a secret
		}
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.User(u.User.Username())
		return u.String()
	}
	return raw
}

// mailboxAnchor is the id of a mailbox's row.
func mailboxAnchor(address string) string {
	return "mailbox-" + strings.NewReplacer("@", "-at-", ".", "-").Replace(address)
}

func (h *Handler) adminMailboxEnable(w http.ResponseWriter, r *http.Request) {
	h.setMailboxEnabled(w, r, true)
}
func (h *Handler) adminMailboxDisable(w http.ResponseWriter, r *http.Request) {
	h.setMailboxEnabled(w, r, false)
}

func (h *Handler) setMailboxEnabled(w http.ResponseWriter, r *http.Request, on bool) {
	if !h.adminDone(w, r, h.desk.SetMailboxEnabled(r.Context(), adminActor(r), mailboxAddress(r), on)) {
		return
	}
	code := map[bool]string{true: "mbenabled", false: "mbdisabled"}[on]
	http.Redirect(w, r, "/admin/mail/mailboxes?ok="+code, http.StatusSeeOther)
}

type mailboxDeletePage struct {
	Layout
	Mailbox *domain.Mailbox
	Path    string
}

// adminMailboxDeletePage asks before deleting.
func (h *Handler) adminMailboxDeletePage(w http.ResponseWriter, r *http.Request) {
	m, err := h.desk.Mailbox(r.Context(), mailboxAddress(r))
	if h.lookupFailed(w, r, err) {
		return
	}
	h.render(w, r, http.StatusOK, "admin_mailbox_delete", mailboxDeletePage{Layout: h.layout(r, "Delete mailbox "+m.Address, "admin-mail"),
		Mailbox: m, Path: mailboxPath(m.Address)})
}

func (h *Handler) adminMailboxDelete(w http.ResponseWriter, r *http.Request) {
	if !h.adminDone(w, r, h.desk.DeleteMailbox(r.Context(), adminActor(r), mailboxAddress(r))) {
		return
	}
	http.Redirect(w, r, "/admin/mail/mailboxes?ok=mbdeleted", http.StatusSeeOther)
}

// adminMailboxTest tests the mailbox's connection and shows each step's
// result on its row.
func (h *Handler) adminMailboxTest(w http.ResponseWriter, r *http.Request) {
	if h.testMailbox == nil {
		h.notFound(w, r)
		return
	}
	m, err := h.desk.Mailbox(r.Context(), mailboxAddress(r))
	if h.lookupFailed(w, r, err) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), testMailboxTimeout)
	defer cancel()
	row := &mailboxRow{MailboxListing: domain.MailboxListing{Mailbox: *m}}
	row.Checks, err = h.testMailbox(ctx, m.Address)
	if err != nil {
		h.log.WarnContext(r.Context(), "mailbox test failed", "mailbox", m.Address, "request_id", requestID(r.Context()), "error", err)
		row.TestError = "The test could not run: " + err.Error()
		if errors.Is(err, context.DeadlineExceeded) {
			row.TestError = "The test took too long and was stopped; a server does not answer."
		}
	}
	h.showMailboxes(w, r, http.StatusOK, "", row)
}

// mbField is one text field of the mailbox form, for the "mbinput" and
// "mbsecret" templates (Value2: a secret's file).
type mbField struct {
	ID, Label, Value, Value2, Error, Help, Placeholder, Class string
}

// mailboxFuncs are the template functions of the Mailboxes pages.
func mailboxFuncs() template.FuncMap {
	return template.FuncMap{
		"mbfield": func(id, label, value string, errs domain.FieldErrors, help, placeholder string) mbField {
			return mbField{ID: id, Label: label, Value: value, Error: errs[id], Help: help, Placeholder: placeholder}
		},
		"mbsecret": func(id, label, env, file string, errs domain.FieldErrors, help string) mbField {
			return mbField{ID: id, Label: label, Value: env, Value2: file, Error: errs[id], Help: help}
		},
		"mailboxAnchor": mailboxAnchor,
		"mailboxStateClass": func(s domain.MailboxStatus) string {
			switch s {
			case domain.MailboxOK:
				return "text-bg-success"
			case domain.MailboxNeedsReauthorization, domain.MailboxError:
				return "text-bg-danger"
			}
			return "text-bg-secondary"
		},
	}
}
