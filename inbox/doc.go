// Package inbox takes mail in: the IMAP poller (go-imap v2), the built-in
// SMTP/LMTP receiver (go-smtp), and MIME parsing into what domain decides on
// (go-message). It imports domain only (and domain/mailauth, whose OAuth2
// logins the poller can use); cmd/ticketgate wires it into serve.
package inbox

// # Parsing
//
// Parse reads the whole raw mail from memory. It splits headers and
// multipart bodies itself over the byte slice (lenient about line endings,
// broken folds, missing boundaries and unclosed multiparts), and uses the
// charsets go-message/charset knows (ISO-8859-x, Windows-125x, KOI8-R,
// Shift_JIS, ISO-2022-JP, GBK, Big5, EUC-KR…) and net/mail for address
// lists. What it works around goes to Inbound.Warnings; it fails only on
// input with no header at all.
//
// A mail is hostile input. Every step runs in time linear in the mail and
// returns a small multiple of it, within the limits of limits.go (header
// bytes, addresses, parts, depth, attachments, text bytes, quote depth,
// lines): folded lines are joined in one buffer, addresses de-duplicated
// with a set, a text part is decoded only as deep as its text can be kept.
// What a limit leaves out is listed in Inbound.Cut and marked at the end of
// Text; the raw mail is then kept with the ticket as original.eml. The body text is the text/plain part (the first non-empty
// one of a multipart/alternative), else the HTML part turned into text.
// message/rfc822 parts are attachments, never body text. Delivery-status
// parts fill Inbound.Auto's DSN fields.
//
// # Reply stripping
//
// NewText keeps what the author wrote above the quoted mail. It scans the
// lines from the top for the first line that starts quoted matter and cuts
// there:
//
//   - a line starting with ">" (and a short "…<a@b> schrieb:" line right
//     above it);
//   - an attribution line: it ends with ":" (or is framed by dashes, as
//     Zoho writes it), names a date or an address, and has a "wrote" verb
//     in one of ~25 languages or ends with "<address>:" (Gmail in Russian).
//     Clients wrap long attributions, so up to three lines are joined when
//     the first looks like the start of one;
//   - a banner: "-----Original Message-----" and its translations, any
//     "--- text ---" line, or a rule of dashes, underscores or "=" directly
//     above a header block or a "Key : date" line;
//   - a quoted header block (Outlook, Apple Mail, webmails, in many
//     languages): three header lines ("From:", "Sent:", "To:", "Von:",
//     "De :", "Отправлено:"…) within seven lines, one naming the author;
//   - a mobile footer on a line of its own ("Sent from my iPhone",
//     "Envoyé de mon iPad", "Get Outlook for iOS"), which also ends what
//     the author wrote.
//
// From what is above the cut, the signature goes: from a "-- " line, or a
// "-Name" line or "____" rule followed by a short block, or a closing
// formula ("Regards,", "Mit freundlichen Grüßen") followed by at most six
// short lines (a name and a title). "Thanks," stays: it is often the whole
// message. When nothing is left above the quote, the reply is inline: the
// unquoted lines between quoted passages are the new text. When even that
// is empty, the whole body is returned, so a reply never comes back empty.
// HTML is first turned into text with blockquotes as "> " lines and <hr> as
// an Outlook rule, so the same rules strip HTML replies. Every rule works
// line by line with cheap tests before any regular expression, in time
// linear in the body.
