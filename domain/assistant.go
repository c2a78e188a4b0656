package domain

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// QuestionKind is how a category's question is answered.
type QuestionKind string

// Question kinds.
const (
	QuestionText     QuestionKind = "text"      // free text, one line or a few
	QuestionChoice   QuestionKind = "choice"    // one of the question's choices
	QuestionAssetTag QuestionKind = "asset_tag" // an inventory tag: letters, digits, - _ . /
)

// ParseQuestionKind returns the kind named s ("" and "asset tag" too).
func ParseQuestionKind(s string) (QuestionKind, error) {
	switch strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(s, "_", " ")), " ")) {
	case "", "text":
		return QuestionText, nil
	case "choice":
		return QuestionChoice, nil
	case "asset tag", "asset":
		return QuestionAssetTag, nil
	}
	return "", fmt.Errorf("%w: question type %q (want text, choice or asset_tag)", ErrInvalid, s)
}

// Question is one thing a category needs to know from the requester; the
// "New ticket" assistant asks it and the acknowledgement of a mailed
// ticket asks the required ones.
type Question struct {
	Text     string
	Required bool
	Kind     QuestionKind
	// Choices are the answers a QuestionChoice accepts, in order.
	Choices []string
}

// Limits of a category's questions and of their answers.
const (
	MaxQuestions      = 10   // per category
	MaxQuestionText   = 200  // characters
	MaxChoices        = 20   // per question
	MaxChoiceText     = 100  // characters
	MaxAnswer         = 1000 // characters
	maxAssetTagLength = 40
)

// normalizeQuestions trims and checks qs in place: text required and
// unique (case-insensitively, since a mailed answer names its question),
// no colon (a mailed answer is "Question: answer"), choices for a choice
// question only.
func normalizeQuestions(qs []Question) ([]Question, error) {
	if len(qs) > MaxQuestions {
		return nil, fmt.Errorf("%w: questions: at most %d per category", ErrInvalid, MaxQuestions)
	}
	out := make([]Question, 0, len(qs))
	for i, q := range qs {
		q.Text = strings.Join(strings.Fields(cleanText(q.Text)), " ")
		switch {
		case q.Text == "":
			return nil, fmt.Errorf("%w: question %d: the question is empty", ErrInvalid, i+1)
		case len([]rune(q.Text)) > MaxQuestionText:
			return nil, fmt.Errorf("%w: question %d: longer than %d characters", ErrInvalid, i+1, MaxQuestionText)
		case strings.Contains(q.Text, ":"):
			return nil, fmt.Errorf("%w: question %d: no colon, please (a mailed answer is written \"question: answer\")", ErrInvalid, i+1)
		}
		for _, p := range out {
			if strings.EqualFold(p.Text, q.Text) {
				return nil, fmt.Errorf("%w: question %d: %q is asked twice", ErrInvalid, i+1, q.Text)
			}
		}
		kind, err := ParseQuestionKind(string(q.Kind))
		if err != nil {
			return nil, fmt.Errorf("question %d: %w", i+1, err)
		}
		q.Kind = kind
		var choices []string
		for _, c := range q.Choices {
			c = strings.Join(strings.Fields(cleanText(c)), " ")
			if c == "" || slices.ContainsFunc(choices, func(o string) bool { return strings.EqualFold(o, c) }) {
				continue
			}
			if len([]rune(c)) > MaxChoiceText {
				return nil, fmt.Errorf("%w: question %d: a choice is longer than %d characters", ErrInvalid, i+1, MaxChoiceText)
			}
			choices = append(choices, c)
		}
		switch {
		case kind == QuestionChoice && len(choices) < 2:
			return nil, fmt.Errorf("%w: question %d: a choice question needs at least two choices", ErrInvalid, i+1)
		case kind != QuestionChoice && len(choices) > 0:
			return nil, fmt.Errorf("%w: question %d: only a choice question has choices", ErrInvalid, i+1)
		case len(choices) > MaxChoices:
			return nil, fmt.Errorf("%w: question %d: at most %d choices", ErrInvalid, i+1, MaxChoices)
		}
		q.Choices = choices
		out = append(out, q)
	}
	return out, nil
}

