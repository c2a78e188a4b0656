package domain

import (
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"Ann@Company.Test", "ann@company.test", true},
		{"  Ann Lee <ann@company.test> ", "ann@company.test", true},
		{"ann", "", false},
		{"", "", false},
		{"ann@", "", false},
		{"a b@c.test", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v, want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestOneTimePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		p, err := NewOneTimePassword()
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != 20 || strings.Trim(p, passwordAlphabet) != "" {
			t.Fatalf("NewOneTimePassword() = %q: want 20 characters of the alphabet", p)
		}
		if seen[p] {
			t.Fatalf("NewOneTimePassword() repeated %q", p)
		}
		seen[p] = true
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, "correct") {
		t.Fatal("hash contains the password")
	}
	if !CheckPassword(h, "correct horse battery") {
		t.Error("CheckPassword rejects the right password")
	}
	if CheckPassword(h, "wrong") || CheckPassword("", "") {
		t.Error("CheckPassword accepts a wrong password or an empty hash")
	}
}
