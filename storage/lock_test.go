package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestLocks(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		a := storagetest.Open(t, db.URL)
		// A second instance: on SQLite the same process shares one store.
		b := a
		if db.Name == "postgres" {
			var err error
			if b, err = storage.Open(ctx, db.URL, nil); err != nil {
				t.Fatal(err)
			}
			defer b.Close()
		}
		l, ok, err := a.TryLock(ctx, "imap:INBOX")
		if err != nil || !ok {
			t.Fatalf("first TryLock = %v, %v", ok, err)
		}
		if _, ok, err := b.TryLock(ctx, "imap:INBOX"); err != nil || ok {
			t.Fatalf("second TryLock while held = %v, %v; want not ok", ok, err)
		}
		if other, ok, err := b.TryLock(ctx, "imap:Other"); err != nil || !ok {
			t.Fatalf("TryLock of another name = %v, %v", ok, err)
		} else {
			other.Release()
		}
		l.Release()
		l.Release() // twice is harmless
		l2, ok, err := b.TryLock(ctx, "imap:INBOX")
		if err != nil || !ok {
			t.Fatalf("TryLock after release = %v, %v", ok, err)
		}
		select {
		case <-l2.Lost():
			t.Fatal("a healthy lock reports lost")
		default:
		}
		l2.Release()
	})
}

// TestLockFreedWhenHolderDies kills the holder's database connections (as
// a killed process loses them): the other instance gets the lock, and the
// holder's lock reports itself lost.
func TestLockFreedWhenHolderDies(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		if db.Name != "postgres" {
			t.Skip("SQLite has one process")
		}
		ctx := context.Background()
		other := storagetest.Open(t, db.URL)
		app := fmt.Sprintf("tg_holder_%d", time.Now().UnixNano())
		holder, err := storage.Open(ctx, db.URL+"&application_name="+app, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer holder.Close()
		l, ok, err := holder.TryLock(ctx, "imap:INBOX")
		if !ok || err != nil {
			t.Fatalf("TryLock = %v, %v", ok, err)
		}
		if _, ok, _ := other.TryLock(ctx, "imap:INBOX"); ok {
			t.Fatal("lock taken twice")
		}
		if err := other.RawExec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ?", app); err != nil {
			t.Fatal(err)
		}
		waitLockFree(t, other, "imap:INBOX", "lock still held 10 s after its holder died")
		select {
		case <-l.Lost():
		case <-time.After(10 * time.Second):
			t.Fatal("the dead holder's lock did not report lost")
		}
		l.Release()
	})
}

// TestLockFreedWhenUnlockFails: when the server refuses Release's unlock
// (here the session is in a failed transaction) on a connection that is
// still open, the lock's connection is closed rather than pooled, so the
// lock is freed; a pooled connection would hold it for as long as it
// stays idle.
func TestLockFreedWhenUnlockFails(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		if db.Name != "postgres" {
			t.Skip("SQLite's locks are in the process")
		}
		ctx := context.Background()
		holder := storagetest.Open(t, db.URL)
		other := storagetest.Open(t, db.URL)
		if err := holder.RawExec(ctx, "SELECT 1"); err != nil { // an idle connection, which TryLock takes
			t.Fatal(err)
		}
		before := holder.PoolStats()
		l, ok, err := holder.TryLock(ctx, "jobs")
		if !ok || err != nil {
			t.Fatalf("TryLock = %v, %v", ok, err)
		}
		if err := storage.LockExecForTest(l, "BEGIN"); err != nil {
			t.Fatal(err)
		}
		if err := storage.LockExecForTest(l, "SELECT 1/0"); err == nil {
			t.Fatal("SELECT 1/0 did not fail")
		}
		l.Release()
		waitLockFree(t, other, "jobs", "the lock is still held after its Release failed to unlock: its connection went back to the pool")
		if after := holder.PoolStats(); after.Idle >= before.Idle {
			t.Errorf("the lock's connection is pooled (idle %d before the lock, %d after)", before.Idle, after.Idle)
		}
	})
}

// waitLockFree takes and releases lock name on s within 10 s, or fails t
// with why: the server frees a closed session's locks as its backend
// exits, a moment after the client is gone.
func waitLockFree(t *testing.T, s *storage.Store, name, why string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		l, ok, err := s.TryLock(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			l.Release()
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(why)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
