package domain

import (
	"strings"
	"testing"
)

func TestAutomatic(t *testing.T) {
	tests := []struct {
		name   string
		in     Inbound
		want   AutoKind
		reason string // a substring of the reason
	}{
		{"person", Inbound{From: "ann@example.com", Subject: "Printer"}, AutoNone, ""},
		{"auto-submitted no", Inbound{Auto: AutoSignals{AutoSubmitted: "no"}}, AutoNone, ""},
		{"auto-replied", Inbound{Auto: AutoSignals{AutoSubmitted: "auto-replied"}}, AutoReply, "Auto-Submitted: auto-replied"},
		{"auto-generated with params", Inbound{Auto: AutoSignals{AutoSubmitted: "auto-generated; owner-email=\"a@b\""}}, AutoReply, "auto-generated"},
		{"x-autoreply", Inbound{Auto: AutoSignals{XAutoreply: true}}, AutoReply, "X-Autoreply"},
		{"exchange rules loop", Inbound{Auto: AutoSignals{AutoReplyHeaders: []string{"X-Ms-Exchange-Inbox-Rules-Loop"}}}, AutoReply, "Rules-Loop"},
		{"apple vacation", Inbound{Auto: AutoSignals{AutoReplyHeaders: []string{"X-Apple-Action"}}}, AutoReply, "X-Apple-Action"},
		// What our own outgoing mail carries is no evidence on its own.
		{"suppress alone", Inbound{Subject: "Question", Auto: AutoSignals{AutoReplyHeaders: []string{"X-Auto-Response-Suppress"}}}, AutoNone, ""},
		// A subject is typed by people too.
		{"subject alone", Inbound{Subject: "Automatic reply: not really"}, AutoNone, ""},
		{"subject and null path", Inbound{Subject: "Automatic reply: Nyaan", ReturnPath: "<>"}, AutoReply, "subject"},
		{"subject and suppress", Inbound{Subject: "Auto reply: x", Auto: AutoSignals{AutoReplyHeaders: []string{"X-Auto-Response-Suppress"}}}, AutoReply, "subject"},
		{"dsn failure", Inbound{Auto: AutoSignals{ReportType: "delivery-status", DSNStatus: "5.1.1", DSNAction: "failed", DSNRecipients: []string{"bob@x.org"}}}, AutoBounce, "5.1.1 for bob@x.org"},
		{"dsn part outside report", Inbound{Auto: AutoSignals{ContentTypes: []string{"multipart/mixed", "message/delivery-status"}, DSNStatus: "5.0.0"}}, AutoBounce, "5.0.0"},
		{"dsn delay", Inbound{Auto: AutoSignals{ReportType: "delivery-status", DSNStatus: "4.4.1", DSNAction: "delayed"}}, AutoDelay, "delayed 4.4.1"},
		{"dsn success", Inbound{Auto: AutoSignals{ReportType: "delivery-status", DSNStatus: "2.0.0", DSNAction: "delivered"}}, AutoDelay, "2.0.0"},
		{"dsn without status", Inbound{Auto: AutoSignals{ReportType: "delivery-status"}}, AutoBounce, "delivery status"},
		{"dsn action only", Inbound{Auto: AutoSignals{ReportType: "delivery-status", DSNAction: "delayed"}}, AutoDelay, "delayed"},
		{"dsn before auto-submitted", Inbound{Auto: AutoSignals{AutoSubmitted: "auto-replied", ReportType: "delivery-status", DSNStatus: "5.2.2"}}, AutoBounce, "5.2.2"},
		{"mdn", Inbound{Auto: AutoSignals{ReportType: "disposition-notification"}}, AutoReceipt, "read receipt"},
		{"arf", Inbound{Auto: AutoSignals{ContentTypes: []string{"message/feedback-report"}}}, AutoReport, "feedback"},
		{"mailer-daemon", Inbound{From: "mailer-daemon@mx.example.com", Subject: "failure notice"}, AutoBounce, "mailer-daemon"},
		{"postmaster", Inbound{From: "postmaster@example.com"}, AutoBounce, "postmaster"},
		{"daemon by name", Inbound{FromName: "MAILER-DAEMON"}, AutoBounce, "mailer-daemon"},
		{"failed recipients", Inbound{Auto: AutoSignals{AutoReplyHeaders: []string{"X-Failed-Recipients"}}}, AutoBounce, "X-Failed-Recipients"},
		{"null path and bounce subject", Inbound{ReturnPath: "<>", Subject: "Undeliverable: hello"}, AutoBounce, "bounce subject"},
		{"null path alone", Inbound{ReturnPath: "<>", Subject: "Hello"}, AutoReply, "null return path"},
		{"list-id", Inbound{Auto: AutoSignals{ListID: "<it.lists.example.com>"}}, AutoList, "List-Id"},
		{"precedence bulk", Inbound{Auto: AutoSignals{Precedence: "bulk"}}, AutoList, "Precedence: bulk"},
		{"precedence junk", Inbound{Auto: AutoSignals{Precedence: "junk"}}, AutoList, "junk"},
		{"precedence first-class", Inbound{Auto: AutoSignals{Precedence: "first-class"}}, AutoNone, ""},
		{"ses bounce", Inbound{Auto: AutoSignals{AutoReplyHeaders: []string{"X-Amz-Sns-Message-Id"}, DSNAction: "failed", DSNStatus: "5.1.1"}}, AutoBounce, "Amazon SES"},
		{"ses delivery", Inbound{Auto: AutoSignals{AutoReplyHeaders: []string{"X-Amz-Sns-Message-Id"}, DSNAction: "delivered"}}, AutoDelay, "Amazon SES"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, reason := tt.in.Automatic()
			if kind != tt.want {
				t.Fatalf("Automatic() = %q (%q), want %q", kind, reason, tt.want)
			}
			if tt.want == AutoNone && reason != "" {
				t.Errorf("reason %q for a human mail", reason)
			}
			if !strings.Contains(reason, tt.reason) {
				t.Errorf("reason = %q, want it to contain %q", reason, tt.reason)
			}
		})
	}
}
