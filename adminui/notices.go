package adminui

// notices are the success messages a redirect asks for with ?ok=code: the
// page after a POST shows the one its code names. Only these fixed texts
// can be shown, so a link cannot put words on the page.
var notices = map[string]string{
	// Everyone: sign-in, profile, own tickets.
	"password":  "Your password is set.",
	"profile":   "Your language and time zone are saved.",
	"signedout": "You are signed out.",
	"away":      "Your availability is saved.",
	"comment":   "Your comment was added.",
	"note":      "Your internal note was added. The requester does not see it.",
	"reopened":  "The ticket is open again.",
	"ratedyes":  "Thank you for your answer. We are glad it is solved.",
	"ratedno":   "Thank you for your answer. The ticket is open again, back with its agent.",
	"resolved":  "The ticket is resolved.",
	"created":   "Your ticket is open. We will keep you posted by mail.",
	"nofiles":   "Your ticket is open, but its attachments could not be stored. Please send them by replying to the ticket’s mail.",
	"deflected": "Glad it is solved. No ticket was opened.",
	"shared":    "Thank you: once resolved, your ticket may help colleagues with the same problem.",
	"unshared":  "Your ticket will not be shown to colleagues.",
	"public":    "The ticket is marked as a public answer: once resolved, the New ticket assistant may show it to every employee.",
	"private":   "The ticket is no longer a public answer.",

	"watcheradded":   "The watcher is added: they get a copy of the mails to the requester from now on.",
	"watcherremoved": "The watcher is removed: they get no more mail about this ticket.",
	"merged":         "The ticket is merged into this one: its comments, files and watchers are here now, and replies to its mails land here.",

	// Admins: tickets, mail, mailboxes.
	"categorized":  "The category is saved.",
	"decided":      "The decision is recorded.",
	"reassigned":   "The ticket has its new assignee.",
	"adminresolve": "The ticket is resolved.",
	"closed":       "The ticket is closed.",
	"adminreopen":  "The ticket is open again.",
	"admincomment": "Your comment was added.",
	"adminnote":    "Your internal note was added. The requester does not see it.",
	"mailretry":    "The mail will be sent again.",
	"maildiscard":  "The mail was discarded; it will not be sent.",
	"deadretry":    "Every dead mail will be sent again.",
	"qretry":       "The mail was taken in again.",
	"qdelete":      "The quarantined mail was deleted.",
	"mbsaved":      "The mailbox is saved. Every running server polls it with the new settings within a few seconds.",
	"mbenabled":    "The mailbox is enabled. Every running server starts polling it within a few seconds.",
	"mbdisabled":   "The mailbox is disabled. Every running server stops polling it within a few seconds; its mail stays on its server.",
	"mbdeleted":    "The mailbox is deleted. The mail in it stays on its server.",
	"mbconnected":  "The mailbox is connected. Its mail is read again now.",

	// Admins: users, categories, team.
	"usersaved":       "The user is saved.",
	"invited":         "The invitation is on its way: the user chooses a password with the link in it (valid 1 hour).",
	"disabled":        "The user is disabled and signed out everywhere.",
	"enabled":         "The user is enabled again.",
	"catsaved":        "The category is saved. The classifier learns the change.",
	"slasaved":        "The service level is saved. Tickets take it at their next change.",
	"catdeleted":      "The category is deleted.",
	"catmerged":       "The category is merged: its tickets moved, each with a recategorized event.",
	"starter":         "The starter set is applied. The classifier learns its categories within a minute; add approval levels and team members when you need them.",
	"membersaved":     "The team member is saved.",
	"memberremoved":   "The team member is off the team. Their tickets stay with them.",
	"cannedsaved":     "The canned reply is saved.",
	"canneddeleted":   "The canned reply is deleted.",
	"priority":        "The priority is set; the SLA due times follow it.",
	"waiting":         "The ticket waits on the requester: its SLA clock is paused until they reply.",
	"calendarsaved":   "The calendar is saved. Due times change when a ticket's clock next moves.",
	"calendardeleted": "The calendar is deleted; its categories count over the default calendar.",
	"webhooksaved":    "The webhook is saved.",
	"webhookdeleted":  "The webhook and its deliveries are deleted.",
	"redelivered":     "The delivery is queued again: it goes out within seconds, with the same webhook-id.",
	"tokenrevoked":    "The API token is revoked: it no longer works.",
}

// notice is the success message of ?ok=code, "" for an unknown code.
func notice(code string) string { return notices[code] }
