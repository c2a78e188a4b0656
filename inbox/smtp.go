package inbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"ticketgate/domain"
)

// ListenerConfig configures the built-in SMTP or LMTP receiver.
type ListenerConfig struct {
	// Addr is host:port, or for LMTP also a unix socket path.
	Addr string
	LMTP bool
	// Policy says which recipients are ours: the helpdesk address and its
	// plus addresses.
	Policy domain.IntakePolicy
	// Mailboxes, when set, also takes the addresses of the other
	// mailboxes (issue 14) and says which mailbox a recipient is for;
	// *domain.Desk is one. Nil: only Policy's address.
	Mailboxes       RecipientRouter
	MaxMessageBytes int64
	// Domain is the name the server greets with.
	Domain string
	// Sessions bounds the concurrent sessions; listeners that share one
	// share the bound. Nil: a bound of DefaultMaxSessions of its own.
	Sessions *SessionLimit
	// MaxCommands is how many commands a connection may send without
	// delivering a mail (default DefaultMaxCommands).
	MaxCommands int
	// MaxConnTime bounds a connection's whole life (default
	// DefaultMaxConnTime).
	MaxConnTime time.Duration
	// ParseBudget bounds the parsing of one mail (default
	// DefaultParseBudget).
	ParseBudget time.Duration
}

// Listener is the built-in receiver an MTA delivers to. It accepts mail
// only for the helpdesk address (550 otherwise), refuses mail over the size
// limit (552), and answers 250 only after the mail is committed: a crash
// before that makes the sending MTA retry, so nothing is lost.
//
// Its resources are bounded (see limits.go): concurrent sessions (past the
// bound a connection gets 421 and is closed at once), commands per
// connection between two delivered mails, the life of a connection, the
// idle time between commands (ReadTimeout), the length of a line
// (commands and data alike), and recipients per mail.
type Listener struct {
	cfg     ListenerConfig
	recv    Receiver
	parse   ParseFunc
	log     *slog.Logger
	metrics *Metrics

	server *smtp.Server
	ln     net.Listener
	ready  chan struct{}
}

// NewListener returns a receiver; call Run to serve.
func NewListener(cfg ListenerConfig, recv Receiver, parse ParseFunc, m *Metrics, log *slog.Logger) *Listener {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Sessions == nil {
		cfg.Sessions = NewSessionLimit(DefaultMaxSessions)
	}
	if cfg.MaxCommands <= 0 {
		cfg.MaxCommands = DefaultMaxCommands
	}
	if cfg.MaxConnTime <= 0 {
		cfg.MaxConnTime = DefaultMaxConnTime
	}
	l := &Listener{cfg: cfg, recv: recv, parse: Guard(parse, cfg.ParseBudget), log: log, metrics: m, ready: make(chan struct{})}
	s := smtp.NewServer(&backend{l: l})
	s.LMTP = cfg.LMTP
	s.Domain = cfg.Domain
	if s.Domain == "" {
		s.Domain = "localhost"
	}
	s.MaxMessageBytes = cfg.MaxMessageBytes
	s.MaxRecipients = MaxRecipients
	s.MaxLineLength = MaxLineLength
	// RFC 5321 4.5.3.2.7: a server waits at least 5 minutes for a command.
	s.ReadTimeout = 5 * time.Minute
	s.WriteTimeout = time.Minute
	s.ErrorLog = slogAdapter{log}
	l.server = s
	return l
}

func (l *Listener) proto() string {
	if l.cfg.LMTP {
		return "lmtp"
	}
	return "smtp"
}

// Listen binds the address; Run serves on it. They are apart so a caller
// can report a bad address before starting anything else.
func (l *Listener) Listen() error {
	network := "tcp"
	if l.cfg.LMTP && strings.HasPrefix(l.cfg.Addr, "/") {
		network = "unix"
		os.Remove(l.cfg.Addr) // a stale socket from a previous run
	}
	ln, err := net.Listen(network, l.cfg.Addr)
	if err != nil {
		return fmt.Errorf("%s receiver: %w", l.proto(), err)
	}
	l.ln = &limitedListener{Listener: ln, limit: l.cfg.Sessions, maxCommands: l.cfg.MaxCommands,
		maxConnTime: l.cfg.MaxConnTime, log: l.log, proto: l.proto()}
	close(l.ready)
	return nil
}

// LMTP reports whether this is the LMTP receiver.
func (l *Listener) LMTP() bool { return l.cfg.LMTP }

// Addr is the bound address (after Listen).
func (l *Listener) Addr() net.Addr {
	<-l.ready
	return l.ln.Addr()
}

