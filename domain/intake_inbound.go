package domain

import "time"

// Inbound is one received mail as the parser hands it to Desk: what it says
// and the header facts Desk needs to decide what it means. Addresses are
// normalized (see NormalizeEmail); Message-IDs are without angle brackets.
type Inbound struct {
	// MessageID is the mail's Message-ID, or for a mail without one a stable
	// id made from a hash of its bytes (so a redelivery is still a duplicate).
	MessageID  string
	InReplyTo  []string
	References []string

	From     string // the author's address ("" when From is missing or unparsable)
	FromName string
	// ReturnPath is the envelope sender from the Return-Path header: "" when
	// absent, "<>" for the null return path of bounces and auto-replies.
	ReturnPath string
	To         []string // To and Cc addresses
	// DeliveredTo holds Delivered-To / X-Original-To addresses, which show a
	// plus-address the mail was delivered to even when To does not.
	DeliveredTo []string
	Subject     string
	Date        time.Time // zero when missing or unparsable
	// AuthenticationResults holds the Authentication-Results header values
	// (RFC 8601), for TRUSTED_AUTHSERV_ID, in header order: the topmost
	// header first. MTAs prepend, so the first ones are those of the last
	// server the mail passed, and only a leading run of them can be trusted
	// (see authPass); the parser must keep this order.
	AuthenticationResults []string

	// Text is the whole readable body: the text/plain part, or the HTML part
	// turned into text when there is no plain one.
	Text string
	// NewText is Text without quoted earlier messages and signature: what
	// the author wrote in this mail.
	NewText string

	Attachments []InboundAttachment

	// Auto is what the headers and structure say about automatic mail.
	Auto AutoSignals

	// Size is the raw message's size in bytes.
	Size int64
	// Warnings are problems the parser worked around (a bad charset, a
	// broken part); they are kept for admins, not fatal.
	Warnings []string
	// Cut says what the parser left out at one of its limits ("the mail's
	// text is longer than 1 MiB"), one line each; empty when it read the
	// whole mail. Text ends with a marker line per cut. Receive keeps the
	// raw mail of a cut mail with its ticket as original.eml, so nothing
	// is lost.
	Cut []string
}

// InboundAttachment is a file that came with a mail, inline images included.
type InboundAttachment struct {
	Name        string
	ContentType string
	Content     []byte
	Inline      bool
}

// AutoSignals are the header facts that mark a mail as automatic (RFC 3834
// auto-replies, delivery reports, mailing lists). The parser fills them in;
// Desk decides what they mean.
type AutoSignals struct {
	AutoSubmitted string // Auto-Submitted value, lower case ("" when absent)
	XAutoreply    bool   // X-Autoreply or X-Autorespond present
	Precedence    string // Precedence value, lower case
	ListID        string // List-Id value
	// ReportType is the report-type of a multipart/report (delivery-status,
	// disposition-notification, feedback-report), lower case.
	ReportType string
	// ContentTypes lists the media types of every part, lower case, so DSN
	// and ARF parts are seen even outside multipart/report.
	ContentTypes []string
	// AutoReplyHeaders are other vendor markers present, by name
	// (X-Autoreply-From, X-MS-Exchange-Inbox-Rules-Loop,
	// X-MS-Exchange-Generated-Message-Source, X-Apple-Action when it says
	// VACATION, X-Failed-Recipients, X-Amz-Sns-Message-Id...). It also
	// lists X-Auto-Response-Suppress, which alone marks nothing: our own
	// mail carries it (see Automatic).
	AutoReplyHeaders []string
	// DSNStatus and DSNRecipients come from a delivery-status part, when
	// one is present.
	DSNStatus     string
	DSNRecipients []string
	// DSNAction is the most severe Action of the delivery-status part
	// (failed, delayed, delivered, relayed, expanded), lower case. A 4.x.x
	// status with Action failed is a final failure (the MTA gave up).
	DSNAction string
	// OriginalMessageID is the Message-ID of the mail a report (DSN, MDN,
	// ARF) is about, from its message/rfc822 or text/rfc822-headers part:
	// how a bounce finds the ticket whose mail it returns.
	OriginalMessageID string
}
