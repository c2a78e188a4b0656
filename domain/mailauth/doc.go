// Package mailauth logs ticketgate in to mailboxes with OAuth2 instead of a
// password: Microsoft 365 and Google Workspace have switched password logins
// off (or allow them only as app passwords that admins forbid).
//
// It has four parts, none of which knows a mailbox table or a web page:
//
//   - SASL: XOAUTH2 (Google's and Microsoft's mechanism) and OAUTHBEARER
//     (RFC 7628) clients carrying a bearer token, and the choice between
//     them by what the server offers (OAUTHBEARER first, being the standard).
//     A ClientFactory gives the IMAP poller and the SMTP sender a fresh
//     client, with a fresh token, for each login.
//   - Providers: Generic (any OAuth2 server), Microsoft365 and Google
//     presets with their endpoints and scopes, for app-only access (client
//     credentials; a Google service account with domain-wide delegation)
//     and delegated access (authorization code with PKCE, see Authorization).
//   - Tokens: Source hands out access tokens, refreshing them before they
//     expire. A delegated mailbox's refresh token lives in a TokenStore
//     shared by every instance; see the algorithm below.
//   - Secrets at rest: Sealer encrypts refresh tokens and client secrets with
//     AES-256-GCM under a key derived from SECRET_KEY (HKDF-SHA256).
//
// # Refreshing across instances
//
// Providers that rotate refresh tokens (Microsoft does on every refresh)
// invalidate the old one when they issue the new one, and some treat a
// second use of an old one as theft and revoke the whole grant. So two
// instances must never refresh with the same refresh token, and the rotated
// one must never be lost. Source does it with the store's compare-and-swap
// alone, no lock service:
//
//  1. Load the stored token. An access token that is still good for longer
//     than the skew (another instance refreshed it) is used as it is.
//  2. Otherwise claim the refresh: Save(stored, stored with a lease of
//     Lease). Only one of several instances racing wins the swap; the
//     others see ErrStale, wait while the lease runs and go back to 1,
//     where they find the winner's new token.
//  3. The winner refreshes (its request is bounded well inside the lease),
//     then Save(claim, new token) — the rotated refresh token, or the old
//     one when the provider did not rotate — which also ends the lease. A
//     failed refresh ends the lease too, so another can try.
//
// A lease that runs out (an instance died mid-refresh) lets the next one
// try with the same refresh token: that is the one case of a second use,
// and the provider answers it as it answers a lost response. Leases compare
// wall clocks of instances, which are assumed to agree within seconds.
//
// When the provider answers invalid_grant (consent revoked, secret expired,
// refresh token too old or already used), Source returns an error that
// errors.Is ErrNeedsReauthorization: only an admin connecting the mailbox
// again helps, so callers stop retrying.
//
// No token or secret is ever formatted into an error or a log line: errors
// carry the provider's error code and description, never its response body,
// and StoredToken prints itself redacted.
package mailauth
