package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"ticketgate/domain"
)

// TryLock takes a named lock shared by every instance on this database.
// On PostgreSQL it is a session advisory lock held on a connection of its
// own, which the server frees when the holder dies; the connection is
// pinged every few seconds and Lost fires when it breaks. On SQLite, which
// one process uses, it is a lock in this process.
func (s *Store) TryLock(ctx context.Context, name string) (domain.Lock, bool, error) {
	if !s.Postgres() {
		return s.localLocks.tryLock(name)
	}
	conn, err := s.db.DB.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: %w", name, err)
	}
	key := lockKey(name)
	var ok bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
		// The server may have taken the lock before the error (a
		// cancelled context): never pool a connection that may hold it.
		discard(conn)
		return nil, false, fmt.Errorf("lock %s: %w", name, err)
	}
	if !ok {
		conn.Close()
		return nil, false, nil
	}
	l := &pgLock{conn: conn, key: key, lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go l.watch()
	return l, true, nil
}

// lockKey maps a lock name to PostgreSQL's 64-bit advisory lock key.
func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("ticketgate:" + name))
	return int64(h.Sum64())
}

type pgLock struct {
	conn     *sql.Conn
	key      int64
	lost     chan struct{}
	stop     chan struct{}
	done     chan struct{}
	lostOnce sync.Once
	release  sync.Once
}

// lockReleaseTimeout bounds the unlock statement of Release.
const lockReleaseTimeout = 5 * time.Second

// lockPingEvery is how often a held lock's connection is checked.
const lockPingEvery = 3 * time.Second

func (l *pgLock) watch() {
	defer close(l.done)
	t := time.NewTicker(lockPingEvery)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), lockPingEvery)
			err := l.conn.PingContext(ctx)
			cancel()
			if err != nil {
				l.lostOnce.Do(func() { close(l.lost) })
				return
			}
		}
	}
}

func (l *pgLock) Lost() <-chan struct{} { return l.lost }

func (l *pgLock) Release() {
	l.release.Do(func() {
		close(l.stop)
		<-l.done
		ctx, cancel := context.WithTimeout(context.Background(), lockReleaseTimeout)
		defer cancel()
		// Unlock so that the connection goes back to the pool clean. When
		// the unlock fails (the server refused the statement, the
		// connection broke) or finds the lock not held, the session may
		// still hold it, and a pooled connection keeps its session for as
		// long as it stays idle: close it instead, which frees every lock
		// it holds. (pgx breaks a connection whose statement timed out by
		// itself; a statement the server refuses leaves it open.)
		var unlocked bool
		if err := l.conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", l.key).Scan(&unlocked); err != nil || !unlocked {
			discard(l.conn)
			return
		}
		l.conn.Close()
	})
}

// discard closes conn's connection to the server instead of returning it
// to the pool; the server then frees the session's advisory locks.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

// localLocks are SQLite's locks: one process owns the database file.
type localLocks struct {
	mu   sync.Mutex
	held map[string]bool
}

func (ll *localLocks) tryLock(name string) (domain.Lock, bool, error) {
	ll.mu.Lock()
	defer ll.mu.Unlock()
	if ll.held == nil {
		ll.held = map[string]bool{}
	}
	if ll.held[name] {
		return nil, false, nil
	}
	ll.held[name] = true
	return &localLock{ll: ll, name: name, lost: make(chan struct{})}, true, nil
}

type localLock struct {
	ll   *localLocks
	name string
	lost chan struct{}
	once sync.Once
}

func (l *localLock) Lost() <-chan struct{} { return l.lost }

func (l *localLock) Release() {
	l.once.Do(func() {
		l.ll.mu.Lock()
		delete(l.ll.held, l.name)
		l.ll.mu.Unlock()
	})
}
