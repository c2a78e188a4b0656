package inbox

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"ticketgate/domain"
)

var tokenInMail = regexp.MustCompile(`apr-7-abcdefghijklmnopqrstuvwxyz`)

// TestApprovalReplies parses approval answers as mail clients write them
// and reads the decision from the new text, as the approvals use case does.
func TestApprovalReplies(t *testing.T) {
	tests := []struct {
		file     string
		want     domain.Decision // "" decides nothing
		comment  string          // contained in the comment
		from     string
		tokenRef bool // the token is in In-Reply-To/References or the plus address
	}{
		{"outlook_desktop_approve.eml", domain.DecisionApproved, "Budget is fine.", "lea.lead@company.test", true},
		{"outlook_web_html_reject.eml", domain.DecisionRejected, "we have spare laptops in stock", "lea.lead@company.test", true},
		{"gmail_yes_go_ahead.eml", domain.DecisionApproved, "go ahead", "lea.lead@company.test", true},
		{"apple_mail_approved.eml", domain.DecisionApproved, "", "lea.lead@company.test", true},
		{"thunderbird_reject_reason.eml", domain.DecisionRejected, "over budget this quarter.\nPlease ask again in January.", "lea.lead@company.test", true},
		{"iso8859_accents_approve.eml", domain.DecisionApproved, "très bien, équipe d'accord.", "lea.lead@company.test", true},
		{"lowercase_approve.eml", domain.DecisionApproved, "", "lea.lead@company.test", true},
		{"windows1252_denied.eml", domain.DecisionRejected, "not this year.", "lea.lead@company.test", true},
		{"plus_address_only_no.eml", domain.DecisionRejected, "", "lea.lead@company.test", true},
		{"no_problem_ambiguous.eml", "", "", "lea.lead@company.test", true},
		{"let_me_check.eml", "", "", "lea.lead@company.test", true},
		{"only_signature.eml", "", "", "lea.lead@company.test", true},
		{"both_words.eml", "", "", "lea.lead@company.test", true},
		{"forwarded_approval.eml", domain.DecisionApproved, "", "eve@company.test", false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "approvals", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			in, err := Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if in.From != tt.from {
				t.Errorf("From = %q, want %q", in.From, tt.from)
			}
			dec, comment, ok := domain.ParseDecision(in.NewText)
			if dec != tt.want || ok != (tt.want != "") || !strings.Contains(comment, tt.comment) {
				t.Errorf("ParseDecision(new text %q) = %q, %q, %v; want %q with %q", in.NewText, dec, comment, ok, tt.want, tt.comment)
			}
			if strings.Contains(comment, "wrote:") || strings.Contains(comment, "Ref: apr-") {
				t.Errorf("the comment holds the quoted mail: %q", comment)
			}
			inRefs := false
			for _, s := range append(append(append([]string{}, in.InReplyTo...), in.References...), in.To...) {
				inRefs = inRefs || tokenInMail.MatchString(s)
			}
			if inRefs != tt.tokenRef {
				t.Errorf("token in references or plus address = %v, want %v", inRefs, tt.tokenRef)
			}
			if !inRefs && !tokenInMail.MatchString(in.Text) {
				t.Errorf("no token anywhere in the mail")
			}
		})
	}
}
