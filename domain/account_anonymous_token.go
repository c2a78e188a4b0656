package domain

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
)

// Anonymous tokens: a visitor who is not signed in gets a CSRF token in a
// cookie, sent back with the sign-in, forgot-password and password-link
// forms. The token is "nonce.mac": a random 256-bit nonce and an
// HMAC-SHA256 of it with the server secret (SECRET_KEY, or the generated
// one), so the portal accepts only tokens it made. A value planted by
// someone else (a sibling subdomain can set cookies for this site) is
// refused and replaced, and cannot be paired with a form the attacker
// fills in.

// anonymousTokenLen bounds what CheckAnonymousToken reads.
const anonymousTokenLen = 200

// AnonymousToken returns a new signed token for an anonymous visitor.
func (d *Desk) AnonymousToken(ctx context.Context) (string, error) {
	key, err := d.secretKey(ctx, d.store)
	if err != nil {
		return "", fmt.Errorf("anonymous token: %w", err)
	}
	nonce, err := randomToken(32)
	if err != nil {
		return "", err
	}
	return nonce + "." + anonymousMAC(key, nonce), nil
}

// CheckAnonymousToken reports whether token is one that AnonymousToken
// made with this server's secret. The error is only for a secret that
// could not be read.
func (d *Desk) CheckAnonymousToken(ctx context.Context, token string) (bool, error) {
	nonce, mac, ok := strings.Cut(token, ".")
	if !ok || len(token) > anonymousTokenLen || len(nonce) < 43 {
		return false, nil
	}
	key, err := d.secretKey(ctx, d.store)
	if err != nil {
		return false, fmt.Errorf("anonymous token: %w", err)
	}
	return hmac.Equal([]byte(mac), []byte(anonymousMAC(key, nonce))), nil
}

func anonymousMAC(key []byte, nonce string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("anonymous-csrf\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
