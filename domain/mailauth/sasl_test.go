package mailauth

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
)

func TestXOAuth2InitialResponse(t *testing.T) {
	c := NewXOAuth2Client("alice@company.test", "ya29.TOKEN")
	mech, ir, err := c.Start()
	if err != nil || mech != "XOAUTH2" {
		t.Fatalf("Start() = %q, _, %v", mech, err)
	}
	// The example of Google's documentation, with our user and token.
	want := "dXNlcj1hbGljZUBjb21wYW55LnRlc3QBYXV0aD1CZWFyZXIgeWEyOS5UT0tFTgEB"
	if got := base64.StdEncoding.EncodeToString(ir); got != want {
		t.Errorf("initial response = %s, want %s", got, want)
	}
	if string(ir) != "user=alice@company.test\x01auth=Bearer ya29.TOKEN\x01\x01" {
		t.Errorf("initial response = %q", ir)
	}
}

func TestXOAuth2ErrorChallenge(t *testing.T) {
	c := NewXOAuth2Client("alice@company.test", "expired")
	c.Start()
	challenge := []byte(`{"status":"401","schemes":"Bearer","scope":"https://mail.google.com/"}`)
	resp, err := c.Next(challenge)
	if err != nil || resp == nil || len(resp) != 0 {
		t.Fatalf("Next(error) = %q, %v; want an empty response, no error", resp, err)
	}
	_, err = c.Next([]byte("again"))
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Status != "401" || ae.Mechanism != XOAuth2 {
		t.Fatalf("second Next = %v; want the AuthError of the challenge", err)
	}
	if got := err.Error(); got != "XOAUTH2 login refused: 401" {
		t.Errorf("error = %q", got)
	}
}

func TestOAuthBearerEncoding(t *testing.T) {
	c := NewOAuthBearerClient("alice@company.test", "TOKEN", "imap.company.test", 993)
	mech, ir, err := c.Start()
	if err != nil || mech != "OAUTHBEARER" {
		t.Fatalf("Start() = %q, _, %v", mech, err)
	}
	if want := "n,a=alice@company.test,\x01host=imap.company.test\x01port=993\x01auth=Bearer TOKEN\x01\x01"; string(ir) != want {
		t.Errorf("initial response = %q, want %q", ir, want)
	}
	// RFC 7628 3.2.3: an error challenge is answered with ^A.
	resp, err := c.Next([]byte(`{"status":"invalid_token","schemes":"bearer"}`))
	if err != nil || string(resp) != "\x01" {
		t.Fatalf("Next(error) = %q, %v; want ^A", resp, err)
	}
	_, err = c.Next(nil)
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Status != "invalid_token" {
		t.Errorf("second Next = %v", err)
	}
}

// TestSASLAgainstServer runs both clients against go-sasl's OAUTHBEARER
// server, the way a server library drives them.
func TestOAuthBearerAgainstServer(t *testing.T) {
	for _, good := range []bool{true, false} {
		var gotUser, gotToken string
		srv := sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			gotUser, gotToken = o.Username, o.Token
			if !good {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			return nil
		})
		c := NewOAuthBearerClient("alice@company.test", "T0K", "", 0)
		_, ir, _ := c.Start()
		challenge, done, err := srv.Next(ir)
		if good {
			if !done || err != nil || gotUser != "alice@company.test" || gotToken != "T0K" {
				t.Errorf("good token: done %v err %v user %q token %q", done, err, gotUser, gotToken)
			}
			continue
		}
		if done || err != nil {
			t.Fatalf("bad token: server done %v err %v, want an error challenge", done, err)
		}
		resp, err := c.Next(challenge)
		if err != nil {
			t.Fatal(err)
		}
		if _, done, err = srv.Next(resp); !done || err == nil {
			t.Errorf("after ^A: done %v err %v; want the server to fail the exchange", done, err)
		}
	}
}

func TestChooseMechanism(t *testing.T) {
	offers := func(ms ...string) func(string) bool {
		return func(m string) bool {
			for _, x := range ms {
				if x == m {
					return true
				}
			}
			return false
		}
	}
	tests := []struct {
		want    Mechanism
		offered []string
		got     Mechanism
		err     bool
	}{
		{Auto, []string{"PLAIN", "XOAUTH2", "OAUTHBEARER"}, OAuthBearer, false},
		{Auto, []string{"PLAIN", "XOAUTH2"}, XOAuth2, false},
		{Auto, []string{"PLAIN", "LOGIN"}, "", true},
		{XOAuth2, []string{"XOAUTH2", "OAUTHBEARER"}, XOAuth2, false},
		{OAuthBearer, []string{"XOAUTH2"}, "", true},
		{"SCRAM", []string{"SCRAM"}, "", true},
	}
	for _, tt := range tests {
		got, err := ChooseMechanism(tt.want, offers(tt.offered...))
		if got != tt.got || (err != nil) != tt.err {
			t.Errorf("ChooseMechanism(%q, %v) = %q, %v; want %q (error %v)", tt.want, tt.offered, got, err, tt.got, tt.err)
		}
		if tt.err && tt.want != "SCRAM" && !errors.Is(err, ErrNoMechanism) {
			t.Errorf("ChooseMechanism(%q, %v): %v is not ErrNoMechanism", tt.want, tt.offered, err)
		}
	}
	for in, want := range map[string]Mechanism{"": Auto, "auto": Auto, "xoauth2": XOAuth2, "OAuthBearer": OAuthBearer} {
		if got, err := ParseMechanism(in); got != want || err != nil {
			t.Errorf("ParseMechanism(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseMechanism("plain"); err == nil {
		t.Error("ParseMechanism(plain) accepted")
	}
}

type fixedSource struct{ tok Token }

func (f fixedSource) Token(context.Context) (Token, error) { return f.tok, nil }

func TestLoginFactory(t *testing.T) {
	exp := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	l := Login{User: "alice@company.test", Tokens: fixedSource{Token{AccessToken: "abc", Expiry: exp}}}
	c, expiry, err := l.Factory()(context.Background(), func(m string) bool { return m == "XOAUTH2" })
	if err != nil || !expiry.Equal(exp) {
		t.Fatalf("factory = %v, %v", expiry, err)
	}
	if mech, ir, _ := c.Start(); mech != "XOAUTH2" || string(ir) != "user=alice@company.test\x01auth=Bearer abc\x01\x01" {
		t.Errorf("client starts %s %q", mech, ir)
	}
	if _, _, err := l.Factory()(context.Background(), func(string) bool { return false }); !errors.Is(err, ErrNoMechanism) {
		t.Errorf("no mechanism offered: %v", err)
	}
}
