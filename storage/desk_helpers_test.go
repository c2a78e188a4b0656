package storage_test

import (
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// The helpers of the few storage tests that go through the Desk to set
// up what they check (the Desk's use cases are tested in domain).

type fixedClock struct{}

func (fixedClock) Now() time.Time { return t0 }

func newDesk(t *testing.T, s *storage.Store) *domain.Desk {
	return domain.NewDesk(s, fixedClock{}, storagetest.Logger(t))
}

var admin = domain.Actor{Email: "root@x.test", Admin: true}

// The fakes and helpers shared with domain's use-case tests.
const classifySetup = storagetest.ClassifySetup

var (
	applySetup       = storagetest.ApplySetup
	readAttachment   = storagetest.ReadAttachment
	portalDesk       = storagetest.PortalDesk
	userWithPassword = storagetest.UserWithPassword
)