// Run serves until ctx ends. It calls Listen if that was not done.
func (l *Listener) Run(ctx context.Context) error {
	if l.ln == nil {
		if err := l.Listen(); err != nil {
			return err
		}
	}
	done := make(chan error, 1)
	go func() { done <- l.server.Serve(l.ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("%s receiver: %w", l.proto(), err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		l.server.Shutdown(sctx)
		// Shutdown closes only the listeners Serve has registered: when ctx
		// ends before Serve got that far, Serve would then accept forever.
		// Closing ours makes it return either way.
		l.ln.Close()
		<-done
		return nil
	}
}

// RecipientRouter says whether mail for a recipient is ours and for which
// mailbox ("" the default one, HELPDESK_ADDRESS's); *domain.Desk is one.
type RecipientRouter interface {
	RecipientMailbox(ctx context.Context, addr string) (mailbox string, ok bool, err error)
}

// route says whether to is ours, and for which mailbox.
func (l *Listener) route(to string) (string, bool, error) {
	if l.cfg.Policy.IsHelpdeskAddress(to) {
		return "", true, nil
	}
	if l.cfg.Mailboxes == nil {
		return "", false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return l.cfg.Mailboxes.RecipientMailbox(ctx, to)
}

type backend struct{ l *Listener }

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	lc, _ := c.Conn().(*limitedConn)
	return &session{l: b.l, conn: lc, remote: c.Conn().RemoteAddr().String()}, nil
}

type session struct {
	l      *Listener
	conn   *limitedConn // nil only if go-smtp wrapped our conn (it does not)
	remote string
	from   string
	size   int64 // the SIZE the client declared (RFC 1870), 0 if none
	rcpts  []string
	// mailbox is the mailbox the mail is for: its first recipient's.
	mailbox string
}

func (s *session) Reset() { s.from, s.size, s.rcpts, s.mailbox = "", 0, nil, "" }

func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	s.from, s.size = from, 0
	if opts != nil && opts.Size > 0 {
		s.size = opts.Size
	}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	mailbox, ok, err := s.l.route(to)
	if err != nil {
		s.l.log.Error("recipient not checked", slog.String("remote", s.remote), slog.Any("error", err))
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
			Message: "Temporary failure checking the recipient, please retry"}
	}
	if !ok {
		msg := "No such recipient here: this server only takes mail for " + s.l.cfg.Policy.HelpdeskAddress
		if s.l.cfg.Mailboxes != nil {
			msg = "No such recipient here: this server only takes mail for the helpdesk's mailboxes"
		}
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: msg}
	}
	if len(s.rcpts) == 0 {
		// One mail is one intake: it belongs to the mailbox of its first
		// recipient (a mail to help@ and hr@ at once is one ticket).
		s.mailbox = mailbox
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	// What an MDA adds: the envelope sender and the address delivered to,
	// which show the plus-address a reply went to.
	fmt.Fprintf(&buf, "Return-Path: <%s>\r\n", s.from)
	for _, rc := range s.rcpts {
		fmt.Fprintf(&buf, "Delivered-To: %s\r\n", rc)
	}
	// The declared SIZE sizes the buffer at once (a wrong one costs only
	// growth), but never past what the mail may hold now.
	buf.Grow(int(min(s.size, smallMailBytes)) + 2*bytes.MinRead)
	n, err := io.Copy(&buf, io.LimitReader(r, smallMailBytes))
	if err == nil && n == smallMailBytes {
		// A large mail: read on only with a large-mail slot (see
		// SessionLimit), held until it is committed.
		if !s.l.cfg.Sessions.takeLarge() {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 1},
				Message: "Too many large messages at once, please retry later"}
		}
		defer s.l.cfg.Sessions.dropLarge()
		if limit := s.l.cfg.MaxMessageBytes; limit > 0 && s.size > smallMailBytes {
			// The rest of the declared size, and the room ReadFrom wants
			// to see the end (bytes.MinRead).
			buf.Grow(int(min(s.size, limit)-smallMailBytes) + 2*bytes.MinRead)
		}
		_, err = io.Copy(&buf, r)
	}
	if err != nil {
		if errors.Is(err, smtp.ErrDataTooLarge) {
			return smtp.ErrDataTooLarge
		}
		return err
	}
	// The bytes are the same when the MTA retries (same envelope, same
	// data): they are the mail's identity while it is in flight.
	src := domain.Source{Channel: s.l.proto(), Address: s.mailbox}
	item := domain.Received{Source: src, Raw: buf.Bytes()}
	outs, err := s.l.recv.Intake(context.Background(), []domain.Received{item}, s.l.parse)
	if err != nil || len(outs) != 1 {
		s.l.log.Error("mail not taken in; the sender will retry", slog.String("channel", src.Channel),
			slog.String("remote", s.remote), slog.Any("error", err))
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
			Message: "Temporary failure storing the message, please retry"}
	}
	if s.conn != nil {
		s.conn.delivered()
	}
	s.l.metrics.received(src.Channel, outs[0].Kind)
	s.l.log.Debug("mail received", slog.String("channel", src.Channel), slog.String("outcome", string(outs[0].Kind)),
		slog.String("ticket", ticketRef(outs[0].TicketID)))
	return nil
}

func ticketRef(id int64) string {
	if id == 0 {
		return ""
	}
	return domain.FormatRef(id)
}

// slogAdapter lets go-smtp report connection errors through slog.
type slogAdapter struct{ log *slog.Logger }

func (a slogAdapter) Printf(format string, v ...any) { a.log.Debug(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Println(v ...any)               { a.log.Debug(fmt.Sprint(v...)) }
