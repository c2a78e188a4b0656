package inbox

import (
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// SessionLimit bounds the concurrent sessions of the listeners that share
// it (serve gives the SMTP and LMTP receivers one: SMTP_MAX_SESSIONS), and
// the large mails they hold in memory at once.
type SessionLimit struct {
	slots chan struct{}
	// large are the slots of mails over smallMailBytes: such a mail is
	// read on, parsed and committed only while it holds one, so a flood
	// of big mails holds at most maxLargeMails of them in memory (the
	// other senders wait, as TCP makes them).
	large chan struct{}
}

// NewSessionLimit allows n sessions at once (at least one).
func NewSessionLimit(n int) *SessionLimit {
	return &SessionLimit{slots: make(chan struct{}, max(n, 1)), large: make(chan struct{}, maxLargeMails)}
}

// takeLarge waits up to largeMailWait for a large-mail slot; it reports
// whether it got one. Release it with dropLarge.
func (s *SessionLimit) takeLarge() bool {
	select {
	case s.large <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(largeMailWait)
	defer t.Stop()
	select {
	case s.large <- struct{}{}:
		return true
	case <-t.C:
		return false
	}
}

// dropLarge frees the large-mail slot. It first hands the mail's memory
// back: the runtime would keep a heap sized for it (GOGC lets the heap
// grow to twice what was live at the last collection), and the next large
// mail would grow it further. Large mails are rare, and a collection of
// this heap costs milliseconds.
func (s *SessionLimit) dropLarge() {
	debug.FreeOSMemory()
	<-s.large
}

// InUse is the number of sessions open now.
func (s *SessionLimit) InUse() int { return len(s.slots) }

// limitedListener hands go-smtp only connections that got a session slot;
// the others get 421 and are closed at once.
type limitedListener struct {
	net.Listener
	limit       *SessionLimit
	maxCommands int
	maxConnTime time.Duration
	log         *slog.Logger
	proto       string

	mu          sync.Mutex
	refused     int // since the last log line
	lastRefusal time.Time
}

func (l *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.limit.slots <- struct{}{}:
			return newLimitedConn(c, l), nil
		default:
		}
		// A fresh connection's send buffer is empty: this write does not
		// wait for the client; the deadline is a guard only.
		c.SetWriteDeadline(time.Now().Add(time.Second))
		io.WriteString(c, replyTooManySessions)
		c.Close()
		l.refusedOne()
	}
}

// refusedOne logs refusals at most once a minute, with their count.
func (l *limitedListener) refusedOne() {
	l.mu.Lock()
	l.refused++
	now := time.Now()
	if now.Sub(l.lastRefusal) < time.Minute {
		l.mu.Unlock()
		return
	}
	n := l.refused
	l.refused, l.lastRefusal = 0, now
	l.mu.Unlock()
	l.log.Warn("too many sessions: connections refused with 421", slog.String("channel", l.proto),
		slog.Int("refused", n), slog.Int("max_sessions", cap(l.limit.slots)))
}

// limitedConn is one session's connection: it frees its slot when closed,
// counts the replies the server writes (one final reply line per command)
// and ends the connection past maxCommands replies without a delivered
// mail, and caps every deadline at the end of the connection's life.
type limitedConn struct {
	net.Conn
	l        *limitedListener
	end      time.Time
	replies  atomic.Int64 // since the last delivered mail
	lineHead []byte       // the start of the reply line being written
	cut      atomic.Bool
	once     sync.Once
}

func newLimitedConn(c net.Conn, l *limitedListener) *limitedConn {
	lc := &limitedConn{Conn: c, l: l, end: time.Now().Add(l.maxConnTime)}
	c.SetDeadline(lc.end)
	return lc
}

// delivered restarts the command count: a mail was taken in.
func (c *limitedConn) delivered() { c.replies.Store(0) }

func (c *limitedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil && !time.Now().Before(c.end) {
		c.closeWith(replyConnTime)
		return n, io.EOF
	}
	return n, err
}

func (c *limitedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	// A final reply line starts "ddd " (a continuation "ddd-").
	for _, b := range p[:n] {
		if len(c.lineHead) < 4 {
			c.lineHead = append(c.lineHead, b)
			if len(c.lineHead) == 4 && b == ' ' {
				c.replies.Add(1)
			}
		}
		if b == '\n' {
			c.lineHead = c.lineHead[:0]
		}
	}
	if err == nil && c.replies.Load() > int64(c.l.maxCommands) {
		c.closeWith(replyTooManyCommands)
	}
	return n, err
}

// closeWith writes a last reply and closes the connection; go-smtp's next
// read then fails and it ends the session.
func (c *limitedConn) closeWith(reply string) {
	if c.cut.Swap(true) {
		return
	}
	c.Conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c.Conn, reply)
	c.Close()
}

func (c *limitedConn) SetDeadline(t time.Time) error { return c.Conn.SetDeadline(c.cap(t)) }

func (c *limitedConn) SetReadDeadline(t time.Time) error { return c.Conn.SetReadDeadline(c.cap(t)) }

func (c *limitedConn) SetWriteDeadline(t time.Time) error {
	return c.Conn.SetWriteDeadline(c.cap(t))
}

// cap keeps a deadline within the connection's life.
func (c *limitedConn) cap(t time.Time) time.Time {
	if t.IsZero() || t.After(c.end) {
		return c.end
	}
	return t
}

// Close frees the session slot, once.
func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { <-c.l.limit.slots })
	return err
}
