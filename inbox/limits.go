package inbox

import (
	"strconv"
	"time"
)

// Limits of the parser, all in one place (docs/mail-in.md "Limits" lists
// them for admins). A mail is hostile input: each limit keeps what Parse
// spends and what it returns within a small multiple of the mail's size, and
// within a fixed ceiling whatever the size. Past a limit the parser keeps
// what it has, says what it left out in Inbound.Cut (and Warnings), and
// never fails: the whole mail stays available as its raw source, which
// Desk stores with the ticket as original.eml when something was cut.
const (
	// maxHeaderBytes bounds one header block (the mail's or a part's). The
	// fields past it are skipped up to the end of the block.
	maxHeaderBytes = 1 << 20
	// maxMediaTypeBytes bounds the Content-Type or Content-Disposition
	// value whose parameters are read (a file name, a boundary, a
	// charset); the parameters past it are ignored.
	maxMediaTypeBytes = 16 << 10
	// maxHeaderText bounds a decoded header value shown to people: the
	// Subject, the From display name, the List-Id.
	maxHeaderText = 1000
	// maxAddressesPerHeader bounds the addresses read from one To, Cc,
	// From, Delivered-To or X-Original-To field.
	maxAddressesPerHeader = 1000
	// maxAddressListBytes bounds an address field read by the RFC 5322
	// parser (which allocates a few times its size); a longer one is read
	// by the loose tokenizer, which keeps only the addresses.
	maxAddressListBytes = 64 << 10
	// maxAddresses bounds the addresses kept in Inbound.To, in
	// Inbound.DeliveredTo and in the DSN recipients, each.
	maxAddresses = 1000
	// maxMessageIDs bounds the ids kept from References (the first one,
	// the thread's root, and the newest ones) and from In-Reply-To.
	maxMessageIDs = 100
	// maxDepth bounds the nesting of multiparts.
	maxDepth = 16
	// maxParts bounds the MIME parts looked at in one mail.
	maxParts = 512
	// maxAttachments bounds the attachments kept from one mail.
	maxAttachments = 100
	// maxTextBytes bounds Inbound.Text: the body text kept, in bytes of
	// UTF-8. Longer text is cut with cutMarker.
	maxTextBytes = 1 << 20
	// maxTextSource bounds the bytes of one text part that are decoded
	// from their charset: what could still be kept after decoding. A
	// charset decodes one byte to at most three of UTF-8, or four bytes to
	// one (UTF-32).
	maxTextSource = 4 * maxTextBytes
	// maxQuoteDepth bounds the "> " prefixes written for nested HTML
	// blockquotes: deeper quotes are written at this depth.
	maxQuoteDepth = 8
	// maxOpenLinks bounds the nested <a> elements whose target is shown
	// after their text; the targets of deeper ones are left out.
	maxOpenLinks = 32
	// maxLines bounds the lines NewText looks at. When no quote starts
	// within them, the new text is the first maxLines lines and cutMarker.
	maxLines = 100000
	// maxWarnings bounds Inbound.Warnings; a broken mail can make hundreds.
	maxWarnings = 20
)

// cutMarker ends a text that was cut at a limit. The raw mail is kept
// whole as original.eml on the ticket (see domain.Inbound.Cut).
func cutMarker(what string) string {
	return "[… cut: " + what + "; the whole mail is kept as original.eml]"
}

// textCut is the Inbound.Cut note and the marker's reason for a body text
// longer than maxTextBytes (TestLimitNames checks that they agree).
const textCut = "the mail's text is longer than 1 MiB"

// linesCut is the Inbound.Cut note for a new text cut at maxLines.
const linesCut = "the mail's text has more than 100000 lines"

// sizeName writes a byte count as people read it ("1 MiB", "1000 bytes").
func sizeName(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.Itoa(n>>20) + " MiB"
	}
	if n >= 1<<10 && n%(1<<10) == 0 {
		return strconv.Itoa(n>>10) + " KiB"
	}
	return strconv.Itoa(n) + " bytes"
}

// Bounds of the SMTP/LMTP receivers. A flood of senders holds at most
// SMTP_MAX_SESSIONS sessions, each with at most one mail of
// MAX_MESSAGE_BYTES in memory; a refused connection costs one write and
// one close, nothing is queued for it.
const (
	// DefaultMaxSessions is SMTP_MAX_SESSIONS' default.
	DefaultMaxSessions = 100
	// DefaultMaxCommands is SMTP_MAX_COMMANDS' default: commands a
	// connection may send without delivering a mail (RSET, NOOP, VRFY,
	// refused RCPTs…). An MTA needs a handful per mail.
	DefaultMaxCommands = 1000
	// DefaultMaxConnTime bounds the whole life of one connection, however
	// busy: a client that drips a command every few minutes is cut here.
	DefaultMaxConnTime = 30 * time.Minute
	// MaxLineLength bounds a command line and a line of mail data (RFC 5321
	// allows 1000; MTAs fold longer lines before sending).
	MaxLineLength = 2000
	// MaxRecipients bounds the recipients of one mail.
	MaxRecipients = 100
	// smallMailBytes is what a session reads of a mail on its own; a
	// larger mail must hold one of maxLargeMails slots to be read on,
	// parsed and committed. Most mail is far below it.
	smallMailBytes = 256 << 10
	// maxLargeMails is how many mails over smallMailBytes the receivers
	// hold in memory at once: with MAX_MESSAGE_BYTES at 25 MiB, one such
	// mail costs about 100 MB while it is parsed and committed.
	maxLargeMails = 1
	// largeMailWait bounds the wait for a large-mail slot; past it the
	// sender is told to try again later (451), as an MTA then does.
	largeMailWait = 2 * time.Minute
)

// The replies the receivers write themselves.
const (
	replyTooManySessions = "421 4.7.0 too many connections, try again later\r\n"
	replyTooManyCommands = "421 4.7.0 too many commands without a mail, closing connection\r\n"
	replyConnTime        = "421 4.4.2 connection time limit reached, closing connection\r\n"
)
