package adminui

import "net/http"

func init() {
	adminLanguagePages = append(adminLanguagePages,
		adminLanguagePage{name: "approvals", mark: `href="/admin/mail/approvals"`,
			get: func(a *adminLanguage) (*http.Response, string) { return a.root.get("/admin/mail/approvals") }},
	)
}
