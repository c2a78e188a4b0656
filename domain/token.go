package domain

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Approval tokens (docs/design.md "Approvals"): "apr-<approval id>-<mac>", where
// mac is an HMAC-SHA256 with the server secret of the approval's id and
// approver, in 26 lower-case base32 characters (128 bits). Nothing is
// stored: a token is valid for the approval and approver it names, and a
// changed id or approver makes another mac. The token travels in the
// approval mail's Message-ID, in its plus-address Reply-To and in a line at
// the end of its body, so a reply can be matched by any of them.

// secretKeySetting names the generated secret in the settings table.
const secretKeySetting = "secret_key"

// WithSecretKey sets the server secret (SECRET_KEY). Without it the Desk
// uses one generated at first need and kept in the database, shared by
// every instance.
func WithSecretKey(key string) Option {
	return func(d *Desk) {
		if key != "" {
			d.secret.key = []byte(key)
		}
	}
}

// secretKey holds the Desk's secret once known.
type secretKey struct {
	mu  sync.Mutex
	key []byte
}

// secretKey returns the server secret, generating and storing one on first
// use when none was configured. Instances racing to create it all end up
// with the one that was stored first.
func (d *Desk) secretKey(ctx context.Context, tx Store) ([]byte, error) {
	d.secret.mu.Lock()
	defer d.secret.mu.Unlock()
	if d.secret.key != nil {
		return d.secret.key, nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("generate secret key: %w", err)
	}
	stored, err := tx.PutSettingIfAbsent(ctx, secretKeySetting, base64.RawStdEncoding.EncodeToString(b))
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	key, err := base64.RawStdEncoding.DecodeString(stored)
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("secret key in the database is damaged")
	}
	d.secret.key = key
	return key, nil
}

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// approvalToken returns the token of approval id for approver.
func approvalToken(key []byte, id int64, approver string) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "approval\x00%d\x00%s", id, strings.ToLower(approver))
	sum := m.Sum(nil)
	return fmt.Sprintf("apr-%d-%s", id, strings.ToLower(tokenEncoding.EncodeToString(sum[:16])))
}

// tokenRE finds approval tokens in Message-IDs, addresses and text.
var tokenRE = regexp.MustCompile(`(?i)\bapr-(\d{1,18})-([a-z2-7]{26})\b`)

// parsedToken is a token found in a mail: the approval id it names, as
// written. Only checkToken says whether it is genuine.
type parsedToken struct {
	id    int64
	token string
}

func findTokens(s string) []parsedToken {
	var out []parsedToken
	for _, m := range tokenRE.FindAllStringSubmatch(s, -1) {
		id, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			continue
		}
		out = append(out, parsedToken{id: id, token: strings.ToLower(m[0])})
	}
	return out
}

// checkToken reports whether tok is the genuine token of approval a.
func checkToken(key []byte, tok string, a *Approval) bool {
	return hmac.Equal([]byte(tok), []byte(approvalToken(key, a.ID, a.Approver)))
}

// approvalReplyTo is the plus address approvers answer to.
func approvalReplyTo(helpdesk, token string) string {
	local, domain, _ := strings.Cut(helpdesk, "@")
	return local + "+" + token + "@" + domain
}

// replyTokens returns the approval tokens a reply carries, best evidence
// first: In-Reply-To and References (our Message-IDs), then the addresses it
// was sent to (the plus address), then the quoted text.
func replyTokens(in *Inbound) []parsedToken {
	var out []parsedToken
	seen := map[string]bool{}
	add := func(ts []parsedToken) {
		for _, t := range ts {
			if !seen[t.token] {
				seen[t.token] = true
				out = append(out, t)
			}
		}
	}
	for _, ref := range append(append([]string{}, in.InReplyTo...), in.References...) {
		add(findTokens(ref))
	}
	for _, addr := range append(append([]string{}, in.DeliveredTo...), in.To...) {
		add(findTokens(addr))
	}
	add(findTokens(in.Text))
	return out
}
