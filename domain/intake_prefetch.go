package domain

import (
	"context"
	"fmt"
)

// prefetched is what Receive reads and writes for a whole batch at once,
// since statements, not mails, are what intake costs: the processed marks
// of every mail in one insert, and the senders' users in one query.
type prefetched struct {
	batch *batchCache
	fresh bool // this mail's processed mark was new
}

type batchCache struct {
	fresh []bool
	users map[string]*User // by address; nil value: known not to exist

	// boxes are the mailboxes (the Desk's cached copy), for routing and
	// for telling our own addresses.
	boxes *mailboxSet
	// routeNow is set in the batch's transaction (not in the one-mail
	// retries): a new ticket of a mailbox with a default category is
	// routed there at once.
	routeNow bool

	// inline is set when the batch's new tickets are classified in its
	// transaction (see classifyOpened); classified lists them by id, and
	// cats holds the categories read for a mail prepare did not classify.
	inline     bool
	classified map[int64]bool
	cats       []Category
	catsLoaded bool
}

func (d *Desk) prefetch(ctx context.Context, tx Store, items []Received) (*batchCache, error) {
	now := d.clock.Now()
	var marks []*ProcessedMail
	var index []int
	emails := map[string]bool{}
	for i := range items {
		in := items[i].Mail
		if in == nil {
			continue
		}
		if in.MessageID == "" {
			in.MessageID = HashMessageID(items[i].Raw)
		}
		src := items[i].Source
		marks = append(marks, &ProcessedMail{Mailbox: src.Mailbox, UIDValidity: src.UIDValidity, UID: src.UID, MessageID: in.MessageID, At: now})
		index = append(index, i)
		if in.From != "" {
			emails[in.From] = true
		}
	}
	inserted, err := tx.RecordProcessedBatch(ctx, marks)
	if err != nil {
		return nil, err
	}
	boxes, err := d.mailboxes(ctx, tx)
	if err != nil {
		return nil, err
	}
	b := &batchCache{fresh: make([]bool, len(items)), users: map[string]*User{}, classified: map[int64]bool{}, boxes: boxes}
	for k, i := range index {
		b.fresh[i] = inserted[k]
	}
	list := make([]string, 0, len(emails))
	for e := range emails {
		list = append(list, e)
		b.users[e] = nil
	}
	users, err := tx.UsersByEmail(ctx, list)
	if err != nil {
		return nil, err
	}
	for i := range users {
		b.users[users[i].Email] = &users[i]
	}
	return b, nil
}

// at is the prefetched state of item i.
func (b *batchCache) at(i int) *prefetched {
	return &prefetched{batch: b, fresh: b.fresh[i]}
}

// user returns the user with address email, from the batch when it knows.
func (p *prefetched) user(ctx context.Context, tx Store, email string) (*User, error) {
	if u, known := p.batch.users[email]; known {
		if u == nil {
			return nil, fmt.Errorf("user %s: %w", email, ErrNotFound)
		}
		return u, nil
	}
	return tx.GetUserByEmail(ctx, email)
}

// remember notes that a requester exists now (created for this batch).
func (p *prefetched) remember(id int64, email string) {
	if u, known := p.batch.users[email]; !known || u == nil {
		p.batch.users[email] = &User{ID: id, Email: email, Role: RoleEmployee}
	}
}
