package domain

import "context"

// Locker gives out named locks shared by every instance on one database, so
// one instance at a time does a singleton job (polling a mailbox). A lock is
// held by a live process: when its holder dies, the lock is free again.
type Locker interface {
	// TryLock takes the lock named name if it is free. ok is false when
	// another holder has it.
	TryLock(ctx context.Context, name string) (l Lock, ok bool, err error)
}

// Lock is a held lock.
type Lock interface {
	// Lost is closed when the lock may have been lost (its database
	// connection broke): the holder must stop the job and try again.
	Lost() <-chan struct{}
	// Release frees the lock.
	Release()
}
