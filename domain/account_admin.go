package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"
)

// The administration of users (portal part 2). Every use case here is for
// admins only (ErrForbidden otherwise) and names users by id. Users are
// never deleted: tickets and events name them; they are disabled instead.

// UserPageSize is how many users a page of the user list shows.
const UserPageSize = 50

// MaxUserName is the longest name accepted for a user.
const MaxUserName = 200

// UserPage is one page of users.
type UserPage struct {
	Users []User
	Page  int // 1-based
	Pages int // at least 1
	Total int
}

func mustBeAdmin(actor Actor, what string) error {
	if !actor.Admin {
		return fmt.Errorf("%s: %w: only admins may", what, ErrForbidden)
	}
	return nil
}

// AdminUsers returns page page of the users that match q, in id order.
func (d *Desk) AdminUsers(ctx context.Context, actor Actor, q UserQuery, page int) (*UserPage, error) {
	if err := mustBeAdmin(actor, "list users"); err != nil {
		return nil, err
	}
	q.Text = strings.TrimSpace(q.Text)
	if page < 1 {
		page = 1
	}
	us, total, err := d.store.SearchUsers(ctx, q, (page-1)*UserPageSize, UserPageSize)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	pages := max(1, (total+UserPageSize-1)/UserPageSize)
	return &UserPage{Users: us, Page: page, Pages: pages, Total: total}, nil
}

// AdminUser returns user id.
func (d *Desk) AdminUser(ctx context.Context, actor Actor, id int64) (*User, error) {
	if err := mustBeAdmin(actor, "get user"); err != nil {
		return nil, err
	}
	u, err := d.store.GetUser(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get user %d: %w", id, err)
	}
	return u, nil
}

// NewUserRequest is a user an admin adds.
type NewUserRequest struct {
	Email string
	Name  string
	Role  Role
	// Invite mails the user a link to choose their password (BaseURL is
	// the portal's); otherwise they get a one-time password to change at
	// first sign-in.
	Invite  bool
	BaseURL string
	// Language and TimeZone: see User; "" for none.
	Language string
	TimeZone string
}

// checkUserFields checks a name and role into errs.
func checkUserFields(errs FieldErrors, name string, role Role) (string, Role) {
	name = strings.Join(strings.Fields(name), " ")
	if utf8.RuneCountInString(name) > MaxUserName {
		errs.add("name", fmt.Sprintf("A name has at most %d characters.", MaxUserName))
	}
	r, err := ParseRole(string(role))
	if err != nil {
		errs.add("role", "Choose employee, agent or admin.")
	}
	return name, r
}

// AdminAddUser creates a user. Without Invite it returns their one-time
// password, which the caller shows once: it is stored only as a hash, and
// must be changed at first sign-in. With Invite the user has no password
// until they follow the mailed link, and the password returned is "".
// A bad field or a taken address is a FieldErrors; nothing is created then.
func (d *Desk) AdminAddUser(ctx context.Context, actor Actor, in NewUserRequest) (*User, string, error) {
	if err := mustBeAdmin(actor, "add user"); err != nil {
		return nil, "", err
	}
	errs := FieldErrors{}
	addr, err := NormalizeEmail(in.Email)
	if err != nil {
		errs.add("email", "Enter one email address, like ann@company.example.")
	}
	name, role := checkUserFields(errs, in.Name, in.Role)
	lang, tz := checkLocale(errs, in.Language, in.TimeZone)
	if err := errs.orNil(); err != nil {
		return nil, "", err
	}
	var u *User
	var password string
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		if _, err := tx.GetUserByEmail(ctx, addr); err == nil {
			return FieldErrors{"email": "A user with this address exists already."}
		} else if !isNotFound(err) {
			return err
		}
		if !in.Invite {
			var err error
			if password, err = d.createUser(ctx, tx, addr, name, role); err != nil {
				return err
			}
			if u, err = tx.GetUserByEmail(ctx, addr); err != nil {
				return err
			}
			if lang == "" && tz == "" {
				return nil
			}
			u.Language, u.TimeZone = lang, tz
			return tx.UpdateUser(ctx, u)
		}
		now := d.clock.Now()
		u = &User{Email: addr, Name: name, Role: role, Language: lang, TimeZone: tz, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		return d.sendPasswordLink(ctx, tx, u, LinkInvite, in.BaseURL)
	})
	switch {
	case errors.Is(err, ErrConflict):
		return nil, "", FieldErrors{"email": "A user with this address exists already."}
	case errors.Is(err, ErrNoComposer):
		return nil, "", FieldErrors{"invite": "This server cannot send mail yet; give the user a one-time password instead."}
	case err != nil:
		return nil, "", fmt.Errorf("add user %s: %w", addr, err)
	}
	d.log.InfoContext(ctx, "user added", slog.String("email", addr), slog.String("role", string(role)),
		slog.Bool("invited", in.Invite), slog.String("by", actor.String()))
	return u, password, nil
}

// UserChange is an admin's edit of a user: name, role, language and time
// zone ("" for none: see User).
type UserChange struct {
	Name     string
	Role     Role
	Language string
	TimeZone string
}

