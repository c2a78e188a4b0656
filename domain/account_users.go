package domain

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// EnsureFirstAdmin creates the first admin on a database without users and
// returns their one-time password, which the caller shows once. It returns
// "" when users exist already. No default password exists anywhere: the
// password is random and must be changed at first sign-in.
func (d *Desk) EnsureFirstAdmin(ctx context.Context, email string) (string, error) {
	addr, err := NormalizeEmail(email)
	if err != nil {
		return "", fmt.Errorf("first admin: ADMIN_EMAIL: %w", err)
	}
	var password string
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		n, err := tx.CountUsers(ctx)
		if err != nil || n > 0 {
			return err
		}
		password, err = d.createUser(ctx, tx, addr, "Administrator", RoleAdmin)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrConflict) {
			// Another instance created it at the same moment.
			return "", nil
		}
		return "", fmt.Errorf("first admin: %w", err)
	}
	return password, nil
}

// AddUser creates a user with a one-time password that must be changed at
// first sign-in, and returns both.
func (d *Desk) AddUser(ctx context.Context, email, name string, role Role) (*User, string, error) {
	addr, err := NormalizeEmail(email)
	if err != nil {
		return nil, "", fmt.Errorf("add user: %w", err)
	}
	if _, err := ParseRole(string(role)); err != nil {
		return nil, "", fmt.Errorf("add user: %w", err)
	}
	var password string
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		password, err = d.createUser(ctx, tx, addr, name, role)
		return err
	})
	if errors.Is(err, ErrConflict) {
		return nil, "", fmt.Errorf("add user: %s exists already: %w", addr, ErrConflict)
	}
	if err != nil {
		return nil, "", fmt.Errorf("add user: %w", err)
	}
	u, err := d.store.GetUserByEmail(ctx, addr)
	if err != nil {
		return nil, "", fmt.Errorf("add user: %w", err)
	}
	return u, password, nil
}

func (d *Desk) createUser(ctx context.Context, tx Store, email, name string, role Role) (string, error) {
	password, err := NewOneTimePassword()
	if err != nil {
		return "", err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return "", err
	}
	now := d.clock.Now()
	u := &User{
		Email: email, Name: strings.TrimSpace(name), Role: role,
		PasswordHash: hash, MustChangePassword: true,
		CreatedAt: now, UpdatedAt: now,
	}
	if err := tx.CreateUser(ctx, u); err != nil {
		return "", err
	}
	return password, nil
}

// ResetPassword gives a user a new one-time password that must be changed
// at first sign-in, and returns it. It ends all the user's sessions.
func (d *Desk) ResetPassword(ctx context.Context, email string) (string, error) {
	addr, err := NormalizeEmail(email)
	if err != nil {
		return "", fmt.Errorf("reset password: %w", err)
	}
	password, err := NewOneTimePassword()
	if err != nil {
		return "", err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return "", err
	}
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		u, err := tx.GetUserByEmail(ctx, addr)
		if err != nil {
			return err
		}
		u.PasswordHash, u.MustChangePassword, u.UpdatedAt = hash, true, d.clock.Now()
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		return d.revokeSessions(ctx, tx, u.ID)
	})
	if err != nil {
		return "", fmt.Errorf("reset password of %s: %w", addr, err)
	}
	return password, nil
}

// Users lists users that match f.
func (d *Desk) Users(ctx context.Context, f UserFilter) ([]User, error) {
	us, err := d.store.ListUsers(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return us, nil
}
