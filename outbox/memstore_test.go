package outbox

import (
	"context"
	"slices"
	"sync"
	"time"

	"ticketgate/domain"
)

// memStore is an in-memory Store for the worker's tests; the storage
// package's tests check the SQL behind the same interface.
type memStore struct {
	mu     sync.Mutex
	rows   []*domain.OutboxMessage
	events []domain.Event
}

func (s *memStore) add(m domain.OutboxMessage) *domain.OutboxMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	m.ID = int64(len(s.rows) + 1)
	s.rows = append(s.rows, &m)
	return &m
}

func (s *memStore) get(id int64) domain.OutboxMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.rows[id-1]
}

func (s *memStore) ClaimOutbox(_ context.Context, now, leaseUntil time.Time, limit int) ([]domain.OutboxMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []domain.OutboxMessage
	for _, m := range s.rows {
		if m != nil && m.Status == domain.OutboxQueued && !m.NextAttemptAt.After(now) && len(out) < limit {
			m.NextAttemptAt = leaseUntil
			out = append(out, *m)
		}
	}
	return out, nil
}

func (s *memStore) GetOutbox(_ context.Context, id int64) (*domain.OutboxMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id < 1 || int(id) > len(s.rows) || s.rows[id-1] == nil {
		return nil, domain.ErrNotFound
	}
	m := *s.rows[id-1]
	return &m, nil
}

func (s *memStore) UpdateOutbox(_ context.Context, m *domain.OutboxMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rows[m.ID-1] == nil {
		return domain.ErrNotFound
	}
	r := s.rows[m.ID-1]
	if m.Status == domain.OutboxDead && r.Status != domain.OutboxDead && m.TicketID != 0 {
		s.events = append(s.events, *domain.MailFailedEvent(m, m.NextAttemptAt))
	}
	r.Status, r.Attempts, r.NextAttemptAt, r.LastError, r.SentAt = m.Status, m.Attempts, m.NextAttemptAt, m.LastError, m.SentAt
	return nil
}

func (s *memStore) DeleteOutbox(_ context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rows[id-1] = nil
	return nil
}

func (s *memStore) RequeueOutbox(_ context.Context, id int64, from, to domain.OutboxStatus, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.rows {
		if m != nil && (id == 0 || m.ID == id) && (m.Status == from || from == "" && m.Status != domain.OutboxSent) {
			m.Status, m.NextAttemptAt, m.Attempts = to, now, 0
			n++
		}
	}
	return n, nil
}

func (s *memStore) CountOutbox(context.Context) (map[domain.OutboxStatus]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[domain.OutboxStatus]int{}
	for _, m := range s.rows {
		if m != nil {
			out[m.Status]++
		}
	}
	return out, nil
}

func (s *memStore) TicketMail(_ context.Context, ticketID int64) ([]domain.OutboxMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []domain.OutboxMessage
	for _, m := range s.rows {
		if m != nil && m.TicketID == ticketID {
			out = append(out, *m)
		}
	}
	return out, nil
}

func (s *memStore) MarkRefused(context.Context, string, time.Time, time.Time) (bool, error) {
	return true, nil
}

func (s *memStore) eventKinds() []domain.EventKind {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []domain.EventKind
	for _, e := range s.events {
		out = append(out, e.Kind)
	}
	return slices.Clip(out)
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