// AdminUpdateUser sets user id's name and role. It refuses (FieldErrors on
// "role") to take the admin role from the last enabled admin, and to make
// a team member an employee (remove them from the team first: employees
// work no tickets).
func (d *Desk) AdminUpdateUser(ctx context.Context, actor Actor, id int64, ch UserChange) (*User, error) {
	if err := mustBeAdmin(actor, "update user"); err != nil {
		return nil, err
	}
	errs := FieldErrors{}
	name, role := checkUserFields(errs, ch.Name, ch.Role)
	lang, tz := checkLocale(errs, ch.Language, ch.TimeZone)
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	var u *User
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		var err error
		if u, err = tx.GetUser(ctx, id); err != nil {
			return err
		}
		if role != RoleAdmin {
			if err := notLastAdmin(ctx, tx, u, "role"); err != nil {
				return err
			}
		}
		if role == RoleEmployee && u.Role != RoleEmployee {
			if _, err := tx.GetTeamMemberByUser(ctx, u.ID); err == nil {
				return FieldErrors{"role": "This user is a team member; remove them from the team first."}
			} else if !isNotFound(err) {
				return err
			}
		}
		u.Name, u.Role, u.Language, u.TimeZone, u.UpdatedAt = name, role, lang, tz, d.clock.Now()
		return tx.UpdateUser(ctx, u)
	})
	if err != nil {
		return nil, fmt.Errorf("update user %d: %w", id, err)
	}
	d.log.InfoContext(ctx, "user updated", slog.String("email", u.Email), slog.String("role", string(role)), slog.String("by", actor.String()))
	return u, nil
}

// AdminSetUserDisabled disables or enables user id. A disabled user
// cannot sign in and their sessions end at once, in the same transaction.
// Admins cannot disable themselves, nor the last enabled admin
// (FieldErrors on "disabled").
func (d *Desk) AdminSetUserDisabled(ctx context.Context, actor Actor, id int64, disabled bool) (*User, error) {
	if err := mustBeAdmin(actor, "disable user"); err != nil {
		return nil, err
	}
	var u *User
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		var err error
		if u, err = tx.GetUser(ctx, id); err != nil {
			return err
		}
		if disabled && u.Email == actor.Email {
			return FieldErrors{"disabled": "You cannot disable your own account."}
		}
		if disabled {
			if err := notLastAdmin(ctx, tx, u, "disabled"); err != nil {
				return err
			}
		}
		u.Disabled, u.UpdatedAt = disabled, d.clock.Now()
		return d.saveUser(ctx, tx, u)
	})
	if err != nil {
		return nil, fmt.Errorf("disable user %d: %w", id, err)
	}
	d.log.InfoContext(ctx, "user disabled changed", slog.String("email", u.Email), slog.Bool("disabled", disabled), slog.String("by", actor.String()))
	return u, nil
}

// AdminResetPassword gives user id a new one-time password, returned to be
// shown once, that must be changed at first sign-in; it ends the user's
// sessions. A disabled user stays disabled.
func (d *Desk) AdminResetPassword(ctx context.Context, actor Actor, id int64) (*User, string, error) {
	if err := mustBeAdmin(actor, "reset password"); err != nil {
		return nil, "", err
	}
	u, err := d.store.GetUser(ctx, id)
	if err != nil {
		return nil, "", fmt.Errorf("reset password of user %d: %w", id, err)
	}
	password, err := d.ResetPassword(ctx, u.Email)
	if err != nil {
		return nil, "", err
	}
	d.log.InfoContext(ctx, "password reset by admin", slog.String("email", u.Email), slog.String("by", actor.String()))
	return u, password, nil
}

// AdminInvite mails user id a link to choose a password (an invitation).
// A disabled user, or a server that cannot send mail (ErrNoComposer), is
// a FieldErrors on "invite".
func (d *Desk) AdminInvite(ctx context.Context, actor Actor, id int64, baseURL string) (*User, error) {
	if err := mustBeAdmin(actor, "invite user"); err != nil {
		return nil, err
	}
	u, err := d.store.GetUser(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("invite user %d: %w", id, err)
	}
	err = d.Invite(ctx, u.Email, baseURL)
	switch {
	case errors.Is(err, ErrNoComposer):
		return nil, FieldErrors{"invite": "This server cannot send mail yet; reset the password instead."}
	case errors.Is(err, ErrInvalid):
		return nil, FieldErrors{"invite": "A disabled user cannot be invited; enable them first."}
	case err != nil:
		return nil, err
	}
	return u, nil
}

// notLastAdmin refuses (FieldErrors on field) to take u away from the
// admins when u is the only enabled admin.
func notLastAdmin(ctx context.Context, tx Store, u *User, field string) error {
	if u.Role != RoleAdmin || u.Disabled {
		return nil
	}
	n, err := enabledAdmins(ctx, tx)
	if err != nil {
		return err
	}
	if n <= 1 {
		return FieldErrors{field: "This is the only enabled admin; make someone else an admin first."}
	}
	return nil
}
