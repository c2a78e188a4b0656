package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-smtp"

	"ticketgate/domain/mailauth"
)

// TestMailboxAdvice: the failures admins meet when connecting a
// mailbox, with the providers' and servers' real answers, get words that
// say what to fix; an unknown error gets none (its own text is shown).
func TestMailboxAdvice(t *testing.T) {
	provider := func(status int, code, desc string) error {
		return fmt.Errorf("log in to outlook.office365.com:993 as help@contoso.com: %w",
			&mailauth.ProviderError{Op: "client credentials", HTTPStatus: status, Code: code, Description: desc})
	}
	imapNo := func(code imap.ResponseCode, text string) error {
		return fmt.Errorf("log in to outlook.office365.com:993 as help@contoso.com: %w",
			&imap.Error{Type: imap.StatusResponseTypeNo, Code: code, Text: text})
	}
	smtpErr := func(code int, enh smtp.EnhancedCode, msg string) error {
		return fmt.Errorf("AUTH as help@contoso.com at smtp://smtp.office365.com:587: %w", &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: msg})
	}
	tests := []struct {
		name  string
		err   error
		oauth bool
		want  string // in the advice; "" wants no advice
	}{
		{"tenant not found", provider(400, "invalid_request", "AADSTS90002: Tenant 'contoso.onmicrosoft.con' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant. Trace ID: 0c6d4a2e-1c9e-4c3a-9a5e-2b7e9f0e1f00 Correlation ID: 9d2b3c1a-7e6f-4a5b-8c9d-0e1f2a3b4c5d Timestamp: 2026-12-07 08:30:01Z"),
			true, "the tenant does not exist: check oauth2.tenant"},
		{"tenant not a DNS name", provider(400, "invalid_request", "AADSTS900023: Specified tenant identifier 'contoso' is neither a valid DNS name, nor a valid external domain."),
			true, "the tenant does not exist"},
		{"consent missing", provider(400, "invalid_grant", "AADSTS65001: The user or administrator has not consented to use the application with ID '5617d05d-fdc6-4c56-b1dc-38b8576cfafd' named 'ticketgate'. Send an interactive authorization request for this user and resource."),
			true, "consent is missing"},
		{"permission not requested", provider(400, "invalid_client", "AADSTS650057: Invalid resource. The client has requested access to a resource which is not listed in the requested permissions in the client's application registration. Client app ID: 5617d05d-fdc6-4c56-b1dc-38b8576cfafd(ticketgate). Resource value from request: https://outlook.office365.com. Resource app ID: 00000002-0000-0ff1-ce00-000000000000."),
			true, "consent is missing"},
		{"unauthorized client (Microsoft)", provider(400, "unauthorized_client", "The client does not exist or is not enabled for consumers."),
			true, "the app may not use this grant"},
		{"wrong client secret", provider(401, "invalid_client", "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '4d856d1f-8648-456c-9bb2-f36273bbe4e3'."),
			true, "the client secret is wrong or has expired"},
		{"expired client secret", provider(401, "invalid_client", "AADSTS7000222: The provided client secret keys for app '4d856d1f-8648-456c-9bb2-f36273bbe4e3' are expired."),
			true, "the client secret is wrong or has expired"},
		{"invalid_client elsewhere", provider(401, "invalid_client", "unknown client or wrong secret"),
			true, "the client secret (or certificate) is wrong"},
		{"app not found", provider(400, "unauthorized_client", "AADSTS700016: Application with identifier '11111111-2222-3333-4444-555555555555' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."),
			true, "no app with this client ID in that tenant"},
		{"grant revoked (Microsoft)", provider(400, "invalid_grant", "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password."),
			true, "connect the mailbox again"},
		{"refresh token expired (Microsoft)", provider(400, "invalid_grant", "AADSTS700082: The refresh token has expired due to inactivity. The token was issued on 2026-08-01T09:00:00Z and was inactive for 90.00:00:00."),
			true, "connect the mailbox again"},
		{"grant revoked (Google)", provider(400, "invalid_grant", "Token has been expired or revoked."),
			true, "connect the mailbox again"},
		{"domain-wide delegation missing", provider(401, "unauthorized_client", "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested."),
			true, "domain-wide delegation is not set up"},
		{"Google: unknown subject", provider(400, "invalid_grant", "Invalid email or User ID"),
			true, "Google does not know the mailbox's address"},
		{"never connected", notConnected{fmt.Errorf("load the OAuth2 token: %w", mailauth.ErrNoToken)},
			true, "never connected"},
		{"no OAuth2 mechanism", fmt.Errorf("log in to imap.example.com:993 as help@example.com: %w", mailauth.ErrNoMechanism),
			true, "no OAuth2 login"},
		{"Exchange: IMAP disabled or no permission", imapNo("", "AUTHENTICATE failed."),
			true, "Set-CASMailbox -Identity <address> -ImapEnabled $true"},
		{"Exchange: service principal missing", imapNo("", "AUTHENTICATE failed."),
			true, "Add-MailboxPermission"},
		{"Dovecot: token refused", imapNo(imap.ResponseCodeAuthenticationFailed, "Authentication failed."),
			true, "the server refused the OAuth2 token"},
		{"Dovecot: wrong password", imapNo(imap.ResponseCodeAuthenticationFailed, "Authentication failed."),
			false, "check the user name and the password"},
		{"Gmail: wrong password", imapNo(imap.ResponseCodeAuthenticationFailed, "Invalid credentials (Failure)"),
			false, "check the user name and the password"},
		{"folder missing", fmt.Errorf("select Tickets: %w", &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNonExistent, Text: "Mailbox doesn't exist: Tickets"}),
			false, "the folder does not exist"},
		{"Exchange: SMTP AUTH disabled (tenant)", smtpErr(535, smtp.EnhancedCode{5, 7, 139}, "Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information."),
			true, "SMTP AUTH is disabled"},
		{"Exchange: SMTP login refused", smtpErr(535, smtp.EnhancedCode{5, 7, 3}, "Authentication unsuccessful"),
			true, "Exchange Online refused the SMTP login"},
		{"Exchange: SMTP token refused", errors.New("OAuth2 AUTH at smtp://smtp.office365.com:587: SMTP error 535: Authentication unsuccessful"),
			true, "the server refused the OAuth2 token"},
		{"SMTP: wrong password", smtpErr(535, smtp.EnhancedCode{5, 7, 8}, "Username and Password not accepted."),
			false, "check the user name and the password"},
		{"TLS: unknown authority", fmt.Errorf("connect to 127.0.0.1:1993: %w", &tlsVerifyErr{x509.UnknownAuthorityError{}}),
			false, "set TLS_CA_FILE"},
		{"TLS: name mismatch", fmt.Errorf("connect to mail.company.test:993: %w", x509.HostnameError{Certificate: &x509.Certificate{DNSNames: []string{"other.test"}}, Host: "mail.company.test"}),
			false, "the server's certificate is for another name"},
		{"TLS: not TLS", errors.New("connect to mail.company.test:143: tls: first record does not look like a TLS handshake"),
			false, "does not speak TLS on this port"},
		{"connection refused", fmt.Errorf("connect to 127.0.0.1:1: %w", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}),
			false, "connection refused"},
		{"timeout", fmt.Errorf("connect to 10.255.255.1:993: %w", &net.OpError{Op: "dial", Net: "tcp", Err: context.DeadlineExceeded}),
			false, "no answer in time"},
		{"DNS", fmt.Errorf("connect to mail.nowhere.invalid:993: %w", &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "mail.nowhere.invalid", IsNotFound: true}}),
			false, "the host name does not exist"},
		{"unknown", errors.New("something else entirely"), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mailboxAdvice(tt.err, tt.oauth)
			if tt.want == "" {
				if got != "" {
					t.Errorf("mailboxAdvice(%q) = %q, want none", tt.err, got)
				}
				return
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("mailboxAdvice(%q) = %q, want it to say %q", tt.err, got, tt.want)
			}
			words := mailboxWords(tt.err, tt.oauth)
			if !strings.HasPrefix(words, got) || !strings.Contains(words, tt.err.Error()) {
				t.Errorf("mailboxWords = %q: want the advice, then the error", words)
			}
		})
	}
}

// tlsVerifyErr wraps an x509 error as crypto/tls does.
type tlsVerifyErr struct{ err error }

func (e *tlsVerifyErr) Error() string { return "tls: failed to verify certificate: " + e.err.Error() }
func (e *tlsVerifyErr) Unwrap() error { return e.err }
