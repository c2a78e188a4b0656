package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/i18n"
	"ticketgate/inbox"
	"ticketgate/storage"

	"github.com/dustin/go-humanize"
)

// Config is every setting of docs/design.md's configuration table, parsed once.
type Config struct {
	DatabaseURL           string
	HTTPAddr              string
	MetricsAddr           string  // "" serves /metrics on HTTPAddr
	MetricsToken          string  // Bearer token /metrics requires; "" none
	APIRate               float64 // API_RATE: requests a second per API token
	BaseURL               string
	AdminEmail            string
	HelpdeskAddress       string
	HelpdeskName          string
	DefaultLanguage       string   // DEFAULT_LANGUAGE: en, de, fr or es
	DefaultTimeZone       string   // DEFAULT_TIMEZONE: an IANA time zone name
	AllowedSenderDomains  []string // "*" alone allows all
	IMAPURL               string
	IMAPPollInterval      time.Duration
	IMAPDoneMailbox       string
	IMAPQuarantineMailbox string
	IMAPBatchSize         int
	SMTPListen            string // host:port or "off"
	LMTPListen            string // host:port, a unix socket path, or "off"
	SMTPMaxSessions       int    // SMTP and LMTP sessions at once, together
	SMTPMaxCommands       int    // commands per connection without a mail
	SMTPURL               string
	TLSCAFile             string
	MailFrom              string
	SecretKey             string
	TrustedAuthservID     string
	RefusalsPerHour       int // 0: never refuse by mail
	AttachmentsDir        string
	MaxMessageBytes       int64
	OpenAIAPIKey          string
	OpenAIBaseURL         string
	OpenAIModel           string
	ClassifyTimeout       time.Duration
	ClassifyMinConfidence float64
	ApprovalRemindAfter   time.Duration
	ApprovalExpireAfter   time.Duration
	ReopenWithin          time.Duration
	OutboxMaxAttempts     int
	WebhookAllowPrivate   bool          // webhooks may go to loopback, link-local and private addresses
	TriageDigestInterval  time.Duration // least time between two triage digests to one admin
	AcksPerSenderPerHour  int           // 0: no acknowledgements
	OutboxRetention       time.Duration // 0: sent mail keeps its body for ever
	LeaveReadInterval     time.Duration // how often a member's leave status is read
	GraphURL              string        // Microsoft Graph's base URL, with its version
	GoogleAPIURL          string        // Google's APIs' base URL (Gmail, Calendar)
	MicrosoftLoginURL     string        // the Microsoft identity platform's base URL
	LogLevel              slog.Level
	LogFormat             string // text or json
	OIDC                  OIDCConfig
}

// OIDCConfig is single sign-on with OpenID Connect (docs/sso.md); Issuer
// "" turns it off.
type OIDCConfig struct {
	Issuer         string
	ClientID       string
	ClientSecret   string
	Name           string
	AllowedDomains []string
	AdminGroup     string
	AgentGroup     string
	Only           bool
	BreakGlass     string
}

// setting is one variable: its name, its default (which may depend on
// settings parsed before it), whether it may come from NAME_FILE, and how
// it is parsed into Config.
type setting struct {
	name   string
	def    func(c *Config) string
	secret bool
	help   string
	set    func(c *Config, v string) error
}

func fixed(v string) func(*Config) string { return func(*Config) string { return v } }

