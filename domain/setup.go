package domain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SetupFile is the helpdesk's setup as a file (docs/design.md "Setup as a file"):
// categories, users (never passwords), team members, mailboxes (secrets
// only by reference) and canned replies.
type SetupFile struct {
	Categories    []SetupCategory    `json:"categories"`
	Users         []SetupUser        `json:"users"`
	TeamMembers   []SetupTeamMember  `json:"team_members"`
	Mailboxes     []SetupMailbox     `json:"mailboxes,omitempty"`
	CannedReplies []SetupCannedReply `json:"canned_replies,omitempty"`
	Calendars     []SetupCalendar    `json:"calendars,omitempty"`
}

// SetupCategory is a category in a setup file.
type SetupCategory struct {
	Name           string       `json:"name"`
	Description    string       `json:"description"`
	Keywords       []string     `json:"keywords"`
	ApprovalLevels []SetupLevel `json:"approval_levels"`
	// Calendar names the category's business-hours calendar; "": the
	// default one. SLA is its service-level policy (issue 18).
	Calendar string     `json:"calendar,omitempty"`
	SLA      *SLAPolicy `json:"sla,omitempty"`
	// Questions are what the "New ticket" assistant asks (assistant.go);
	// absent means none.
	Questions []SetupQuestion `json:"questions,omitempty"`
	line      int
}

// SetupQuestion is a category's question in a setup file.
type SetupQuestion struct {
	Question string `json:"question"`
	Required bool   `json:"required,omitempty"`
	// Type is text (the default), choice or asset_tag.
	Type    string   `json:"type,omitempty"`
	Choices []string `json:"choices,omitempty"`
}

// SetupLevel is one approval level in a setup file.
type SetupLevel struct {
	Rule      string   `json:"rule"`
	Approvers []string `json:"approvers"`
}

// SetupUser is a user in a setup file.
type SetupUser struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Disabled bool   `json:"disabled,omitempty"`
	// Language (en, de, fr, es) and TimeZone (Europe/Berlin): see User;
	// left out, none.
	Language string `json:"language,omitempty"`
	TimeZone string `json:"timezone,omitempty"`
	line     int
}

// SetupTeamMember is a team member in a setup file. Available left out
// means true; false with a null AwayUntil means away until changed.
type SetupTeamMember struct {
	Email      string     `json:"email"`
	Categories []string   `json:"categories"`
	Available  *bool      `json:"available"`
	AwayUntil  *time.Time `json:"away_until"`
	// LeaveSource is where the member's leave is read: none, microsoft or
	// google (left out: kept, none for a new member).
	LeaveSource string `json:"leave_source,omitempty"`
	line        int
}

// SetupError says where a setup file is wrong.
type SetupError struct {
	Line  int    // 1-based; 0 when the problem has no single place
	Where string // e.g. categories[0].approval_levels[1]
	Err   error
}

func (e *SetupError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Where != "" {
		b.WriteString(e.Where + ": ")
	}
	b.WriteString(strings.TrimPrefix(e.Err.Error(), ErrInvalid.Error()+": "))
	return b.String()
}

// Unwrap returns the cause; setup errors also match ErrInvalid.
func (e *SetupError) Unwrap() []error { return []error{e.Err, ErrInvalid} }

// ParseSetup reads a setup file strictly (unknown fields are errors) and
// checks every value, naming the line of the first problem. It touches no
// database: references to categories that exist only in the database are
// checked by ApplySetup.
func ParseSetup(data []byte) (*SetupFile, error) {
	var probe any
	if err := json.Unmarshal(data, &probe); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, &SetupError{Line: lineAt(data, int(se.Offset)), Err: fmt.Errorf("%w: %v", ErrInvalid, se)}
		}
		return nil, &SetupError{Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
	}
	if _, ok := probe.(map[string]any); !ok {
		return nil, &SetupError{Line: 1, Err: fmt.Errorf("%w: the file must be a JSON object with categories, users and team_members", ErrInvalid)}
	}
	f := &SetupFile{}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return nil, &SetupError{Err: err}
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, &SetupError{Err: err}
		}
		key, _ := tok.(string)
		keyLine := lineAt(data, int(dec.InputOffset()))
		switch key {
		case "categories":
			err = decodeList(dec, data, key, &f.Categories, func(c *SetupCategory, l int) { c.line = l })
		case "users":
			err = decodeList(dec, data, key, &f.Users, func(u *SetupUser, l int) { u.line = l })
		case "team_members":
			err = decodeList(dec, data, key, &f.TeamMembers, func(m *SetupTeamMember, l int) { m.line = l })
		case "mailboxes":
			err = decodeList(dec, data, key, &f.Mailboxes, func(m *SetupMailbox, l int) { m.line = l })
		case "canned_replies":
			err = decodeList(dec, data, key, &f.CannedReplies, func(c *SetupCannedReply, l int) { c.line = l })
		case "calendars":
			err = decodeList(dec, data, key, &f.Calendars, func(c *SetupCalendar, l int) { c.line = l })
		default:
			return nil, &SetupError{Line: keyLine, Err: fmt.Errorf("%w: unknown key %q (want categories, users, team_members, mailboxes, canned_replies, calendars)", ErrInvalid, key)}
		}
		if err != nil {
			return nil, err
		}
	}
	if err := f.validate(); err != nil {
		return nil, err
	}
	return f, nil
}

