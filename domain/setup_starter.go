package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// The starter set (`ticketgate setup starter`, or the button of the empty
// admin dashboard): the eight categories of the IT Service Ticket
// Classification data set, with descriptions and keywords written for
// mail as employees write it, and no approval levels (the admin adds
// them). Each carries a StarterKey: the local classifier learns from the
// data set's tickets of that key (domain/classify/starter) until the
// helpdesk's own confirmed tickets replace them (docs/classification.md).

// StarterCategories returns the categories of the starter set, each with
// its StarterKey (the data set's label in lower case, "_" for spaces).
func StarterCategories() []Category {
	return []Category{
		{StarterKey: "hardware", Name: "Hardware",
			Description: "Laptops, desktops, monitors, docking stations, keyboards, mice, headsets, printers and phones: broken, faulty, slow, lost or needed",
			Keywords: []string{"laptop", "monitor", "screen", "display", "docking station", "keyboard", "mouse", "headset",
				"printer", "charger", "battery", "webcam", "desk phone", "hardware", "broken", "flickering"}},
		{StarterKey: "access", Name: "Access",
			Description: "Accounts, passwords, sign-in, MFA, VPN and permissions to systems, shared folders and applications",
			Keywords: []string{"password", "login", "log in", "sign in", "locked out", "account", "access", "permission",
				"vpn", "mfa", "authenticator", "two factor", "unlock", "credentials", "expired"}},
		{StarterKey: "hr_support", Name: "HR Support",
			Description: "Time cards, leave and holidays, sick days, payroll, payslips and bank details, contracts, new starters and leavers",
			Keywords: []string{"time card", "timecard", "holiday", "leave", "vacation", "sick", "payroll", "payslip",
				"salary", "hr", "contract", "new starter", "onboarding", "leaver", "maternity", "benefits", "bank details", "bank account"}},
		{StarterKey: "storage", Name: "Storage",
			Description: "Disk space, full drives, mailbox quota, shared and network drives, OneDrive and SharePoint, USB sticks, backups and restoring lost or corrupted files",
			Keywords: []string{"storage", "disk space", "disk full", "quota", "mailbox full", "shared drive", "network drive",
				"onedrive", "sharepoint", "backup", "restore", "deleted files", "file share", "space", "drive full", "usb stick"}},
		{StarterKey: "purchase", Name: "Purchase",
			Description: "Buying equipment, software and licences: quotes, purchase orders, invoices, suppliers and deliveries",
			Keywords: []string{"purchase", "purchase order", "order", "buy", "quote", "quotation", "invoice", "supplier",
				"vendor", "license", "licence", "subscription", "delivery", "procurement"}},
		{StarterKey: "internal_project", Name: "Internal Project",
			Description: "Internal projects: project codes, setting up a project, its members and project managers",
			Keywords: []string{"internal project", "project code", "project manager", "project members", "new project",
				"project setup", "project", "initiative", "workstream"}},
		{StarterKey: "administrative_rights", Name: "Administrative rights",
			Description: "Local administrator rights on a workstation, to install, update or configure software",
			Keywords: []string{"admin rights", "administrator rights", "local admin", "administrator", "admin", "elevated",
				"privileges", "install", "installation", "run as administrator"}},
		{StarterKey: "miscellaneous", Name: "Miscellaneous",
			Description: "Questions and requests that fit no other category: meeting rooms and room booking, calendars, distribution lists, out-of-office replies, e-mail signatures, the intranet, training, feedback, suspicious mail",
			Keywords: []string{"question", "information", "meeting room", "calendar", "distribution list", "intranet",
				"phishing", "suspicious", "spam", "teams", "notification", "procedure", "room booking", "out of office",
				"signature", "training", "feedback"}},
	}
}

// StarterError refuses the starter set on a helpdesk that has categories
// of its own (not created by the starter set): the starter categories
// beside them would compete with them for every ticket. It is an
// ErrConflict.
type StarterError struct {
	Own []string // the names of the helpdesk's own categories
}

func (e *StarterError) Error() string {
	return fmt.Sprintf("the helpdesk already has categories of its own (%s); the starter set is for a helpdesk without categories, so nothing was changed: "+
		"add categories with `ticketgate setup apply FILE.json` or on the portal's Categories page instead", strings.Join(e.Own, ", "))
}

// Unwrap makes it an ErrConflict.
func (e *StarterError) Unwrap() error { return ErrConflict }

// ApplyStarter creates the starter set's categories, in one transaction.
// It is idempotent: a starter category that exists (by its key: renamed
// or edited, it is still there) is left as it is; one that is missing
// (deleted since) is created again. On a helpdesk that has categories of
// its own it changes nothing and returns a *StarterError. A missing
// starter category whose name another category took is an ErrConflict,
// and nothing changes either.
func (d *Desk) ApplyStarter(ctx context.Context) (*SetupReport, error) {
	var rep *SetupReport
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		rep = &SetupReport{}
		existing, err := tx.ListCategories(ctx)
		if err != nil {
			return err
		}
		byKey := map[string]*Category{}
		var own []string
		for i, c := range existing {
			if c.StarterKey == "" {
				own = append(own, c.Name)
				continue
			}
			byKey[c.StarterKey] = &existing[i]
		}
		if len(own) > 0 {
			return &StarterError{Own: own}
		}
		now := d.clock.Now()
		for _, c := range StarterCategories() {
			if cur, ok := byKey[c.StarterKey]; ok {
				what := "already there"
				if cur.Name != c.Name {
					what = "already there, renamed " + cur.Name
				}
				rep.add(&rep.Unchanged, "category %q: %s", c.Name, what)
				continue
			}
			if err := c.Normalize(); err != nil {
				return err
			}
			c.CreatedAt, c.UpdatedAt = now, now
			if err := tx.CreateCategory(ctx, &c); err != nil {
				if errors.Is(err, ErrConflict) {
					return fmt.Errorf("create category %q: another category has this name: %w", c.Name, ErrConflict)
				}
				return fmt.Errorf("create category %q: %w", c.Name, err)
			}
			rep.add(&rep.Created, "category %q: created", c.Name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("starter set: %w", err)
	}
	d.log.InfoContext(ctx, "starter set applied", slog.Int("created", rep.Created), slog.Int("present", rep.Unchanged))
	return rep, nil
}

// AdminApplyStarter is ApplyStarter for an admin of the portal.
func (d *Desk) AdminApplyStarter(ctx context.Context, actor Actor) (*SetupReport, error) {
	if err := mustBeAdmin(actor, "apply the starter set"); err != nil {
		return nil, err
	}
	rep, err := d.ApplyStarter(ctx)
	if err == nil {
		d.log.InfoContext(ctx, "starter set applied from the portal", slog.String("by", actor.String()))
	}
	return rep, err
}

// NoCategories reports whether the helpdesk has no category at all: the
// admin dashboard then offers the starter set.
func (d *Desk) NoCategories(ctx context.Context) (bool, error) {
	has, err := d.store.HasCategories(ctx)
	if err != nil {
		return false, fmt.Errorf("look for categories: %w", err)
	}
	return !has, nil
}
