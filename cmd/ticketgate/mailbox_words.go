package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"syscall"

	"github.com/emersion/go-smtp"

	"ticketgate/domain/mailauth"
)

// This file says, in words an admin understands, why a mailbox failed:
// the one place that knows what Microsoft's AADSTS codes, Google's
// answers, Exchange's IMAP refusals and Go's TLS and network errors mean
// for the settings of a mailbox. `mailbox test`, the admin page's "Test
// connection" and the mail telling admins that a mailbox must be
// connected again all use it.

// mailboxAdvice is what to do about err, or "" when it is not one of the
// failures we know; oauth says the mailbox logs in with OAuth2 (a refused
// login then means a refused token, not a wrong password). It never
// quotes a secret: it reads error codes and types, and says nothing of
// err's text beyond them.
func mailboxAdvice(err error, oauth bool) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(msg, s) {
				return true
			}
		}
		return false
	}
	var pe *mailauth.ProviderError
	isProvider := errors.As(err, &pe)
	code := ""
	if isProvider {
		code = pe.Code
	}
	var se *smtp.SMTPError
	isSMTP := errors.As(err, &se)
	enhanced := func(class, subject, detail int) bool {
		return isSMTP && se.EnhancedCode == smtp.EnhancedCode{class, subject, detail}
	}
	// The outbox keeps an OAuth2 refusal's words only (it is no
	// permanent failure there), hence the text.
	authRefused := (isSMTP && se.Code == 535) || has("SMTP error 535")
	switch {
	// Never connected: a delegated grant waiting for an admin.
	case errors.Is(err, mailauth.ErrNoToken):
		return "the mailbox was never connected: an admin must connect it (Mail → Mailboxes → Connect) and sign in to the mailbox"

	// Microsoft Entra ID (AADSTS codes, whatever the OAuth2 code).
	case has("AADSTS90002", "AADSTS900023", "AADSTS90013"):
		return "the tenant does not exist: check oauth2.tenant (the directory (tenant) ID of the app registration, or the organization's domain such as contoso.onmicrosoft.com)"
	case has("AADSTS700016"):
		return "no app with this client ID in that tenant: check oauth2.client_id (the Application (client) ID) and oauth2.tenant, and that the app registration was not deleted"
	case has("AADSTS7000215", "AADSTS7000222", "AADSTS50012"):
		return "the client secret is wrong or has expired: create a new one (App registration → Certificates & secrets), give its Value (not its Secret ID) to ticketgate, and restart"
	case has("AADSTS700027", "AADSTS700023", "AADSTS700024"):
		return "the app's certificate is not accepted: upload the certificate of certificate_file to the app registration (Certificates & secrets → Certificates) and check the machine's clock"
	case has("AADSTS7000218"):
		return "the app needs its client secret or certificate: give client_secret_env, client_secret_file or certificate_file"
	case has("AADSTS65001", "AADSTS650057", "AADSTS65004", "AADSTS650052"):
		return "consent is missing: the app registration lacks the Office 365 Exchange Online permissions (IMAP.AccessAsApp and SMTP.SendAsApp for app-only; IMAP.AccessAsUser.All, SMTP.Send and offline_access for delegated) or an admin has not granted consent for them (API permissions → Grant admin consent)"
	case has("AADSTS50173", "AADSTS70008", "AADSTS700082", "AADSTS50078", "AADSTS50076", "AADSTS700084"):
		return "the grant was revoked or has expired: connect the mailbox again (Mail → Mailboxes → Connect)"
	case has("AADSTS50034", "AADSTS50020"):
		return "the account signed in at Connect is not in this tenant: connect again as the mailbox's own account (or an account that may open it)"

	// Google and plain OAuth2 codes.
	case isProvider && code == "unauthorized_client" && has("Client is unauthorized", "not authorized for any of the scopes"):
		return "Google refuses the service account: domain-wide delegation is not set up for it, or not with the scope https://mail.google.com/ (Admin console → Security → API controls → Domain-wide delegation: the service account's client ID with that scope)"
	case isProvider && code == "unauthorized_client":
		return "the app may not use this grant: for Microsoft 365, the app registration lacks the permission or admin consent (API permissions); for Google, domain-wide delegation with the scope https://mail.google.com/ is missing"
	case isProvider && code == "invalid_client":
		return "the provider does not accept the app's credentials: the client secret (or certificate) is wrong, expired or deleted, or the client ID is wrong"
	case isProvider && code == "invalid_grant" && has("Invalid email or User ID"):
		return "Google does not know the mailbox's address in the Workspace domain of the service account: check the address"
	case isProvider && code == "invalid_grant":
		return "the grant was revoked or has expired (or was already used): connect the mailbox again (Mail → Mailboxes → Connect)"
	case isProvider && code == "invalid_scope":
		return "the provider refuses the scopes asked for: check oauth2.scopes (or leave them out for the provider's defaults)"
	case isProvider && code == "invalid_request" && has("tenant", "Tenant"):
		return "the tenant does not exist: check oauth2.tenant"
	case isProvider && pe.HTTPStatus == 404:
		return "the token endpoint does not exist: check oauth2.token_url (or the tenant)"

	case errors.Is(err, mailauth.ErrNoMechanism):
		return "the server offers no OAuth2 login (SASL XOAUTH2 or OAUTHBEARER): check the host, or the mechanism the mailbox pins"

	// TLS.
	case isUnknownAuthority(err):
		return "the server's certificate is signed by an authority this machine does not trust: if it is your own CA, put its certificate in a PEM file and set TLS_CA_FILE to it"
	case isHostnameMismatch(err):
		return "the server's certificate is for another name: use in the URL the host name the certificate names"
	case isExpiredCertificate(err):
		return "the server's certificate has expired (or the machine's clock is wrong)"
	case isRecordHeader(err) || has("first record does not look like a TLS handshake"):
		return "the server does not speak TLS on this port: imaps:// (port 993) and smtps:// (465) start with TLS; imap:// (143) and smtp:// (587) use STARTTLS"
	case has("offers no STARTTLS", "STARTTLS with", "server doesn't support STARTTLS"):
		return "the server offers no STARTTLS on this port: use imaps:// or smtps://, or add ?tls=none to allow plaintext (on a trusted network only)"

	// IMAP and SMTP refusals.
	case has("AUTHENTICATE failed"):
		return "Exchange Online refused the login although the token is valid: IMAP is disabled for the mailbox, or the app's service principal has no permission on it. In Exchange Online PowerShell: Set-CASMailbox -Identity <address> -ImapEnabled $true; New-ServicePrincipal -AppId <client id> -ObjectId <enterprise application object id>; Add-MailboxPermission -Identity <address> -User <enterprise application object id> -AccessRights FullAccess (see docs/mailboxes.md)"
	case enhanced(5, 7, 139) || has("SmtpClientAuthentication is disabled"):
		return "SMTP AUTH is disabled for the tenant or the mailbox: Set-TransportConfig -SmtpClientAuthenticationDisabled $false, or Set-CASMailbox -Identity <address> -SmtpClientAuthenticationDisabled $false (see docs/mailboxes.md)"
	case enhanced(5, 7, 3):
		return "Exchange Online refused the SMTP login: SMTP AUTH is disabled for the mailbox (Set-CASMailbox -Identity <address> -SmtpClientAuthenticationDisabled $false), or the app may not send as it (SMTP.SendAsApp and Add-MailboxPermission; see docs/mailboxes.md)"
	case oauth && (authRefused || has("XOAUTH2 login refused", "OAUTHBEARER login refused", "token refused", "invalid_token",
		"AUTHENTICATIONFAILED", "Authentication failed", "authentication failed")):
		return "the server refused the OAuth2 token: the token is for another account or scope, or the app may not use this mailbox (Exchange Online: the service principal needs Add-MailboxPermission, IMAP needs Set-CASMailbox -ImapEnabled $true, SMTP needs Set-CASMailbox -SmtpClientAuthenticationDisabled $false; see docs/mailboxes.md)"
	case authRefused || has("AUTHENTICATIONFAILED", "Invalid credentials", "Authentication failed", "authentication failed"):
		return "the server refused the login: check the user name and the password (the variable or file the mailbox names)"
	case has("offers neither AUTH PLAIN nor AUTH LOGIN"):
		return "the SMTP server offers no password login on this connection (some offer it only after STARTTLS, or only on port 587)"
	case has("select ") && has("Mailbox doesn't exist", "NONEXISTENT", "doesn't exist", "not exist", "Unknown Mailbox"):
		return "the folder does not exist: check the folder at the end of imap_url (INBOX by default)"

	// The network.
	case isDNSNotFound(err):
		return "the host name does not exist (DNS): check the host in the URL"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "nothing answers on that host and port (connection refused): check the host and the port in the URL"
	case isTimeout(err):
		return "no answer in time: a firewall may drop the connection, or the host or port is wrong"
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return "the host cannot be reached from this machine: check the network and the host"
	}
	return ""
}

