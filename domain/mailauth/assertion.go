package mailauth

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// ClientAssertionType is the client_assertion_type of a certificate
// credential (RFC 7523 section 2.2).
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// certificateCredential signs client assertions with a certificate's RSA
// key, the way Microsoft's identity platform takes "certificate
// credentials": a JWT signed RS256 whose header names the certificate by
// its SHA-1 thumbprint (x5t), with iss and sub the client id, aud the token
// endpoint, a random jti, and a life of ten minutes.
type certificateCredential struct {
	key *rsa.PrivateKey
	x5t string
}

func parseCertificate(pemBytes []byte) (*certificateCredential, error) {
	pair, err := tls.X509KeyPair(pemBytes, pemBytes)
	if err != nil {
		// Its error could name parts of the key: say what is wrong in
		// our words.
		return nil, errors.New("the client certificate must be one PEM file holding the certificate and its unencrypted private key")
	}
	key, ok := pair.PrivateKey.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("the client certificate's key must be RSA")
	}
	sum := sha1.Sum(pair.Certificate[0])
	return &certificateCredential{key: key, x5t: base64.RawURLEncoding.EncodeToString(sum[:])}, nil
}

func (c *certificateCredential) assertion(clientID, audience string, now time.Time) (string, error) {
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "x5t": c.x5t})
	claims, _ := json.Marshal(map[string]any{
		"iss": clientID, "sub": clientID, "aud": audience, "jti": base64.RawURLEncoding.EncodeToString(jti),
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
	})
	signed := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, c.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// ClientCertificate is the source of app-only tokens (client credentials)
// for a client that proves itself with a certificate instead of a secret
// (certificatePEM: the certificate and its RSA private key, PEM). Each
// token request carries a new signed assertion.
func (g Generic) ClientCertificate(certificatePEM []byte, opt SourceOptions) (*FetchSource, error) {
	cred, err := parseCertificate(certificatePEM)
	if err != nil {
		return nil, err
	}
	o := opt.withDefaults()
	return NewFetchSource("client credentials (certificate)", func(ctx context.Context) (*oauth2.Token, error) {
		a, err := cred.assertion(g.ClientID, g.TokenURL, o.Now())
		if err != nil {
			return nil, err
		}
		cc := &clientcredentials.Config{ClientID: g.ClientID, TokenURL: g.TokenURL, Scopes: g.Scopes, AuthStyle: oauth2.AuthStyleInParams,
			EndpointParams: url.Values{"client_assertion_type": {ClientAssertionType}, "client_assertion": {a}}}
		return cc.Token(ctx)
	}, opt), nil
}
