package adminui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"ticketgate/domain"
)

func init() {
	adminLanguagePages = append(adminLanguagePages,
		adminLanguagePage{name: "approvals", mark: `id="approvals-intro"`,
			get: func(a *adminLanguage) (*http.Response, string) { return a.root.get("/admin/mail/approvals") }},
	)
	adminLanguagePages = append(adminLanguagePages, mailLanguagePages()...)
	adminLanguagePages = append(adminLanguagePages, mailboxLanguagePages()...)
}

// The data the mail pages show: the fixture's outbox (subjects are
// "[TKT-1] ticket_received"), the seeded dead mail and quarantined mail
// (admin_test.go), an inbox log entry, and the mailboxes of
// mailboxLanguage.
var mailClean = []string{"550 mailbox unavailable DEADMARK", "Printer on fire QMARK", "could not process: REASONMARK",
	"Dana <dana@company.test>", "dana@company.test", "help@company.test", "q1@company.test", "X-Odd: yes",
	"INBOXLOGMARK no ticket wanted", "Out of office INBOXSUBJ", "smtp", "bytes",
	// The test composer's subjects are "[TKT-N] kind".
	"] assigned_requester", "] assigned", "] resolved", "] ticket_received"}

// mailSeeded makes the fixture's first mail dead, turns retrying
// quarantined mail on and logs one mail that made no ticket, once per
// database.
func (a *adminLanguage) mailSeeded() {
	a.once("mail-seeded", func() string {
		seedAdmin(a.t, a.f)
		// The other two mails: one queued for its next attempt, one sent
		// with its body dropped after the retention.
		ctx := context.Background()
		ms, err := a.f.st.ListOutbox(ctx, "", 0)
		if err != nil {
			a.t.Fatal(err)
		}
		var rest []*domain.OutboxMessage
		for _, m := range ms {
			if m.Status != domain.OutboxDead {
				full, err := a.f.st.GetOutbox(ctx, m.ID)
				if err != nil {
					a.t.Fatal(err)
				}
				rest = append(rest, full)
			}
		}
		if len(rest) < 2 {
			a.t.Fatalf("outbox: %d mails besides the dead one", len(rest))
		}
		now := time.Now()
		rest[0].Status, rest[0].NextAttemptAt = domain.OutboxQueued, now.Add(time.Hour)
		rest[1].Status, rest[1].SentAt, rest[1].BodyDroppedAt = domain.OutboxSent, &now, &now
		for _, m := range rest[:2] {
			if err := a.f.st.UpdateOutbox(ctx, m); err != nil {
				a.t.Fatal(err)
			}
		}
		if err := a.f.st.DropOutboxBody(ctx, rest[1].ID, []byte("Subject: x\r\n"), now); err != nil {
			a.t.Fatal(err)
		}
		e := &domain.InboxLogEntry{At: time.Now(), Channel: "smtp", MessageID: "log1@company.test", From: "dana@company.test",
			Subject: "Out of office INBOXSUBJ", Reason: "INBOXLOGMARK no ticket wanted"}
		if err := a.f.st.AddInboxLog(ctx, e); err != nil {
			a.t.Fatal(err)
		}
		return ""
	})
}

// quarantinedID is the id of a quarantined mail, put there again if a
// page emptied the quarantine.
func (a *adminLanguage) quarantinedID() string {
	a.mailSeeded()
	ctx := context.Background()
	qs, err := a.f.st.ListQuarantine(ctx, 0)
	if err != nil {
		a.t.Fatal(err)
	}
	if len(qs) > 0 {
		return strconv.FormatInt(qs[0].ID, 10)
	}
	q := &domain.Quarantined{At: time.Now(), Channel: "smtp", MessageID: "q1@company.test", From: "dana@company.test",
		Subject: "Printer on fire QMARK", Reason: "could not process: REASONMARK", Raw: []byte(quarantineMail), Size: int64(len(quarantineMail))}
	if err := a.f.st.AddQuarantine(ctx, q); err != nil {
		a.t.Fatal(err)
	}
	return strconv.FormatInt(q.ID, 10)
}

// emptyQuarantine deletes every quarantined mail.
func (a *adminLanguage) emptyQuarantine() {
	a.mailSeeded()
	ctx := context.Background()
	qs, err := a.f.st.ListQuarantine(ctx, 0)
	if err != nil {
		a.t.Fatal(err)
	}
	for _, q := range qs {
		if err := a.f.st.DeleteQuarantine(ctx, q.ID); err != nil {
			a.t.Fatal(err)
		}
	}
}

