package domain

import "testing"

func TestSameMailbox(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"boss@company.test", "boss@company.test", true},
		{"Boss@Company.TEST", "boss@company.test", true},
		{"boss+me@company.test", "boss@company.test", true},
		{"boss@company.test", "boss+me@company.test", true},
		{"boss+me@company.test", "boss+other@company.test", true},
		{"BOSS+Me@company.test", "boss@COMPANY.test", true},
		{"help+apr-7-abc@company.test", "help@company.test", true},
		{" boss@company.test ", "boss@company.test", true},
		{"boss@company.test", "boss@company.example", false},
		{"boss+me@company.test", "boss@other.test", false},
		{"boss@company.test", "bossy@company.test", false},
		{"bo+ss@company.test", "boss@company.test", false},
		{"ann@company.test", "bob@company.test", false},
		// A tag on the domain side is no tag.
		{"boss@company+x.test", "boss@company.test", false},
		// A local part that is all tag keeps it: +a and +b are not one box.
		{"+a@company.test", "+b@company.test", false},
		{"+a@company.test", "+a@company.test", true},
		{"", "", false},
		{"", "boss@company.test", false},
		{"boss@company.test", "", false},
		{"system", "system", false},
		{"@company.test", "@company.test", false},
		{"boss@", "boss@", false},
	}
	for _, tt := range tests {
		if got := SameMailbox(tt.a, tt.b); got != tt.want {
			t.Errorf("SameMailbox(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