// settings are in dependency order: a default may read fields set above it.
var settings = []setting{
	{"DATABASE_URL", fixed(storage.DefaultURL), true, "a SQLite path, sqlite://rel/path, sqlite:///abs/path, or postgres://user:pass@host:5432/db",
		func(c *Config, v string) error {
			_, err := storage.ParseURL(v)
			c.DatabaseURL = v
			return stripVarName(err)
		}},
	{"HTTP_ADDR", fixed(":8080"), false, "address the web portal listens on", func(c *Config, v string) error {
		c.HTTPAddr = v
		return checkHostPort(v)
	}},
	{"METRICS_ADDR", fixed(""), false, "serve /metrics on this host:port of its own, e.g. 127.0.0.1:9090, and not on HTTP_ADDR (default: on HTTP_ADDR)", func(c *Config, v string) error {
		c.MetricsAddr = v
		if v == "" {
			return nil
		}
		if err := checkHostPort(v); err != nil {
			return err
		}
		if _, port, _ := net.SplitHostPort(v); v == c.HTTPAddr && port != "0" {
			return errors.New("must differ from HTTP_ADDR")
		}
		return nil
	}},
	{"METRICS_TOKEN", fixed(""), true, "require this Bearer token on /metrics (at least 16 characters)", func(c *Config, v string) error {
		c.MetricsToken = v
		if v == "" {
			return nil
		}
		if len(v) < 16 {
			return errors.New("too short: use at least 16 characters")
		}
		for _, r := range v {
			if r <= ' ' || r == 0x7f {
				return errors.New("must not hold spaces or control characters")
			}
		}
		return nil
	}},
	{"API_RATE", fixed("10"), false, "requests a second each API token may make, with a burst of twice that (429 past it)", func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > 1e6 || f != f {
			return errors.New("want a number of requests a second above 0, like 10 or 0.5")
		}
		c.APIRate = f
		return nil
	}},
	{"BASE_URL", fixed("http://localhost:8080"), false, "the portal's public URL, used in mails and for Secure cookies", func(c *Config, v string) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("want an absolute http:// or https:// URL")
		}
		c.BaseURL = strings.TrimRight(v, "/")
		return nil
	}},
	{"ADMIN_EMAIL", fixed("admin@localhost"), false, "the first admin, created on an empty database", func(c *Config, v string) error {
		var err error
		c.AdminEmail, err = domain.NormalizeEmail(v)
		return stripInvalid(err)
	}},
	{"HELPDESK_ADDRESS", fixed("help@localhost"), false, "the address employees write to", func(c *Config, v string) error {
		var err error
		c.HelpdeskAddress, err = domain.NormalizeEmail(v)
		return stripInvalid(err)
	}},
	{"HELPDESK_NAME", fixed("IT Helpdesk"), false, "the display name of outgoing mail", func(c *Config, v string) error {
		if strings.ContainsAny(v, "\r\n") {
			return errors.New("must be one line")
		}
		c.HelpdeskName = strings.TrimSpace(v)
		return nil
	}},
	{"DEFAULT_LANGUAGE", fixed("en"), false,
		"the language of the portal and of mails when neither the user nor the browser or the opening mail says (en, de, fr, es)",
		func(c *Config, v string) error {
			lang, ok := i18n.Normalize(v)
			if !ok || lang == "" {
				return fmt.Errorf("must be one of %s", strings.Join(i18n.Supported(), ", "))
			}
			c.DefaultLanguage = lang
			return nil
		}},
	{"DEFAULT_TIMEZONE", fixed("UTC"), false, "the time zone of dates for users who have not chosen one (an IANA name: Europe/Berlin)",
		func(c *Config, v string) error {
			v = strings.TrimSpace(v)
			if _, ok := i18n.Location(v, ""); !ok {
				return errors.New("must be a time zone name such as Europe/Berlin or UTC")
			}
			c.DefaultTimeZone = v
			return nil
		}},
	{"ALLOWED_SENDER_DOMAINS", func(c *Config) string { return domain.EmailDomain(c.HelpdeskAddress) }, false,
		"comma-separated domains whose senders may open tickets; * allows all", func(c *Config, v string) error {
			c.AllowedSenderDomains = nil
			for _, d := range strings.Split(v, ",") {
				d = strings.ToLower(strings.TrimSpace(d))
				if d == "" {
					continue
				}
				if d != "*" && (strings.ContainsAny(d, "@ /") || !strings.Contains(d, ".") && d != "localhost") {
					return fmt.Errorf("%q is not a domain", d)
				}
				c.AllowedSenderDomains = append(c.AllowedSenderDomains, d)
			}
			if len(c.AllowedSenderDomains) == 0 {
				return errors.New("empty: name at least one domain, or *")
			}
			return nil
		}},
	{"IMAP_URL", fixed(""), true, "mailbox to poll: imaps://user:pass@host[:993]/INBOX or imap://…[:143]/INBOX[?tls=none]", func(c *Config, v string) error {
		c.IMAPURL = v
		return checkMailURL(v, "imap", "imaps")
	}},
	{"IMAP_POLL_INTERVAL", fixed("30s"), false, "how often to poll when the server has no IDLE", durationInto(func(c *Config) *time.Duration { return &c.IMAPPollInterval })},
	{"IMAP_DONE_MAILBOX", fixed(""), false, "move processed mail here (default: flag it \\Seen)", func(c *Config, v string) error { c.IMAPDoneMailbox = v; return nil }},
	{"IMAP_QUARANTINE_MAILBOX", fixed(""), false, "move unreadable mail here", func(c *Config, v string) error { c.IMAPQuarantineMailbox = v; return nil }},
	{"IMAP_BATCH_SIZE", fixed("200"), false, "mails committed together by the IMAP poller", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return fmt.Errorf("%q is not a whole number from 1 to 10000", v)
		}
		c.IMAPBatchSize = n
		return nil
	}},
	{"SMTP_LISTEN", func(c *Config) string {
		if c.IMAPURL == "" {
			return "127.0.0.1:2525"
		}
		return "off"
	}, false, "built-in SMTP receiver host:port, or off", func(c *Config, v string) error {
		c.SMTPListen = v
		if v == "off" {
			return nil
		}
		return checkHostPort(v)
	}},
	{"LMTP_LISTEN", fixed("off"), false, "built-in LMTP receiver host:port or unix socket path, or off", func(c *Config, v string) error {
		c.LMTPListen = v
		if v == "off" || strings.HasPrefix(v, "/") {
			return nil
		}
		return checkHostPort(v)
	}},
	{"SMTP_MAX_SESSIONS", fixed(strconv.Itoa(inbox.DefaultMaxSessions)), false, "SMTP and LMTP sessions at once, both receivers together; past it a connection gets 421", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			return fmt.Errorf("%q is not a whole number from 1 to 100000", v)
		}
		c.SMTPMaxSessions = n
		return nil
	}},
	{"SMTP_MAX_COMMANDS", fixed(strconv.Itoa(inbox.DefaultMaxCommands)), false, "commands an SMTP/LMTP connection may send without delivering a mail before it is closed with 421", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10 || n > 1000000 {
			return fmt.Errorf("%q is not a whole number from 10 to 1000000", v)
		}
		c.SMTPMaxCommands = n
		return nil
	}},
	{"SMTP_URL", fixed(""), true, "relay for outgoing mail: smtp://user:pass@host[:587][?tls=none] or smtps://…[:465]; unset holds mail", func(c *Config, v string) error {
		c.SMTPURL = v
		return checkMailURL(v, "smtp", "smtps")
	}},
	{"TLS_CA_FILE", fixed(""), false, "extra CA certificate (PEM) trusted for IMAP and SMTP", func(c *Config, v string) error {
		c.TLSCAFile = v
		if v == "" {
			return nil
		}
		_, err := os.Stat(v)
		return err
	}},
	{"MAIL_FROM", func(c *Config) string { return c.HelpdeskAddress }, false, "From address of outgoing mail", func(c *Config, v string) error {
		var err error
		c.MailFrom, err = domain.NormalizeEmail(v)
		return stripInvalid(err)
	}},
	{"SECRET_KEY", fixed(""), true, "key for approval tokens (default: generated once and kept in the database)", func(c *Config, v string) error {
		if v != "" && len(v) < 32 {
			return errors.New("too short: use at least 32 characters")
		}
		c.SecretKey = v
		return nil
	}},
	{"TRUSTED_AUTHSERV_ID", fixed(""), false, "require DMARC/DKIM pass from this Authentication-Results server on approval replies", func(c *Config, v string) error { c.TrustedAuthservID = v; return nil }},
	{"REFUSALS_PER_HOUR", fixed(strconv.Itoa(domain.DefaultRefusalsPerHour)), false,
		"refusals mailed to senders outside ALLOWED_SENDER_DOMAINS per hour, all senders together; past it refused mail is only logged (0: never)",
		func(c *Config, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 || n > 1000000 {
				return fmt.Errorf("%q is not a whole number from 0 to 1000000", v)
			}
			c.RefusalsPerHour = n
			return nil
		}},
	{"ATTACHMENTS_DIR", fixed(""), false, "keep attachments in this directory (default: in the database)", func(c *Config, v string) error { c.AttachmentsDir = v; return nil }},
	{"MAX_MESSAGE_BYTES", fixed("25MiB"), false, "largest mail accepted (bytes, or with KB/MB/KiB/MiB)", func(c *Config, v string) error {
		n, err := parseSize(v)
		c.MaxMessageBytes = n
		return err
	}},
	{"OPENAI_API_KEY", fixed(""), true, "enables the OpenAI-compatible classifier", func(c *Config, v string) error { c.OpenAIAPIKey = v; return nil }},
	{"OPENAI_BASE_URL", fixed(""), false, "OpenAI-compatible endpoint (default: the official API)", func(c *Config, v string) error {
		c.OpenAIBaseURL = v
		if v == "" {
			return nil
		}
		if u, err := url.Parse(v); err != nil || u.Host == "" {
			return errors.New("want an absolute URL")
		}
		return nil
	}},
	{"LEAVE_READ_INTERVAL", fixed(domain.DefaultLeavePeriod.String()), false,
		"how often the leave status of team members with a leave_source is read from Microsoft 365 or Google (at least 1m)",
		func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Minute {
				return fmt.Errorf("%q is not a duration of at least 1m (like 5m)", v)
			}
			c.LeaveReadInterval = d
			return nil
		}},
	{"GRAPH_URL", fixed("https://graph.microsoft.com/v1.0"), false, "Microsoft Graph's base URL, with its version (a national cloud's, or a test's)",
		absoluteURLInto(func(c *Config) *string { return &c.GraphURL })},
	{"GOOGLE_API_URL", fixed("https://www.googleapis.com"), false, "the base URL of Google's Gmail and Calendar APIs (a test's)",
		absoluteURLInto(func(c *Config) *string { return &c.GoogleAPIURL })},
	{"MICROSOFT_LOGIN_URL", fixed("https://login.microsoftonline.com"), false,
		"the Microsoft identity platform's base URL, where app-only tokens of microsoft365 mailboxes are fetched (a national cloud's, or a test's)",
		absoluteURLInto(func(c *Config) *string { return &c.MicrosoftLoginURL })},
	{"OPENAI_MODEL", fixed("gpt-4o-mini"), false, "model name for classification", func(c *Config, v string) error { c.OpenAIModel = v; return nil }},
	{"CLASSIFY_TIMEOUT", fixed("10s"), false, "how long to wait for the model before falling back to local", durationInto(func(c *Config) *time.Duration { return &c.ClassifyTimeout })},
	{"CLASSIFY_MIN_CONFIDENCE", fixed("0.55"), false, "below this confidence a ticket goes to triage (0.55: tuned, see docs/classification.md)", func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1 {
			return fmt.Errorf("%q is not a number from 0 to 1", v)
		}
		c.ClassifyMinConfidence = f
		return nil
	}},
	{"APPROVAL_REMIND_AFTER", fixed("24h"), false, "remind approvers after", durationInto(func(c *Config) *time.Duration { return &c.ApprovalRemindAfter })},
	{"APPROVAL_EXPIRE_AFTER", fixed("168h"), false, "escalate approvals to the admins after this wait (0: never)", func(c *Config, v string) error {
		if v == "0" {
			c.ApprovalExpireAfter = 0
			return nil
		}
		return durationInto(func(c *Config) *time.Duration { return &c.ApprovalExpireAfter })(c, v)
	}},
	{"REOPEN_WITHIN", fixed("336h"), false, "resolved tickets close after", durationInto(func(c *Config) *time.Duration { return &c.ReopenWithin })},
	{"OUTBOX_MAX_ATTEMPTS", fixed("10"), false, "send attempts before a mail is dead", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("%q is not a whole number of at least 1", v)
		}
		c.OutboxMaxAttempts = n
		return nil
	}},
	{"WEBHOOK_ALLOW_PRIVATE", fixed("0"), false, "1: webhooks may be sent to loopback, link-local and private addresses (tests, a receiver on the same network)",
		func(c *Config, v string) error {
			switch v {
			case "0", "1":
				c.WebhookAllowPrivate = v == "1"
				return nil
			}
			return fmt.Errorf("%q is not 0 or 1", v)
		}},
	{"TRIAGE_DIGEST_INTERVAL", fixed(domain.DefaultTriageDigestInterval.String()), false,
		"at most one mail per admin per this interval lists the tickets waiting in triage, when something new waits (at least 1m)",
		func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Minute {
				return fmt.Errorf("%q is not a duration of at least 1m (like 15m or 1h)", v)
			}
			c.TriageDigestInterval = d
			return nil
		}},
	{"ACKS_PER_SENDER_PER_HOUR", fixed(strconv.Itoa(domain.DefaultAcksPerSenderPerHour)), false,
		"acknowledgements mailed to one requester per hour; past it the ticket is made and its history says the acknowledgement was skipped (0: never)",
		func(c *Config, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 || n > 1000000 {
				return fmt.Errorf("%q is not a whole number from 0 to 1000000", v)
			}
			c.AcksPerSenderPerHour = n
			return nil
		}},
	{"OUTBOX_RETENTION", fixed(domain.DefaultOutboxRetention.String()), false,
		"sent mail keeps its headers but its body is dropped after this long (0: kept for ever; else at least 1h)",
		func(c *Config, v string) error {
			if v == "0" {
				c.OutboxRetention = 0
				return nil
			}
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Hour {
				return fmt.Errorf("%q is not 0 or a duration of at least 1h (like 720h)", v)
			}
			c.OutboxRetention = d
			return nil
		}},
	{"OIDC_ISSUER", fixed(""), false, "single sign-on: the OpenID Connect issuer URL (https://…); empty turns it off", func(c *Config, v string) error {
		c.OIDC.Issuer = v
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errors.New("want an absolute https:// (or http://) URL")
		}
		return nil
	}},
	{"OIDC_CLIENT_ID", fixed(""), false, "single sign-on: the client (application) id registered at the provider", func(c *Config, v string) error {
		c.OIDC.ClientID = v
		if c.OIDC.Issuer != "" && v == "" {
			return errors.New("required with OIDC_ISSUER")
		}
		return nil
	}},
	{"OIDC_CLIENT_SECRET", fixed(""), true, "single sign-on: the client secret", func(c *Config, v string) error {
		c.OIDC.ClientSecret = v
		if c.OIDC.Issuer != "" && v == "" {
			return errors.New("required with OIDC_ISSUER")
		}
		return nil
	}},
	{"OIDC_NAME", fixed("single sign-on"), false, "single sign-on: the button says \"Sign in with\" this", func(c *Config, v string) error {
		if strings.ContainsAny(v, "\r\n") || len(v) > 100 {
			return errors.New("must be one line of at most 100 characters")
		}
		c.OIDC.Name = v
		return nil
	}},
	{"OIDC_ALLOWED_DOMAINS", fixed(""), false, "single sign-on: comma-separated email domains whose people get an employee account at their first sign-on (empty: none)", func(c *Config, v string) error {
		c.OIDC.AllowedDomains = nil
		for _, d := range strings.Split(v, ",") {
			d = strings.ToLower(strings.TrimSpace(d))
			if d == "" {
				continue
			}
			if strings.ContainsAny(d, "@ /*") || !strings.Contains(d, ".") && d != "localhost" {
				return fmt.Errorf("%q is not a domain", d)
			}
			c.OIDC.AllowedDomains = append(c.OIDC.AllowedDomains, d)
		}
		return nil
	}},
	{"OIDC_ADMIN_GROUP", fixed(""), false, "single sign-on: members of this group (groups claim) become admins at each sign-on", func(c *Config, v string) error {
		c.OIDC.AdminGroup = v
		return nil
	}},
	{"OIDC_AGENT_GROUP", fixed(""), false, "single sign-on: members of this group (groups claim) become agents at each sign-on, unless admins", func(c *Config, v string) error {
		c.OIDC.AgentGroup = v
		return nil
	}},
	{"OIDC_ONLY", fixed("0"), false, "1 turns password sign-in off for everyone but OIDC_BREAK_GLASS", func(c *Config, v string) error {
		switch v {
		case "0", "":
			c.OIDC.Only = false
		case "1":
			if c.OIDC.Issuer == "" {
				return errors.New("needs OIDC_ISSUER")
			}
			c.OIDC.Only = true
		default:
			return fmt.Errorf("%q is not 0 or 1", v)
		}
		return nil
	}},
	{"OIDC_BREAK_GLASS", fixed(""), false, "the one admin address that may still sign in with a password when OIDC_ONLY=1", func(c *Config, v string) error {
		c.OIDC.BreakGlass = ""
		if v == "" {
			return nil
		}
		var err error
		c.OIDC.BreakGlass, err = domain.NormalizeEmail(v)
		return stripInvalid(err)
	}},
	{"LOG_LEVEL", fixed("info"), false, "debug, info, warn or error", func(c *Config, v string) error {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return fmt.Errorf("%q is not debug, info, warn or error", v)
		}
		return nil
	}},
	{"LOG_FORMAT", fixed("text"), false, "text or json", func(c *Config, v string) error {
		if v != "text" && v != "json" {
			return fmt.Errorf("%q is not text or json", v)
		}
		c.LogFormat = v
		return nil
	}},
}