func mailLanguagePages() []adminLanguagePage {
	get := func(path, mark string) adminLanguagePage {
		return adminLanguagePage{mark: mark, clean: mailClean, get: func(a *adminLanguage) (*http.Response, string) {
			a.mailSeeded()
			return a.root.get(path)
		}}
	}
	named := func(name string, p adminLanguagePage) adminLanguagePage { p.name = name; return p }
	pages := []adminLanguagePage{
		named("outbox", get("/admin/mail/outbox", `action="/admin/mail/dead/retry"`)),
		named("outbox-queued", get("/admin/mail/outbox?status=queued", `<option value="queued" selected>`)),
		named("outbox-sent", get("/admin/mail/outbox?status=sent", `class="body-dropped"`)),
		named("outbox-held-none", get("/admin/mail/outbox?status=held", `<option value="held" selected>`)),
		named("outbox-unknown-status", get("/admin/mail/outbox?status=bogus", `id="form-error"`)),
		named("inbox", get("/admin/mail/inbox", `id="inbox-table"`)),
		{name: "outbox-gone", mark: `id="form-error"`, clean: mailClean, get: func(a *adminLanguage) (*http.Response, string) {
			a.mailSeeded()
			a.root.get("/admin/mail/outbox")
			return a.root.post("/admin/mail/outbox/999999/retry", nil)
		}},
		{name: "quarantine-empty", mark: `href="/admin/mail/quarantine"`, clean: mailClean, get: func(a *adminLanguage) (*http.Response, string) {
			a.emptyQuarantine()
			return a.root.get("/admin/mail/quarantine")
		}},
		{name: "quarantine-gone", mark: `id="form-error"`, clean: mailClean, get: func(a *adminLanguage) (*http.Response, string) {
			a.root.get("/admin/mail/quarantine")
			return a.root.post("/admin/mail/quarantine/999999/delete", nil)
		}},
		{name: "quarantine-list", mark: `id="quarantine-table"`, clean: mailClean, get: func(a *adminLanguage) (*http.Response, string) {
			a.quarantinedID()
			return a.root.get("/admin/mail/quarantine")
		}},
		{name: "quarantined", mark: `id="headers"`, clean: mailClean, get: func(a *adminLanguage) (*http.Response, string) {
			return a.root.get("/admin/mail/quarantine/" + a.quarantinedID())
		}},
		{name: "quarantined-no-reader", mark: `id="form-error"`, clean: mailClean, get: func(a *adminLanguage) (*http.Response, string) {
			id := a.quarantinedID()
			a.root.get("/admin/mail/quarantine/" + id)
			a.f.h.parse = nil
			defer func() { a.f.h.parse = testParse }()
			return a.root.post("/admin/mail/quarantine/"+id+"/retry", nil)
		}},
		{name: "quarantined-failed-again", mark: `id="form-error"`, clean: append([]string{"PARSEMARK unreadable"}, mailClean...),
			get: func(a *adminLanguage) (*http.Response, string) {
				id := a.quarantinedID()
				a.root.get("/admin/mail/quarantine/" + id)
				a.f.h.parse = func([]byte) (*domain.Inbound, error) { return nil, errors.New("PARSEMARK unreadable") }
				defer func() { a.f.h.parse = testParse }()
				return a.root.post("/admin/mail/quarantine/"+id+"/retry", nil)
			}},
	}
	for _, code := range []string{"mailretry", "maildiscard", "deadretry"} {
		pages = append(pages, named("outbox-notice-"+code, get("/admin/mail/outbox?ok="+code, `id="notice"`)))
	}
	for _, code := range []string{"qretry", "qdelete"} {
		pages = append(pages, named("quarantine-notice-"+code, get("/admin/mail/quarantine?ok="+code, `id="notice"`)))
	}
	return pages
}

// The mailboxes of the mailbox pages: a password one, a delegated
// generic one, app-only Microsoft 365 and Google ones, and a connected
// delegated Google one.
var mailboxClean = []string{"hr@company.test", "help@company.test", "ms@company.test", "gsa@company.test", "gdel@company.test",
	"Hardware", "HRNAME", "HR_PASSWORD", "HR_SMTP", "/run/secrets/help_client", "/etc/tg/app.pem", "/etc/tg/sa.json",
	"STEPMARK1", "STEPMARK2", "DETAILMARK1", "DETAILMARK2 relay", "TESTERRMARK", "LASTERRMARK",
	"generic", "microsoft365", "google", "not an address", "not a name", "x@company.test", "imaps", "smtp", "http", "starttls", "bogus"}

