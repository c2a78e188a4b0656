package mailauth

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestSealOpen(t *testing.T) {
	s, err := NewSealer([]byte("a SECRET_KEY of some length"))
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("rt-0.AAAArefresh-token")
	const label = "mailbox:help@company.test:refresh_token"
	sealed, err := s.Seal(plain, label)
	if err != nil {
		t.Fatal(err)
	}
	if sealed[0] != 1 || bytes.Contains(sealed, plain) || len(sealed) != 1+12+len(plain)+16 {
		t.Errorf("sealed = %x", sealed)
	}
	if again, _ := s.Seal(plain, label); bytes.Equal(again, sealed) {
		t.Error("two seals are equal: the nonce is not random")
	}
	got, err := s.Open(sealed, label)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// Every altered byte, the version byte included, fails.
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x20
		if _, err := s.Open(bad, label); !errors.Is(err, ErrUnsealable) {
			t.Fatalf("byte %d altered: Open = %v", i, err)
		}
	}
	if _, err := s.Open(sealed[:len(sealed)-1], label); !errors.Is(err, ErrUnsealable) {
		t.Error("truncated value opened")
	}
	if _, err := s.Open(sealed, "mailbox:hr@company.test:refresh_token"); !errors.Is(err, ErrUnsealable) {
		t.Error("a value opened under another record's label")
	}
	other, _ := NewSealer([]byte("another SECRET_KEY entirely"))
	if _, err := other.Open(sealed, label); !errors.Is(err, ErrUnsealable) {
		t.Error("a value opened under another SECRET_KEY")
	}
	if _, err := NewSealer([]byte("short")); err == nil {
		t.Error("a 5-byte SECRET_KEY was accepted")
	}
}

func TestSealToken(t *testing.T) {
	s, _ := NewSealer([]byte("a SECRET_KEY of some length"))
	tok := StoredToken{AccessToken: "at-1", RefreshToken: "rt-1", Expiry: time.Now().Add(time.Hour).Round(0), Version: 7}
	sealed, err := s.SealToken(tok, "mailbox:help@company.test")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed.AccessToken, []byte("at-1")) || bytes.Contains(sealed.RefreshToken, []byte("rt-1")) || sealed.Version != 7 {
		t.Errorf("sealed %+v", sealed)
	}
	got, err := s.OpenToken(sealed, "mailbox:help@company.test")
	if err != nil || got != tok {
		t.Fatalf("OpenToken = %v, %v; want %v", got, err, tok)
	}
	swapped := sealed
	swapped.AccessToken, swapped.RefreshToken = sealed.RefreshToken, sealed.AccessToken
	if _, err := s.OpenToken(swapped, "mailbox:help@company.test"); !errors.Is(err, ErrUnsealable) {
		t.Error("the access and refresh tokens could be swapped")
	}
	if _, err := s.OpenToken(sealed, "mailbox:hr@company.test"); !errors.Is(err, ErrUnsealable) {
		t.Error("a token opened under another mailbox")
	}
	// A grant without an access token yet keeps none.
	part, _ := s.SealToken(StoredToken{RefreshToken: "rt-2"}, "m")
	if got, err := s.OpenToken(part, "m"); err != nil || got.AccessToken != "" || got.RefreshToken != "rt-2" || part.AccessToken != nil {
		t.Errorf("refresh token only: %v, %v", got, err)
	}
}