// flagName is a variable's command-line flag: DATABASE_URL → database-url.
func flagName(varName string) string {
	return strings.ReplaceAll(strings.ToLower(varName), "_", "-")
}

// configFlags registers every setting as a flag of fs and returns the
// values given on the command line, by variable name.
func configFlags(fs *flag.FlagSet) map[string]string {
	given := map[string]string{}
	for _, s := range settings {
		fs.Func(flagName(s.name), s.help+" ("+s.name+")", func(v string) error {
			given[s.name] = v
			return nil
		})
	}
	return given
}

// loadConfig builds the Config from, lowest first: defaults, the .env file
// (dotenv, may be nil), the environment, NAME_FILE for secrets, and flags.
// The error names the variable and the problem in one line.
func loadConfig(lookupEnv func(string) (string, bool), dotenv map[string]string, flags map[string]string) (*Config, error) {
	c := &Config{}
	for _, s := range settings {
		v, from, ok, err := lookup(s, lookupEnv, dotenv, flags)
		if err != nil {
			return nil, err
		}
		if !ok {
			v = s.def(c)
		}
		if err := s.set(c, strings.TrimSpace(v)); err != nil {
			return nil, fmt.Errorf("%s: %v", s.name+from, err)
		}
	}
	return c, nil
}

// lookup returns a setting's raw value, where it came from (a suffix for
// messages), and whether it is set at all (else the default applies).
func lookup(s setting, lookupEnv func(string) (string, bool), dotenv, flags map[string]string) (string, string, bool, error) {
	if v, ok := flags[s.name]; ok {
		return v, " (--" + flagName(s.name) + ")", true, nil
	}
	get := func(name string) (string, bool) {
		if v, ok := lookupEnv(name); ok {
			return v, true
		}
		v, ok := dotenv[name]
		return v, ok
	}
	v, ok := get(s.name)
	if s.secret {
		if path, fok := get(s.name + "_FILE"); fok && path != "" {
			if ok && v != "" {
				return "", "", false, fmt.Errorf("%s and %s_FILE are both set: keep one", s.name, s.name)
			}
			v, err := readSecretFile(path)
			if err != nil {
				return "", "", false, fmt.Errorf("%s_FILE: %v", s.name, err)
			}
			return v, " (from " + s.name + "_FILE)", true, nil
		}
	}
	if !ok || v == "" {
		return "", "", false, nil
	}
	return v, "", true, nil
}

