package main

import (
	"ticketgate/adminui"
	"ticketgate/domain"
)

// ssoConfig is the portal's single sign-on from the OIDC_* settings; nil
// when OIDC_ISSUER is not set.
func ssoConfig(o OIDCConfig) *adminui.SSOConfig {
	if o.Issuer == "" {
		return nil
	}
	return &adminui.SSOConfig{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: o.ClientSecret, Name: o.Name,
		Policy: domain.SSOPolicy{AllowedDomains: o.AllowedDomains, AdminGroup: o.AdminGroup, AgentGroup: o.AgentGroup},
		Only:   o.Only, BreakGlass: o.BreakGlass}
}
