package adminui

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"ticketgate/domain"
)

// routes is every route of the web side. Each portal route names the
// access it needs (see auth); what the user may do with a given ticket is
// decided by the domain use case the handler calls.
func (h *Handler) routes() http.Handler {
	r := httprouter.New()
	r.HandleMethodNotAllowed = true
	r.NotFound = http.HandlerFunc(h.notFound)

	r.Handler(http.MethodGet, "/healthz", h.instrument("healthz", http.HandlerFunc(h.healthz)))
	r.Handler(http.MethodGet, "/readyz", h.instrument("readyz", http.HandlerFunc(h.readyz)))
	if !h.metricsElsewhere {
		r.Handler(http.MethodGet, "/metrics", h.metricsEndpoint())
	}
	r.Handler(http.MethodGet, "/static/*file", h.instrument("static", http.HandlerFunc(h.staticFile)))
	// The installable portal (pwa.go): no session is read for these.
	r.Handler(http.MethodGet, "/manifest.webmanifest", h.instrument("manifest", http.HandlerFunc(h.webManifest)))
	r.Handler(http.MethodGet, "/sw.js", h.instrument("service_worker", http.HandlerFunc(h.serviceWorker)))
	r.Handler(http.MethodGet, offlinePath, h.instrument("offline", http.HandlerFunc(h.offlinePage)))

	page := func(method, path, name string, need access, fn http.HandlerFunc) {
		r.Handler(method, path, h.instrument(name, h.auth(need, h.whole(fn))))
	}
	// upload is a page whose form takes files: it also gets a request cut
	// at the size limit (state.bodyCut), with the fields before the files,
	// to say so with the form kept.
	upload := func(method, path, name string, need access, fn http.HandlerFunc) {
		r.Handler(method, path, h.instrument(name, h.auth(need, fn)))
	}
	page(http.MethodGet, "/", "home", public, h.home)
	page(http.MethodGet, "/signin", "signin", public, h.signInPage)
	page(http.MethodPost, "/signin", "signin", public, h.signIn)
	page(http.MethodPost, "/signout", "signout", public, h.signOut)
	page(http.MethodPost, "/signin/sso", "signin_sso", public, h.ssoStart)
	page(http.MethodGet, SSOCallbackPath, "signin_sso_callback", public, h.ssoCallback)
	page(http.MethodGet, "/forgot", "forgot", public, h.forgotPage)
	page(http.MethodPost, "/forgot", "forgot", public, h.forgot)
	page(http.MethodGet, domain.PasswordLinkPath+":token", "reset", public, h.resetPage)
	page(http.MethodPost, domain.PasswordLinkPath+":token", "reset", public, h.reset)

	page(http.MethodGet, "/password", "password", changePwd, h.passwordPage)
	page(http.MethodPost, "/password", "password", changePwd, h.changePassword)
	page(http.MethodGet, "/profile", "profile", signedIn, h.profile)
	page(http.MethodPost, "/profile", "profile_save", signedIn, h.profileSave)

	page(http.MethodGet, "/tickets", "tickets", signedIn, h.myTickets)
	page(http.MethodGet, "/new", "new_ticket", signedIn, h.newTicketPage)
	page(http.MethodPost, "/new", "new_ticket", signedIn, h.newTicket)
	page(http.MethodPost, "/new/solved", "new_solved", signedIn, h.solved)
	page(http.MethodGet, "/tickets/:ref", "ticket", signedIn, h.ticket)
	page(http.MethodGet, "/tickets/:ref/attachments/:id", "attachment", signedIn, h.attachment)
	upload(http.MethodPost, "/tickets/:ref/comment", "comment", signedIn, h.comment)
	upload(http.MethodPost, "/tickets/:ref/note", "note", signedIn, h.note)
	upload(http.MethodPost, "/tickets/:ref/canned", "canned_insert", signedIn, h.insertCanned)
	page(http.MethodPost, "/tickets/:ref/reopen", "reopen", signedIn, h.reopen)
	page(http.MethodPost, "/tickets/:ref/share", "share", signedIn, h.share)
	page(http.MethodPost, "/tickets/:ref/resolve", "resolve", signedIn, h.resolve)
	page(http.MethodPost, "/tickets/:ref/priority", "priority", signedIn, h.setPriority)
	page(http.MethodPost, "/tickets/:ref/wait", "wait_on_requester", signedIn, h.waitOnRequester)
	page(http.MethodPost, "/tickets/:ref/watchers", "watcher_add", signedIn, h.addWatcher)
	page(http.MethodPost, "/tickets/:ref/watchers/:id/remove", "watcher_remove", signedIn, h.removeWatcher)
	page(http.MethodPost, "/tickets/:ref/merge", "merge", signedIn, h.merge)
	page(http.MethodGet, domain.UnwatchPath+":token", "unwatch", public, h.unwatchPage)
	page(http.MethodPost, domain.UnwatchPath+":token", "unwatch", public, h.unwatch)
	page(http.MethodPost, "/tickets/:ref/satisfaction", "rate", signedIn, h.rate)
	page(http.MethodGet, domain.SatisfactionPath+":token", "satisfaction", public, h.satisfactionLink)
	page(http.MethodPost, domain.SatisfactionPath+":token", "satisfaction", public, h.rateByLink)

	page(http.MethodGet, "/queue", "queue", agentOnly, h.queue)
	page(http.MethodPost, "/away", "away", agentOnly, h.away)

	// Admin: users, categories, team members, canned replies, webhooks.
	page(http.MethodGet, "/admin/users", "admin_users", adminOnly, h.adminUsers)
	page(http.MethodGet, "/admin/users/:id", "admin_user", adminOnly, h.adminUser)      // :id or "new"
	page(http.MethodPost, "/admin/users/:id", "admin_user", adminOnly, h.adminUserSave) // :id or "new"
	page(http.MethodPost, "/admin/users/:id/disable", "admin_user_disable", adminOnly, h.adminUserDisable)
	page(http.MethodPost, "/admin/users/:id/enable", "admin_user_enable", adminOnly, h.adminUserEnable)
	page(http.MethodPost, "/admin/users/:id/password", "admin_user_password", adminOnly, h.adminUserResetPassword)
	page(http.MethodPost, "/admin/users/:id/invite", "admin_user_invite", adminOnly, h.adminUserInvite)
	page(http.MethodGet, "/admin/categories", "admin_categories", adminOnly, h.adminCategories)
	page(http.MethodGet, "/admin/categories/:id", "admin_category", adminOnly, h.adminCategory)      // :id or "new"
	page(http.MethodPost, "/admin/categories/:id", "admin_category", adminOnly, h.adminCategorySave) // :id or "new"
	page(http.MethodPost, "/admin/categories/:id/delete", "admin_category_delete", adminOnly, h.adminCategoryDelete)
	page(http.MethodPost, "/admin/categories/:id/merge", "admin_category_merge", adminOnly, h.adminCategoryMerge)
	page(http.MethodPost, "/admin/categories/:id/sla", "admin_category_sla", adminOnly, h.adminCategorySLA)
	page(http.MethodGet, "/admin/team", "admin_team", adminOnly, h.adminTeam)
	page(http.MethodPost, "/admin/team", "admin_team", adminOnly, h.adminTeamAdd)
	page(http.MethodGet, "/admin/team/:id", "admin_member", adminOnly, h.adminMember)
	page(http.MethodPost, "/admin/team/:id", "admin_member", adminOnly, h.adminMemberSave)
	page(http.MethodPost, "/admin/team/:id/remove", "admin_member_remove", adminOnly, h.adminMemberRemove)
	page(http.MethodGet, "/admin/canned", "admin_canned_replies", adminOnly, h.adminCannedReplies)
	page(http.MethodGet, "/admin/canned/:id", "admin_canned_reply", adminOnly, h.adminCannedReply)      // :id or "new"
	page(http.MethodPost, "/admin/canned/:id", "admin_canned_reply", adminOnly, h.adminCannedReplySave) // :id or "new"
	page(http.MethodPost, "/admin/canned/:id/delete", "admin_canned_reply_delete", adminOnly, h.adminCannedReplyDelete)
	page(http.MethodGet, "/admin/calendars", "admin_calendars", adminOnly, h.adminCalendars)
	page(http.MethodGet, "/admin/calendars/:id", "admin_calendar", adminOnly, h.adminCalendar)      // :id or "new"
	page(http.MethodPost, "/admin/calendars/:id", "admin_calendar", adminOnly, h.adminCalendarSave) // :id or "new"
	page(http.MethodPost, "/admin/calendars/:id/delete", "admin_calendar_delete", adminOnly, h.adminCalendarDelete)
	page(http.MethodGet, "/admin/webhooks", "admin_webhooks", adminOnly, h.adminWebhooks)
	page(http.MethodGet, "/admin/webhooks/:id", "admin_webhook", adminOnly, h.adminWebhook)      // :id or "new"
	page(http.MethodPost, "/admin/webhooks/:id", "admin_webhook", adminOnly, h.adminWebhookSave) // :id or "new"
	page(http.MethodPost, "/admin/webhooks/:id/delete", "admin_webhook_delete", adminOnly, h.adminWebhookDelete)
	page(http.MethodPost, "/admin/webhooks/:id/redeliver/:delivery", "admin_webhook_redeliver", adminOnly, h.adminWebhookRedeliver)
	page(http.MethodGet, "/admin/tokens", "admin_tokens", adminOnly, h.adminTokens)
	page(http.MethodPost, "/admin/tokens", "admin_tokens", adminOnly, h.adminTokenCreate)
	page(http.MethodPost, "/admin/tokens/:id/revoke", "admin_token_revoke", adminOnly, h.adminTokenRevoke)
	// Admin: dashboard, tickets, mail.
	page(http.MethodGet, "/admin", "admin_dashboard", adminOnly, h.dashboard)
	page(http.MethodPost, "/admin/starter", "admin_starter", adminOnly, h.adminStarter)
	page(http.MethodGet, "/admin/tickets", "admin_tickets", adminOnly, h.allTickets)
	page(http.MethodGet, "/admin/tickets.csv", "admin_tickets_csv", adminOnly, h.ticketsCSV)
	page(http.MethodGet, "/admin/tickets/:ref", "admin_ticket", adminOnly, h.adminTicket)
	page(http.MethodPost, "/admin/tickets/:ref/category", "admin_categorize", adminOnly, h.adminCategorize)
	page(http.MethodPost, "/admin/tickets/:ref/approvals/:id", "admin_decide", adminOnly, h.adminDecide)
	page(http.MethodPost, "/admin/tickets/:ref/assign", "admin_reassign", adminOnly, h.adminReassign)
	page(http.MethodPost, "/admin/tickets/:ref/resolve", "admin_resolve", adminOnly, h.adminResolve)
	page(http.MethodPost, "/admin/tickets/:ref/close", "admin_close", adminOnly, h.adminClose)
	page(http.MethodPost, "/admin/tickets/:ref/public", "admin_public", adminOnly, h.adminPublic)
	page(http.MethodPost, "/admin/tickets/:ref/reopen", "admin_reopen", adminOnly, h.adminReopen)
	upload(http.MethodPost, "/admin/tickets/:ref/comment", "admin_comment", adminOnly, h.adminComment)
	page(http.MethodPost, "/admin/tickets/:ref/note", "admin_note", adminOnly, h.adminNote)
	upload(http.MethodPost, "/admin/tickets/:ref/canned", "admin_canned_insert", adminOnly, h.adminInsertCanned)
	page(http.MethodGet, "/admin/mail/outbox", "admin_outbox", adminOnly, h.outbox)
	page(http.MethodPost, "/admin/mail/outbox/:id/retry", "admin_mail_retry", adminOnly, h.retryMail)
	page(http.MethodPost, "/admin/mail/outbox/:id/discard", "admin_mail_discard", adminOnly, h.discardMail)
	page(http.MethodPost, "/admin/mail/dead/retry", "admin_mail_retry_dead", adminOnly, h.retryDeadMail)
	page(http.MethodGet, "/admin/mail/inbox", "admin_inbox", adminOnly, h.inboxLog)
	page(http.MethodGet, "/admin/mail/quarantine", "admin_quarantine", adminOnly, h.quarantine)
	page(http.MethodGet, "/admin/mail/quarantine/:id", "admin_quarantined", adminOnly, h.quarantined)
	page(http.MethodPost, "/admin/mail/quarantine/:id/retry", "admin_quarantine_retry", adminOnly, h.retryQuarantined)
	page(http.MethodPost, "/admin/mail/quarantine/:id/delete", "admin_quarantine_delete", adminOnly, h.deleteQuarantined)
	page(http.MethodGet, "/admin/mail/approvals", "admin_approvals", adminOnly, h.approvalProblems)
	page(http.MethodGet, "/admin/mail/mailboxes", "admin_mailboxes", adminOnly, h.adminMailboxes)
	page(http.MethodGet, "/admin/mail/mailboxes/:address", "admin_mailbox", adminOnly, h.adminMailbox)      // :address or "new"
	page(http.MethodPost, "/admin/mail/mailboxes/:address", "admin_mailbox", adminOnly, h.adminMailboxSave) // :address or "new"
	page(http.MethodPost, "/admin/mail/mailboxes/:address/enable", "admin_mailbox_enable", adminOnly, h.adminMailboxEnable)
	page(http.MethodPost, "/admin/mail/mailboxes/:address/disable", "admin_mailbox_disable", adminOnly, h.adminMailboxDisable)
	page(http.MethodGet, "/admin/mail/mailboxes/:address/delete", "admin_mailbox_delete", adminOnly, h.adminMailboxDeletePage)
	page(http.MethodPost, "/admin/mail/mailboxes/:address/delete", "admin_mailbox_delete", adminOnly, h.adminMailboxDelete)
	page(http.MethodPost, "/admin/mail/mailboxes/:address/test", "admin_mailbox_test", adminOnly, h.adminMailboxTest)
	page(http.MethodPost, "/admin/mail/mailboxes/:address/connect", "admin_mailbox_connect", adminOnly, h.adminMailboxConnect)
	page(http.MethodGet, MailboxCallbackPath, "admin_mailbox_callback", adminOnly, h.adminMailboxCallback)
	return r
}

// home sends each user to their start page.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	u := stateOf(r).user
	switch {
	case u == nil:
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	case u.MustChangePassword:
		http.Redirect(w, r, "/password", http.StatusSeeOther)
	case u.Role == domain.RoleAgent || u.IsAdmin():
		http.Redirect(w, r, withQuery("/queue", r), http.StatusSeeOther)
	default:
		http.Redirect(w, r, withQuery("/tickets", r), http.StatusSeeOther)
	}
}

// whole refuses a request whose body was cut at the size limit (see
// formHead): only upload routes read what came before the cut.
func (h *Handler) whole(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if stateOf(r).bodyCut {
			h.tooLarge(w, r)
			return
		}
		next(w, r)
	}
}

// withQuery keeps r's ?ok= notice on a redirect.
func withQuery(path string, r *http.Request) string {
	if ok := r.URL.Query().Get("ok"); notice(ok) != "" {
		return path + "?ok=" + ok
	}
	return path
}