// readSecretFile is the secret a NAME_FILE (or a mailbox's *_file) names:
// the file's content without its trailing line break.
func readSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// readDotenv reads KEY=VALUE lines from path; a missing file is no error.
// Lines may start with "export "; values may be in single or double quotes
// (taken as they are inside); # starts a comment, on a line of its own or
// after a value and a space (VALUE # note), as in other .env readers: a #
// inside a word (pass#word) or inside quotes is the value's.
func readDotenv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("%s:%d: want KEY=VALUE", path, n)
		}
		out[k] = dotenvValue(strings.TrimSpace(v))
	}
	return out, sc.Err()
}

// dotenvValue is a .env value as written after the =: the text inside its
// quotes, or the text before an inline comment (" #" or a tab and #).
func dotenvValue(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') {
		if end := strings.IndexByte(v[1:], v[0]); end >= 0 {
			if rest := strings.TrimSpace(v[end+2:]); rest == "" || strings.HasPrefix(rest, "#") {
				return v[1 : end+1]
			}
		}
	}
	for i := 1; i < len(v); i++ {
		if v[i] == '#' && (v[i-1] == ' ' || v[i-1] == '\t') {
			return strings.TrimSpace(v[:i])
		}
	}
	return v
}

// absoluteURLInto sets a field to an absolute http(s) URL.
func absoluteURLInto(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		u, err := url.Parse(v)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return fmt.Errorf("%q is not an absolute http or https URL", v)
		}
		*field(c) = strings.TrimSuffix(v, "/")
		return nil
	}
}

