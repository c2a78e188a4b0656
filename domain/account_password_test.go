package domain

import (
	"errors"
	"testing"
)

func TestCheckNewPassword(t *testing.T) {
	old, err := HashPassword("my old passphrase")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		password string
		ok       bool
	}{
		{"short", false},
		{"nine char", false},
		{"ten chars!", true},
		{"annabellee@company.test", false},
		{"AnnaBelLee@Company.Test", false},
		{"annabellee", false}, // the local part of the address
		{"1234567890", false}, // common
		{"QwertyUiop", false}, // common, any case
		{"password123", false},
		{"my old passphrase", false},
		{"my new passphrase", true},
		{"correct horse battery staple", true},
		{"ünïcödé pässwörd", true},
		{string(make([]byte, 73)), false},
	} {
		err := CheckNewPassword("annabellee@company.test", old, tt.password)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("CheckNewPassword(%q) = %v, want ok=%v", tt.password, err, tt.ok)
		}
	}
	if err := CheckNewPassword("ann@company.test", old, "ann@company.test"); err == nil {
		t.Error("the email address was accepted as password")
	}
	if !isCommonPassword("qwertyuiop") || isCommonPassword("no such common password here") {
		t.Error("common password list not read")
	}
}
