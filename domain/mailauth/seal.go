package mailauth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"time"
)

// sealV1 is the version byte of AES-256-GCM under the HKDF-SHA256 key.
const sealV1 = 1

// ErrUnsealable means a sealed value cannot be opened: tampered with,
// sealed for another record, or sealed under another SECRET_KEY.
var ErrUnsealable = errors.New("cannot open the sealed secret (SECRET_KEY changed, or the value was altered)")

// Sealer encrypts secrets at rest (refresh tokens, client secrets) under a
// key derived from SECRET_KEY. A sealed value is a version byte, a random
// 12-byte nonce and the AES-GCM ciphertext with its tag; the version byte
// and the caller's label (e.g. "mailbox:help@company.test:refresh_token")
// are authenticated, so a value copied to another record does not open.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer derives the key from secretKey (SECRET_KEY) with HKDF-SHA256.
func NewSealer(secretKey []byte) (*Sealer, error) {
	if len(secretKey) < 16 {
		return nil, errors.New("SECRET_KEY is too short to derive an encryption key (at least 16 bytes)")
	}
	key, err := hkdf.Key(sha256.New, secretKey, nil, "ticketgate mailauth seal v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

func additional(version byte, label string) []byte {
	return append([]byte{version}, label...)
}

// Seal encrypts plaintext for the record named by label.
func (s *Sealer) Seal(plaintext []byte, label string) ([]byte, error) {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	out[0] = sealV1
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out[1:], plaintext, additional(sealV1, label)), nil
}

// Open decrypts what Seal gave for the same label.
func (s *Sealer) Open(sealed []byte, label string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealV1 {
		return nil, ErrUnsealable
	}
	out, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], additional(sealV1, label))
	if err != nil {
		return nil, ErrUnsealable
	}
	return out, nil
}

// SealedToken is a StoredToken as a database row keeps it: both tokens
// sealed, the times and the version in clear (the store compares and
// orders by them).
type SealedToken struct {
	AccessToken  []byte // nil when there is none
	RefreshToken []byte
	Expiry       time.Time
	LeaseUntil   time.Time
	Version      int64
}

// SealToken seals t's tokens for the record named by label (e.g.
// "mailbox:help@company.test"); each token gets its own label suffix, so
// the two cannot be swapped.
func (s *Sealer) SealToken(t StoredToken, label string) (SealedToken, error) {
	out := SealedToken{Expiry: t.Expiry, LeaseUntil: t.LeaseUntil, Version: t.Version}
	var err error
	if t.AccessToken != "" {
		if out.AccessToken, err = s.Seal([]byte(t.AccessToken), label+":access_token"); err != nil {
			return SealedToken{}, err
		}
	}
	if t.RefreshToken != "" {
		if out.RefreshToken, err = s.Seal([]byte(t.RefreshToken), label+":refresh_token"); err != nil {
			return SealedToken{}, err
		}
	}
	return out, nil
}

// OpenToken opens what SealToken sealed under the same label.
func (s *Sealer) OpenToken(t SealedToken, label string) (StoredToken, error) {
	out := StoredToken{Expiry: t.Expiry, LeaseUntil: t.LeaseUntil, Version: t.Version}
	if t.AccessToken != nil {
		b, err := s.Open(t.AccessToken, label+":access_token")
		if err != nil {
			return StoredToken{}, err
		}
		out.AccessToken = string(b)
	}
	if t.RefreshToken != nil {
		b, err := s.Open(t.RefreshToken, label+":refresh_token")
		if err != nil {
			return StoredToken{}, err
		}
		out.RefreshToken = string(b)
	}
	return out, nil
}