func durationInto(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%q is not a positive duration (like 30s, 5m or 24h)", v)
		}
		*field(c) = d
		return nil
	}
}

func checkHostPort(v string) error {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Errorf("%q is not host:port", v)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has no valid port", v)
	}
	return nil
}

func checkMailURL(v string, plain, implicitTLS string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Scheme != plain && u.Scheme != implicitTLS {
		return fmt.Errorf("scheme %q: want %s:// or %s://", u.Scheme, plain, implicitTLS)
	}
	if u.Hostname() == "" {
		return errors.New("no host")
	}
	if tls := u.Query().Get("tls"); tls != "" && tls != "none" {
		return fmt.Errorf("tls=%s: the only option is tls=none (plaintext)", tls)
	}
	return nil
}

// maxSize bounds every size setting: 1 TiB.
const maxSize = 1 << 40

// parseSize reads a size: a number of bytes, or with a unit ("25MiB",
// "10MB", "512 KiB", "1.5GB"; humanize.ParseBytes), at most maxSize.
func parseSize(v string) (int64, error) {
	n, err := humanize.ParseBytes(strings.TrimSpace(v))
	if err != nil || n == 0 || n > maxSize {
		return 0, fmt.Errorf("%q is not a size (like 25MiB or 1048576)", v)
	}
	return int64(n), nil
}

// stripVarName drops a leading "DATABASE_URL: " that the error already has.
func stripVarName(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(strings.TrimPrefix(err.Error(), "DATABASE_URL: "))
}

func stripInvalid(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(strings.TrimPrefix(err.Error(), domain.ErrInvalid.Error()+": "))
}