// ParseQuestions reads the admin page's list of questions, one a line:
//
//	Question text | required | choice: First, Second
//
// The parts after the text are optional and in any order: "required" (or
// "optional"), the type ("text", "asset tag", or "choice:" with its
// choices separated by commas). Blank lines are skipped.
func ParseQuestions(s string) ([]Question, error) {
	var qs []Question
	for i, line := range strings.Split(s, "\n") {
		parts := strings.Split(line, "|")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if len(qs) >= MaxQuestions*2 {
			break // normalizeQuestions refuses the list anyway
		}
		q := Question{Text: parts[0], Kind: QuestionText}
		for _, p := range parts[1:] {
			p = strings.TrimSpace(p)
			low := strings.ToLower(p)
			switch {
			case low == "required":
				q.Required = true
			case low == "optional" || low == "":
			case strings.HasPrefix(low, "choice"):
				q.Kind = QuestionChoice
				if _, list, ok := strings.Cut(p, ":"); ok {
					q.Choices = strings.Split(list, ",")
				}
			default:
				kind, err := ParseQuestionKind(p)
				if err != nil {
					return nil, fmt.Errorf("%w: line %d: %q is not required, optional, text, choice or asset tag", ErrInvalid, i+1, p)
				}
				q.Kind = kind
			}
		}
		qs = append(qs, q)
	}
	return normalizeQuestions(qs)
}

// FormatQuestions writes qs as ParseQuestions reads them.
func FormatQuestions(qs []Question) string {
	var b strings.Builder
	for _, q := range qs {
		b.WriteString(q.Text)
		if q.Required {
			b.WriteString(" | required")
		}
		switch q.Kind {
		case QuestionChoice:
			b.WriteString(" | choice: " + strings.Join(q.Choices, ", "))
		case QuestionAssetTag:
			b.WriteString(" | asset tag")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TicketField is one answer a ticket was opened with (or given by mail
// later): the question as it was asked and the answer.
type TicketField struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// CheckAnswer cleans a for q: one line of at most MaxAnswer characters; a
// choice must be one of q's choices (its spelling is taken), an asset tag
// letters, digits and - _ . / only. An empty answer is "" with no error:
// whether q may stay unanswered is the caller's rule.
func (q Question) CheckAnswer(a string) (string, error) {
	a = strings.Join(strings.Fields(cleanText(a)), " ")
	if a == "" {
		return "", nil
	}
	if len([]rune(a)) > MaxAnswer {
		return "", fmt.Errorf("%w: at most %d characters", ErrInvalid, MaxAnswer)
	}
	switch q.Kind {
	case QuestionChoice:
		for _, c := range q.Choices {
			if strings.EqualFold(c, a) {
				return c, nil
			}
		}
		return "", fmt.Errorf("%w: pick one of %s", ErrInvalid, strings.Join(q.Choices, ", "))
	case QuestionAssetTag:
		if len(a) > maxAssetTagLength || strings.IndexFunc(a, func(r rune) bool {
			return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_./", r)))
		}) >= 0 {
			return "", fmt.Errorf("%w: an asset tag is letters, digits and - _ . / (at most %d), as on the label", ErrInvalid, maxAssetTagLength)
		}
		return strings.ToUpper(a), nil
	}
	return a, nil
}

// Answers checks the answers to qs (answers[i] answers qs[i]; missing ones
// are empty) and returns the ticket's fields, in the questions' order,
// the unanswered optional ones left out. The errors are keyed
// "answer.<i>" and speak to people; a required question left empty is
// one of them.
func Answers(qs []Question, answers []string) ([]TicketField, error) {
	errs := FieldErrors{}
	var fields []TicketField
	for i, q := range qs {
		var a string
		if i < len(answers) {
			a = answers[i]
		}
		a, err := q.CheckAnswer(a)
		switch {
		case err != nil:
			errs.add(fmt.Sprintf("answer.%d", i), strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
		case a == "" && q.Required:
			errs.add(fmt.Sprintf("answer.%d", i), "this question needs an answer")
		case a != "":
			fields = append(fields, TicketField{Question: q.Text, Answer: a})
		}
	}
	return fields, errs.orNil()
}

// missingRequired returns the required questions of qs that fields do not
// answer.
func missingRequired(qs []Question, fields []TicketField) []Question {
	var out []Question
	for _, q := range qs {
		if q.Required && !slices.ContainsFunc(fields, func(f TicketField) bool { return strings.EqualFold(f.Question, q.Text) }) {
			out = append(out, q)
		}
	}
	return out
}
