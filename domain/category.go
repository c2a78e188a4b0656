package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Rule says how many approvers of a level must approve.
type Rule string

// Approval rules.
const (
	RuleAll Rule = "all" // every approver of the level (the default)
	RuleAny Rule = "any" // one approver of the level is enough
)

// ParseRule returns the rule named s; "" means RuleAll.
func ParseRule(s string) (Rule, error) {
	switch Rule(strings.ToLower(strings.TrimSpace(s))) {
	case "", RuleAll:
		return RuleAll, nil
	case RuleAny:
		return RuleAny, nil
	}
	return "", fmt.Errorf("%w: rule %q (want all or any)", ErrInvalid, s)
}

// ApprovalLevel is one step of a category's approval chain.
type ApprovalLevel struct {
	Rule      Rule
	Approvers []string // normalized addresses, no duplicates
}

// Category is what a ticket is about; it decides approvers and team.
type Category struct {
	ID          int64
	Name        string
	Description string
	// Keywords are strong hints for the local classifier, lower case.
	Keywords []string
	// ApprovalLevels are asked in order; none means no approval is needed.
	ApprovalLevels []ApprovalLevel
	// StarterKey is set on a category that `setup starter` created: the
	// key of the starter set's category it came from ("hardware"; see
	// StarterCategories), "" for the helpdesk's own. It is written when
	// the category is created and never changed: the classifier's
	// warm-start history follows the key, so a renamed starter category
	// keeps it and a deleted one takes it along.
	StarterKey string
	// CalendarID is the business-hours calendar of its SLA targets; nil:
	// the default calendar (issue 18).
	CalendarID *int64
	// SLA is its service-level policy; nil: no targets.
	SLA *SLAPolicy
	// Questions are what the "New ticket" assistant asks about this
	// category, in order (assistant.go); the required ones are asked by
	// the acknowledgement of a mailed ticket too.
	Questions []Question
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MaxCategoryName is the longest category name accepted.
const MaxCategoryName = 100

// Normalize trims and checks c in place: a name, valid rules and addresses,
// no empty level. Keywords are lower-cased and de-duplicated. The error wraps
// ErrInvalid and names the field.
func (c *Category) Normalize() error {
	c.Name = strings.Join(strings.Fields(c.Name), " ")
	if c.Name == "" {
		return fmt.Errorf("%w: name: required", ErrInvalid)
	}
	if len([]rune(c.Name)) > MaxCategoryName {
		return fmt.Errorf("%w: name: longer than %d characters", ErrInvalid, MaxCategoryName)
	}
	c.Description = strings.TrimSpace(c.Description)
	kws := make([]string, 0, len(c.Keywords))
	for _, k := range c.Keywords {
		k = strings.ToLower(strings.Join(strings.Fields(k), " "))
		if k != "" && !slices.Contains(kws, k) {
			kws = append(kws, k)
		}
	}
	c.Keywords = kws
	for i := range c.ApprovalLevels {
		lvl := &c.ApprovalLevels[i]
		rule, err := ParseRule(string(lvl.Rule))
		if err != nil {
			return fmt.Errorf("approval level %d: %w", i+1, err)
		}
		lvl.Rule = rule
		if len(lvl.Approvers) == 0 {
			return fmt.Errorf("%w: approval level %d: no approvers", ErrInvalid, i+1)
		}
		addrs := make([]string, 0, len(lvl.Approvers))
		for _, a := range lvl.Approvers {
			addr, err := NormalizeEmail(a)
			if err != nil {
				return fmt.Errorf("approval level %d: %w", i+1, err)
			}
			if containsMailbox(addrs, addr) {
				return fmt.Errorf("%w: approval level %d: %s is listed twice", ErrInvalid, i+1, addr)
			}
			addrs = append(addrs, addr)
		}
		lvl.Approvers = addrs
	}
	if c.Keywords == nil {
		c.Keywords = []string{}
	}
	if c.SLA != nil {
		if err := c.SLA.Normalize(); err != nil {
			return fmt.Errorf("sla: %w", err)
		}
		if c.SLA.Empty() {
			c.SLA = nil
		}
	}
	qs, err := normalizeQuestions(c.Questions)
	if err != nil {
		return err
	}
	c.Questions = qs
	return nil
}