// mailboxWords is err for an admin: the advice, then what the server or
// provider said.
func mailboxWords(err error, oauth bool) string {
	if advice := mailboxAdvice(err, oauth); advice != "" {
		return advice + " (" + err.Error() + ")"
	}
	return err.Error()
}

func isUnknownAuthority(err error) bool {
	var ua x509.UnknownAuthorityError
	var cv *tls.CertificateVerificationError
	if errors.As(err, &cv) {
		err = cv.Err
	}
	return errors.As(err, &ua) || strings.Contains(err.Error(), "certificate signed by unknown authority")
}

func isHostnameMismatch(err error) bool {
	var he x509.HostnameError
	return errors.As(err, &he) || strings.Contains(err.Error(), "certificate is valid for")
}

func isExpiredCertificate(err error) bool {
	var ci x509.CertificateInvalidError
	return (errors.As(err, &ci) && ci.Reason == x509.Expired) || strings.Contains(err.Error(), "certificate has expired")
}

func isRecordHeader(err error) bool {
	var rh tls.RecordHeaderError
	return errors.As(err, &rh)
}

func isDNSNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

func isTimeout(err error) bool {
	var ne net.Error
	return (errors.As(err, &ne) && ne.Timeout()) || strings.Contains(err.Error(), "i/o timeout") ||
		strings.Contains(err.Error(), "context deadline exceeded")
}
