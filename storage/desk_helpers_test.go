package storage_test

import (
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// The helpers of the Desk's use-case tests that are still here (the
// others are in domain, beside their use cases).

type fixedClock struct{}

func (fixedClock) Now() time.Time { return t0 }

func newDesk(t *testing.T, s *storage.Store) *domain.Desk {
	return domain.NewDesk(s, fixedClock{}, storagetest.Logger(t))
}

func intakeDesk(t *testing.T, s *storage.Store) *domain.Desk {
	return domain.NewDesk(s, fixedClock{}, storagetest.Logger(t),
		domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}}))
}

var admin = domain.Actor{Email: "root@x.test", Admin: true}

// The fakes and helpers shared with the other package's use-case tests.
type (
	recordingComposer = storagetest.RecordingComposer
	stubClassifier    = storagetest.StubClassifier
	linkComposer      = storagetest.LinkComposer
	movingClock       = storagetest.MovingClock
)

const classifySetup = storagetest.ClassifySetup

var (
	applySetup       = storagetest.ApplySetup
	mail             = storagetest.Mail
	receive1         = storagetest.Receive1
	readAttachment   = storagetest.ReadAttachment
	portalDesk       = storagetest.PortalDesk
	userWithPassword = storagetest.UserWithPassword
	eventKinds       = storagetest.EventKinds
	jsonValue        = storagetest.JSONValue
)
