package domain

import "testing"

func TestParseDecision(t *testing.T) {
	tests := []struct {
		text    string
		want    Decision
		comment string
		ok      bool
	}{
		{"APPROVE", DecisionApproved, "", true},
		{"approve", DecisionApproved, "", true},
		{"Approved.", DecisionApproved, "", true},
		{"\n\n  Approved! Enjoy the laptop\n", DecisionApproved, "Enjoy the laptop", true},
		{"yes, go ahead", DecisionApproved, "go ahead", true},
		{"OK", DecisionApproved, "", true},
		{"Ok - but only the 14 inch one", DecisionApproved, "but only the 14 inch one", true},
		{"REJECT: over budget\nTry next quarter.", DecisionRejected, "over budget\nTry next quarter.", true},
		{"Rejected — we have spares", DecisionRejected, "we have spares", true},
		{"deny", DecisionRejected, "", true},
		{"Denied.", DecisionRejected, "", true},
		{"no", DecisionRejected, "", true},
		{"No.", DecisionRejected, "", true},
		{"*APPROVE*", DecisionApproved, "", true},
		{"No problem, go ahead", "", "", false},
		{"Let me check", "", "", false},
		{"Yes I think so", "", "", false},
		{"Approve and reject", "", "", false},
		{"", "", "", false},
		{"   \n\n", "", "", false},
		{"Approvedd", "", "", false},
		{"Thanks!\nAPPROVE", "", "", false},
		{"ÄPPROVE", "", "", false},
	}
	for _, tt := range tests {
		got, comment, ok := ParseDecision(tt.text)
		if got != tt.want || comment != tt.comment || ok != tt.ok {
			t.Errorf("ParseDecision(%q) = %q, %q, %v; want %q, %q, %v", tt.text, got, comment, ok, tt.want, tt.comment, tt.ok)
		}
	}
}

func TestAgentAndRequesterCommands(t *testing.T) {
	for text, want := range map[string]bool{"DONE": true, "Resolved.": true, "fixed - replaced the cable": true,
		"done deal": false, "Thanks!": false, "": false} {
		if _, ok := parseResolve(text); ok != want {
			t.Errorf("parseResolve(%q) = %v, want %v", text, ok, want)
		}
	}
	if note, ok := parseResolve("FIXED: new toner\nCall me if it jams again."); !ok || note != "new toner\nCall me if it jams again." {
		t.Errorf("resolution note = %q, %v", note, ok)
	}
	for text, want := range map[string]bool{"REOPEN": true, "reopen, still broken": true, "Thanks!": false, "Please reopen": false} {
		if _, ok := parseReopen(text); ok != want {
			t.Errorf("parseReopen(%q) = %v, want %v", text, ok, want)
		}
	}
}

func TestApprovalTokens(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	a := &Approval{ID: 42, Approver: "lead@company.test"}
	tok := approvalToken(key, a.ID, a.Approver)
	if !checkToken(key, tok, a) {
		t.Fatalf("token %s does not check", tok)
	}
	if checkToken(key, tok, &Approval{ID: 42, Approver: "eve@company.test"}) || checkToken(key, tok, &Approval{ID: 43, Approver: a.Approver}) {
		t.Error("token checks for another approval or approver")
	}
	if checkToken([]byte("another key, another key, another"), tok, a) {
		t.Error("token checks under another key")
	}
	in := &Inbound{InReplyTo: []string{"tkt-7.approval_needed." + tok + "@company.test"},
		To: []string{"help+" + tok + "@company.test"}, Text: "APPROVE\n\n> Ref: " + tok}
	got := replyTokens(in)
	if len(got) != 1 || got[0].id != 42 || got[0].token != tok {
		t.Errorf("replyTokens = %+v", got)
	}
	if r := approvalReplyTo("help@company.test", tok); r != "help+"+tok+"@company.test" {
		t.Errorf("reply-to = %s", r)
	}
}
