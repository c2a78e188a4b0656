package domain

import (
	"slices"
	"strings"
)

// SameMailbox reports whether a and b deliver to one mailbox: equal
// addresses once case is ignored and the plus tag of the local part
// ("boss+me@company" → "boss@company") is dropped. Every rule that asks "is
// this sender that person" compares addresses with it: the requester and a
// level's approvers, the approver and the sender of an approval reply, the
// sender of a reply and the ticket's requester or assignee, the admins, and
// the helpdesk's own address (mail loops). A plus address reaches the same
// person, so it must neither let them approve their own ticket nor lock
// them out of it.
//
// An address without a local part or a domain is no mailbox: it is never
// the same as anything, not even itself, so "" never matches "".
//
// Comparisons of accounts (is this user row the actor's own, a lookup key
// in a setup file) are not mailbox comparisons: they stay exact.
func SameMailbox(a, b string) bool {
	ka, okA := mailboxKey(a)
	kb, okB := mailboxKey(b)
	return okA && okB && ka == kb
}

// mailboxKey is addr in lower case without its plus tag, and whether addr
// is a mailbox at all (local@domain, both parts non-empty).
func mailboxKey(addr string) (string, bool) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return "", false
	}
	local, dom := addr[:at], addr[at+1:]
	// A local part that starts with + has no base to fall back to: it is
	// kept whole.
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	return local + "@" + dom, true
}

// containsMailbox reports whether one of addrs is addr's mailbox.
func containsMailbox(addrs []string, addr string) bool {
	return slices.ContainsFunc(addrs, func(a string) bool { return SameMailbox(a, addr) })
}
