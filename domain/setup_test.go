package domain

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// designExample is docs/design.md's example setup file.
var designExample = mustRead("testdata/design_setup.json")

func mustRead(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestParseSetupExample(t *testing.T) {
	f, err := ParseSetup([]byte(designExample))
	if err != nil {
		t.Fatalf("ParseSetup(example) = %v", err)
	}
	if len(f.Categories) != 1 || len(f.Categories[0].ApprovalLevels) != 2 || f.Categories[0].ApprovalLevels[1].Rule != "any" {
		t.Errorf("categories = %+v", f.Categories)
	}
	if len(f.Users) != 1 || f.Users[0].Role != "agent" || len(f.TeamMembers) != 1 || !*f.TeamMembers[0].Available {
		t.Errorf("users = %+v, team = %+v", f.Users, f.TeamMembers)
	}
}

func TestParseSetupErrorsNameTheLine(t *testing.T) {
	tests := []struct {
		name, file string
		line       int
		msg        string
	}{
		{"syntax", "{\n \"categories\": [\n  {\"name\": \"A\",}\n ]\n}", 3, "invalid character"},
		{"unknown top key", "{\n \"categorys\": []\n}", 2, `unknown key "categorys"`},
		{"unknown field", "{\"categories\": [\n {\"name\": \"A\"},\n {\"nmae\": \"B\"}\n]}", 3, `unknown field "nmae"`},
		{"wrong type", "{\"categories\": [\n {\"name\": \"A\",\n  \"keywords\": \"x\"}\n]}", 3, "keywords"},
		{"empty name", "{\"categories\": [\n\n {\"name\": \"  \"}\n]}", 3, "name: required"},
		{"bad rule", "{\"categories\": [\n {\"name\": \"A\", \"approval_levels\": [{\"rule\": \"most\", \"approvers\": [\"a@x.test\"]}]}\n]}", 2, `rule "most"`},
		{"empty level", "{\"categories\": [\n {\"name\": \"A\", \"approval_levels\": [{\"approvers\": []}]}\n]}", 2, "no approvers"},
		{"bad approver", "{\"categories\": [\n {\"name\": \"A\", \"approval_levels\": [{\"approvers\": [\"nobody\"]}]}\n]}", 2, `"nobody"`},
		{"duplicate category", "{\"categories\": [\n {\"name\": \"A\"},\n {\"name\": \"a\"}\n]}", 3, "named twice"},
		{"bad role", "{\"users\": [\n {\"email\": \"a@x.test\", \"role\": \"boss\"}\n]}", 2, `role "boss"`},
		{"bad email", "{\"users\": [\n {\"email\": \"a-x.test\"}\n]}", 2, "a-x.test"},
		{"bad away_until", "{\"team_members\": [\n {\"email\": \"a@x.test\",\n \"away_until\": \"tomorrow\"}\n]}", 2, "away_until"},
		{"employee in team", "{\"users\": [{\"email\": \"a@x.test\", \"role\": \"employee\"}],\n\"team_members\": [\n {\"email\": \"a@x.test\"}\n]}", 3, "employee"},
		{"not an object", "[1]", 1, "JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSetup([]byte(tt.file))
			var se *SetupError
			if !errors.As(err, &se) {
				t.Fatalf("ParseSetup = %v, want a SetupError", err)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not match ErrInvalid", err)
			}
			if se.Line != tt.line || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("ParseSetup error = %q (line %d), want line %d containing %q", err, se.Line, tt.line, tt.msg)
			}
		})
	}
}

func TestCategoryNormalize(t *testing.T) {
	c := Category{Name: "  Hardware   Request ", Keywords: []string{"Laptop", "laptop", " ", "USB  hub"},
		ApprovalLevels: []ApprovalLevel{{Approvers: []string{"Lead <LEAD@x.test>"}}}}
	if err := c.Normalize(); err != nil {
		t.Fatal(err)
	}
	if c.Name != "Hardware Request" || strings.Join(c.Keywords, ",") != "laptop,usb hub" ||
		c.ApprovalLevels[0].Rule != RuleAll || c.ApprovalLevels[0].Approvers[0] != "lead@x.test" {
		t.Errorf("Normalize gave %+v", c)
	}
	dup := Category{Name: "A", ApprovalLevels: []ApprovalLevel{{Approvers: []string{"a@x.test", "A@x.test"}}}}
	if err := dup.Normalize(); !errors.Is(err, ErrInvalid) {
		t.Errorf("duplicate approver: err = %v, want ErrInvalid", err)
	}
}