// mailboxes makes the mailboxes of the mailbox pages that are missing
// and turns the Test connection and Connect hooks on.
func (a *adminLanguage) mailboxes() {
	ctx := context.Background()
	root := domain.Actor{Email: "root@company.test", Admin: true}
	a.once("mailbox-hooks", func() string {
		a.f.h.mailboxOAuth = &fakeOAuth{connected: map[string]bool{"gdel@company.test": true}}
		a.f.h.testMailbox = func(ctx context.Context, address string) ([]domain.MailboxCheck, error) {
			switch address {
			case "ms@company.test":
				return nil, fmt.Errorf("token TESTERRMARK: %w", context.DeadlineExceeded)
			case "gsa@company.test":
				return nil, errors.New("TESTERRMARK")
			}
			return []domain.MailboxCheck{{Step: "STEPMARK1", OK: true, Detail: "DETAILMARK1"},
				{Step: "STEPMARK2", OK: false, Detail: "DETAILMARK2 relay"}}, nil
		}
		return ""
	})
	hw := int64(0)
	if cats, err := a.f.desk.MailboxCategories(ctx); err == nil && len(cats) > 0 {
		hw = cats[0].ID
	}
	for _, m := range []domain.Mailbox{
		{Address: "hr@company.test", Name: "HRNAME", Enabled: true, IMAPURL: "imaps://hr@mail.company.test/INBOX",
			IMAPPassword: domain.SecretRef{Env: "HR_PASSWORD"}, SMTPPassword: domain.SecretRef{Env: "HR_SMTP"}, DefaultCategoryID: &hw},
		{Address: "help@company.test", Enabled: true, IMAPURL: "imaps://help@mail.company.test/INBOX", Auth: domain.AuthOAuth2,
			OAuth2: domain.MailboxOAuth2{Provider: domain.ProviderGeneric, Grant: domain.GrantDelegated, ClientID: "tg",
				ClientSecret: domain.SecretRef{File: "/run/secrets/help_client"},
				AuthURL:      "https://id.example.test/authorize", TokenURL: "https://id.example.test/token"}},
		{Address: "ms@company.test", Enabled: true, IMAPURL: "imaps://ms@outlook.office365.com/INBOX", Auth: domain.AuthOAuth2,
			OAuth2: domain.MailboxOAuth2{Provider: domain.ProviderMicrosoft365, Grant: domain.GrantAppOnly, ClientID: "c1",
				Tenant: "contoso.onmicrosoft.com", CertificateFile: "/etc/tg/app.pem"}},
		{Address: "gsa@company.test", IMAPURL: "imaps://gsa@imap.gmail.com/INBOX", Auth: domain.AuthOAuth2,
			OAuth2: domain.MailboxOAuth2{Provider: domain.ProviderGoogle, Grant: domain.GrantAppOnly, ServiceAccountFile: "/etc/tg/sa.json"}},
		{Address: "gdel@company.test", Enabled: true, IMAPURL: "imaps://gdel@imap.gmail.com/INBOX", Auth: domain.AuthOAuth2,
			OAuth2: domain.MailboxOAuth2{Provider: domain.ProviderGoogle, Grant: domain.GrantDelegated, ClientID: "c2",
				ClientSecret: domain.SecretRef{Env: "HR_SMTP"}}},
	} {
		if _, err := a.f.st.GetMailboxByAddress(ctx, m.Address); err == nil {
			continue
		}
		if _, err := a.f.desk.CreateMailbox(ctx, root, m); err != nil {
			a.t.Fatal(err)
		}
	}
	for addr, st := range map[string]domain.MailboxStatus{"ms@company.test": domain.MailboxOK, "gsa@company.test": domain.MailboxError} {
		m, err := a.f.st.GetMailboxByAddress(ctx, addr)
		if err != nil {
			a.t.Fatal(err)
		}
		if err := a.f.st.SetMailboxState(ctx, m.ID, st, map[bool]string{true: "LASTERRMARK"}[st == domain.MailboxError], time.Now()); err != nil {
			a.t.Fatal(err)
		}
	}
}

