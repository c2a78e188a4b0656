package domain

import (
	"context"
	"time"
)

// APITokenStore keeps the API tokens and the Idempotency-Keys of the
// tickets opened through the API (issue 19).
type APITokenStore interface {
	// CreateAPIToken inserts t and sets its ID.
	CreateAPIToken(ctx context.Context, t *APIToken) error
	// GetAPITokenByHash returns the token whose secret hashes to hash,
	// revoked or not, with UserEmail filled; ErrNotFound if none.
	GetAPITokenByHash(ctx context.Context, hash string) (*APIToken, error)
	// ListAPITokens returns every token, revoked ones too, in id order.
	ListAPITokens(ctx context.Context) ([]APIToken, error)
	// RevokeAPIToken sets RevokedAt of token id if it is not set yet;
	// ErrNotFound if there is no such token.
	RevokeAPIToken(ctx context.Context, id int64, at time.Time) error
	// TouchAPIToken sets LastUsedAt of token id.
	TouchAPIToken(ctx context.Context, id int64, at time.Time) error
	// IdempotentTicket returns the ticket that token id opened with key;
	// ErrNotFound if none.
	IdempotentTicket(ctx context.Context, tokenID int64, key string) (int64, error)
	// SaveIdempotentTicket records that key of token id opened ticketID;
	// ErrConflict if the key is taken already.
	SaveIdempotentTicket(ctx context.Context, tokenID int64, key string, ticketID int64, at time.Time) error
}