// decodeList decodes a JSON array (or null) of T into out, strictly, and
// records each element's line with setLine.
func decodeList[T any](dec *json.Decoder, data []byte, key string, out *[]T, setLine func(*T, int)) error {
	start := int(dec.InputOffset())
	tok, err := dec.Token()
	if err != nil {
		return &SetupError{Line: lineAt(data, start), Where: key, Err: err}
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return &SetupError{Line: lineAt(data, skipSpace(data, start)), Where: key, Err: fmt.Errorf("%w: want a list", ErrInvalid)}
	}
	for i := 0; dec.More(); i++ {
		off := skipSpace(data, int(dec.InputOffset()))
		line := lineAt(data, off)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return &SetupError{Line: line, Where: fmt.Sprintf("%s[%d]", key, i), Err: err}
		}
		var v T
		elem := json.NewDecoder(bytes.NewReader(raw))
		elem.DisallowUnknownFields()
		if err := elem.Decode(&v); err != nil {
			l := line
			var te *json.UnmarshalTypeError
			var pe *time.ParseError
			if errors.As(err, &pe) {
				err = fmt.Errorf("away_until: %q is not a time like 2026-12-01T09:00:00Z", pe.Value)
			} else if errors.As(err, &te) {
				l = line + bytes.Count(raw[:min(int(te.Offset), len(raw))], []byte("\n"))
				err = fmt.Errorf("%s: want %s, not a JSON %s", te.Field, te.Type, te.Value)
			} else {
				err = errors.New(strings.TrimPrefix(err.Error(), "json: ") + inlineSecretHint(err.Error()))
			}
			return &SetupError{Line: l, Where: fmt.Sprintf("%s[%d]", key, i), Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
		}
		setLine(&v, line)
		*out = append(*out, v)
	}
	_, err = dec.Token() // ]
	return err
}

func lineAt(data []byte, off int) int {
	return 1 + bytes.Count(data[:min(off, len(data))], []byte("\n"))
}

// skipSpace moves off past white space and the comma between elements.
func skipSpace(data []byte, off int) int {
	for off < len(data) && strings.IndexByte(" \t\r\n,:", data[off]) >= 0 {
		off++
	}
	return off
}

