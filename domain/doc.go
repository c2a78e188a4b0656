// Package domain is the core of ticketgate: the entities, the ticket state
// machine, the rules of the business and the Desk service that runs each use
// case. It imports no package of ours; storage, mail and web adapters depend on
// it through the interfaces declared here (Store, Clock).
//
// The ticket life follows docs/design.md's status table exactly. A change of status
// goes through Ticket.apply, which refuses any move the table does not list
// (ErrIllegalTransition) and names the event the move writes; Desk commits the
// new status and its event in one transaction, so the history never disagrees
// with the ticket.
package domain