// setMailboxState puts the mailbox at addr in state st.
func (a *adminLanguage) setMailboxState(addr string, st domain.MailboxStatus) {
	ctx := context.Background()
	m, err := a.f.st.GetMailboxByAddress(ctx, addr)
	if err != nil {
		a.t.Fatal(err)
	}
	if err := a.f.st.SetMailboxState(ctx, m.ID, st, "", time.Now()); err != nil {
		a.t.Fatal(err)
	}
}

func mailboxLanguagePages() []adminLanguagePage {
	const list = "/admin/mail/mailboxes"
	get := func(name, path, mark string) adminLanguagePage {
		return adminLanguagePage{name: name, mark: mark, clean: mailboxClean, get: func(a *adminLanguage) (*http.Response, string) {
			a.mailboxes()
			return a.root.get(path)
		}}
	}
	// post shows the page a POST to path answers, from the page at from.
	post := func(name, from, path, mark string, form url.Values) adminLanguagePage {
		return adminLanguagePage{name: name, mark: mark, clean: mailboxClean, get: func(a *adminLanguage) (*http.Response, string) {
			a.mailboxes()
			a.root.get(from)
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			return a.root.post(path, f)
		}}
	}
	pages := []adminLanguagePage{
		{name: "mailboxes-empty", mark: `id="add-mailbox"`, clean: mailboxClean, get: func(a *adminLanguage) (*http.Response, string) {
			a.mailboxes()
			ctx := context.Background()
			boxes, err := a.f.st.ListMailboxes(ctx)
			if err != nil {
				a.t.Fatal(err)
			}
			for _, m := range boxes {
				if err := a.f.st.DeleteMailbox(ctx, m.ID); err != nil {
					a.t.Fatal(err)
				}
			}
			resp, body := a.root.get(list)
			a.mailboxes()
			return resp, body
		}},
		{name: "mailboxes-list", mark: `id="mailboxes-table"`, clean: mailboxClean, get: func(a *adminLanguage) (*http.Response, string) {
			a.mailboxes()
			// A refused grant only while the page is read: the dashboard's
			// banner is another page's.
			a.setMailboxState("help@company.test", domain.MailboxNeedsReauthorization)
			defer a.setMailboxState("help@company.test", domain.MailboxNew)
			return a.root.get(list)
		}},
		post("mailboxes-test", list, list+"/hr@company.test/test", `id="checks"`, nil),
		post("mailboxes-test-timeout", list, list+"/ms@company.test/test", `class="mailbox-checks"`, nil),
		post("mailboxes-test-error", list, list+"/gsa@company.test/test", `class="mailbox-checks"`, nil),
		post("mailboxes-connect-not-delegated", list, list+"/hr@company.test/connect", `id="form-error"`, nil),
		get("mailboxes-callback-not-started", MailboxCallbackPath+"?state=good-state&code=the-code", `id="form-error"`),
		{name: "mailboxes-callback-refused", mark: `id="form-error"`, clean: mailboxClean, get: func(a *adminLanguage) (*http.Response, string) {
			a.mailboxes()
			a.root.get(list)
			a.root.post(list+"/help@company.test/connect", nil)
			return a.root.get(MailboxCallbackPath + "?error=access_denied")
		}},
		{name: "mailboxes-callback-mismatch", mark: `id="form-error"`, clean: mailboxClean, get: func(a *adminLanguage) (*http.Response, string) {
			a.mailboxes()
			a.root.get(list)
			a.root.post(list+"/help@company.test/connect", nil)
			return a.root.get(MailboxCallbackPath + "?state=other&code=the-code")
		}},
		get("mailbox-new", list+"/new", `id="address-help"`),
		get("mailbox-edit", list+"/hr@company.test", `action="/admin/mail/mailboxes/hr@company.test"`),
		get("mailbox-edit-oauth2", list+"/help@company.test", `<option value="generic" selected>`),
		post("mailbox-edit-error", list+"/hr@company.test", list+"/hr@company.test", `id="imap_password-error"`,
			url.Values{"imap_url": {"imaps://hr@mail.company.test/INBOX"}}),
		get("mailbox-delete", list+"/hr@company.test/delete", `id="confirm-delete"`),
		get("mailbox-delete-oauth2", list+"/help@company.test/delete", `id="confirm-delete"`),
	}
	for _, code := range []string{"mbsaved", "mbenabled", "mbdisabled", "mbdeleted", "mbconnected"} {
		pages = append(pages, get("mailboxes-notice-"+code, list+"?ok="+code, `id="notice"`))
	}
	// The new mailbox form again, with each problem by its field.
	x := "x@company.test"
	oauth := func(kv ...string) url.Values {
		v := url.Values{"address": {x}, "auth": {"oauth2"}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for i, tc := range []struct {
		field string
		form  url.Values
	}{
		{"address", url.Values{"address": {""}}},
		{"address", url.Values{"address": {"not an address"}}},
		{"address", url.Values{"address": {"hr"}}},
		{"address", url.Values{"address": {"<x@company.test"}}},
		{"address", url.Values{"address": {"hr@company.test"}}},
		{"imap_password", url.Values{"address": {x}, "imap_url": {"imaps://x@mail.test/INBOX"}}},
		{"imap_url", url.Values{"address": {x}, "imap_url": {"imaps://x:hunter2@mail.test/INBOX"}, "imap_password_env": {"X"}}},
		{"imap_url", url.Values{"address": {x}, "imap_url": {"http://mail.test/INBOX"}}},
		{"imap_url", url.Values{"address": {x}, "imap_url": {"imaps:///INBOX"}}},
		{"smtp_url", url.Values{"address": {x}, "smtp_url": {"smtp://mail.test:587?tls=starttls"}}},
		{"smtp_url", url.Values{"address": {x}, "smtp_url": {"smtp://mail test:%zz"}}},
		{"smtp_password", url.Values{"address": {x}, "smtp_password_env": {"X"}, "smtp_password_file": {"/run/x"}}},
		{"smtp_password", url.Values{"address": {x}, "smtp_password_env": {"not a name"}}},
		{"auth", url.Values{"address": {x}, "auth": {"bogus"}}},
		{"default_category", url.Values{"address": {x}, "default_category": {"nine"}}},
		{"default_category", url.Values{"address": {x}, "default_category": {"99999"}}},
		{"mechanism", oauth("mechanism", "bogus")},
		{"client_secret", oauth("client_secret_env", "A", "client_secret_file", "/run/a")},
		{"grant", oauth()},
		{"grant", oauth("grant", "bogus")},
		{"provider", oauth("grant", "delegated")},
		{"provider", oauth("grant", "delegated", "provider", "bogus")},
		{"client_id", oauth("grant", "delegated", "provider", "generic")},
		{"token_url", oauth("grant", "delegated", "provider", "generic", "client_id", "c")},
		{"token_url", oauth("grant", "delegated", "provider", "generic", "client_id", "c", "token_url", "ftp://id.test/t")},
		{"auth_url", oauth("grant", "delegated", "provider", "generic", "client_id", "c", "token_url", "https://id.test/t")},
		{"client_secret", oauth("grant", "app_only", "provider", "generic", "client_id", "c", "token_url", "https://id.test/t")},
		{"tenant", oauth("grant", "app_only", "provider", "generic", "client_id", "c", "token_url", "https://id.test/t",
			"client_secret_env", "A", "tenant", "t")},
		{"tenant", oauth("grant", "app_only", "provider", "microsoft365", "client_id", "c")},
		{"auth_url", oauth("grant", "app_only", "provider", "microsoft365", "client_id", "c", "tenant", "t", "token_url", "https://id.test/t")},
		{"service_account_file", oauth("grant", "app_only", "provider", "microsoft365", "client_id", "c", "tenant", "t", "service_account_file", "/sa")},
		{"", oauth("grant", "app_only", "provider", "microsoft365", "client_id", "c", "tenant", "t")},
		{"certificate_file", oauth("grant", "delegated", "provider", "microsoft365", "client_id", "c", "tenant", "t", "certificate_file", "/c")},
		{"auth_url", oauth("grant", "app_only", "provider", "google", "tenant", "t")},
		{"service_account_file", oauth("grant", "app_only", "provider", "google")},
		{"client_secret", oauth("grant", "app_only", "provider", "google", "service_account_file", "/sa", "client_secret_env", "A")},
		{"service_account_file", oauth("grant", "delegated", "provider", "google", "service_account_file", "/sa")},
		{"client_secret", oauth("grant", "delegated", "provider", "google", "client_id", "c")},
	} {
		mark := `id="` + tc.field + `-error"`
		if tc.field == "" {
			mark = `id="form-error"`
		}
		pages = append(pages, post(fmt.Sprintf("mailbox-errors-%02d-%s", i, tc.field), list+"/new", list+"/new", mark, tc.form))
	}
	return pages
}