// validate checks every value and normalizes it in place.
func (f *SetupFile) validate() error {
	seen := map[string]int{}
	for i := range f.Categories {
		sc := &f.Categories[i]
		where := fmt.Sprintf("categories[%d]", i)
		c := sc.category()
		if err := c.Normalize(); err != nil {
			return &SetupError{Line: sc.line, Where: where, Err: err}
		}
		key := strings.ToLower(c.Name)
		if prev, dup := seen[key]; dup {
			return &SetupError{Line: sc.line, Where: where, Err: fmt.Errorf("%w: category %q is named twice (first at line %d)", ErrInvalid, c.Name, prev)}
		}
		seen[key] = sc.line
		calendar := strings.Join(strings.Fields(sc.Calendar), " ")
		*sc = fromCategory(c, sc.line)
		sc.Calendar = calendar
	}
	emails := map[string]int{}
	for i := range f.Users {
		su := &f.Users[i]
		where := fmt.Sprintf("users[%d]", i)
		addr, err := NormalizeEmail(su.Email)
		if err != nil {
			return &SetupError{Line: su.line, Where: where, Err: err}
		}
		if prev, dup := emails[addr]; dup {
			return &SetupError{Line: su.line, Where: where, Err: fmt.Errorf("%w: user %s is named twice (first at line %d)", ErrInvalid, addr, prev)}
		}
		emails[addr] = su.line
		role := RoleEmployee
		if su.Role != "" {
			if role, err = ParseRole(su.Role); err != nil {
				return &SetupError{Line: su.line, Where: where, Err: err}
			}
		}
		errs := FieldErrors{}
		su.Language, su.TimeZone = checkLocale(errs, su.Language, su.TimeZone)
		if err := errs.orNil(); err != nil {
			return &SetupError{Line: su.line, Where: where, Err: err}
		}
		su.Email, su.Name, su.Role = addr, strings.TrimSpace(su.Name), string(role)
	}
	members := map[string]int{}
	for i := range f.TeamMembers {
		sm := &f.TeamMembers[i]
		where := fmt.Sprintf("team_members[%d]", i)
		addr, err := NormalizeEmail(sm.Email)
		if err != nil {
			return &SetupError{Line: sm.line, Where: where, Err: err}
		}
		if prev, dup := members[addr]; dup {
			return &SetupError{Line: sm.line, Where: where, Err: fmt.Errorf("%w: team member %s is named twice (first at line %d)", ErrInvalid, addr, prev)}
		}
		members[addr] = sm.line
		sm.Email = addr
		if sm.LeaveSource != "" {
			src, err := ParseLeaveSource(sm.LeaveSource)
			if err != nil {
				return &SetupError{Line: sm.line, Where: where, Err: err}
			}
			sm.LeaveSource = string(src)
		}
		var names []string
		for _, n := range sm.Categories {
			n = strings.Join(strings.Fields(n), " ")
			if n == "" {
				return &SetupError{Line: sm.line, Where: where, Err: fmt.Errorf("%w: empty category name", ErrInvalid)}
			}
			if !slices.ContainsFunc(names, func(x string) bool { return strings.EqualFold(x, n) }) {
				names = append(names, n)
			}
		}
		sm.Categories = names
		if u, ok := f.user(addr); ok && u.Role == string(RoleEmployee) {
			return &SetupError{Line: sm.line, Where: where, Err: fmt.Errorf("%w: %s is a team member but listed as an employee in users (line %d): make them an agent or admin", ErrInvalid, addr, u.line)}
		}
	}
	if err := f.validateMailboxes(); err != nil {
		return err
	}
	if err := f.validateCalendars(); err != nil {
		return err
	}
	return f.validateCanned()
}

func (f *SetupFile) user(email string) (SetupUser, bool) {
	for _, u := range f.Users {
		if u.Email == email {
			return u, true
		}
	}
	return SetupUser{}, false
}

func (sc SetupCategory) category() Category {
	c := Category{Name: sc.Name, Description: sc.Description, Keywords: slices.Clone(sc.Keywords)}
	if sc.SLA != nil {
		p := *sc.SLA
		c.SLA = &p
	}
	for _, l := range sc.ApprovalLevels {
		c.ApprovalLevels = append(c.ApprovalLevels, ApprovalLevel{Rule: Rule(l.Rule), Approvers: slices.Clone(l.Approvers)})
	}
	for _, q := range sc.Questions {
		c.Questions = append(c.Questions, Question{Text: q.Question, Required: q.Required, Kind: QuestionKind(q.Type),
			Choices: slices.Clone(q.Choices)})
	}
	return c
}

func fromCategory(c Category, line int) SetupCategory {
	sc := SetupCategory{Name: c.Name, Description: c.Description, Keywords: slices.Clone(c.Keywords), line: line,
		ApprovalLevels: []SetupLevel{}, SLA: c.SLA}
	if sc.Keywords == nil {
		sc.Keywords = []string{}
	}
	for _, l := range c.ApprovalLevels {
		sc.ApprovalLevels = append(sc.ApprovalLevels, SetupLevel{Rule: string(l.Rule), Approvers: slices.Clone(l.Approvers)})
	}
	for _, q := range c.Questions {
		sc.Questions = append(sc.Questions, SetupQuestion{Question: q.Text, Required: q.Required, Type: string(q.Kind),
			Choices: slices.Clone(q.Choices)})
	}
	return sc
}
