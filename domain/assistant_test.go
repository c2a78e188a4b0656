package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestParseQuestions(t *testing.T) {
	qs, err := ParseQuestions("Which laptop model | required | choice: ThinkPad, MacBook, thinkpad\n\n  Asset   tag | asset tag\nSince when | optional\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []Question{{Text: "Which laptop model", Required: true, Kind: QuestionChoice, Choices: []string{"ThinkPad", "MacBook"}},
		{Text: "Asset tag", Kind: QuestionAssetTag}, {Text: "Since when", Kind: QuestionText}}
	if FormatQuestions(qs) != FormatQuestions(want) {
		t.Errorf("ParseQuestions = %q, want %q", FormatQuestions(qs), FormatQuestions(want))
	}
	if again, err := ParseQuestions(FormatQuestions(qs)); err != nil || FormatQuestions(again) != FormatQuestions(qs) {
		t.Errorf("FormatQuestions does not read back: %v", err)
	}
	for _, bad := range []string{
		"Model | choice: One",      // a choice needs two
		"Model | colour",           // unknown part
		"Office: where | required", // a colon
		"Model\nmodel",             // twice
		"Model | text | choice",    // choice without choices
		strings.Repeat("Q\n", 0) + strings.Repeat("x", MaxQuestionText+1),
		strings.Repeat("Question n\n", 1) + func() string {
			var b strings.Builder
			for i := range MaxQuestions + 1 {
				b.WriteString("Question " + string(rune('a'+i)) + "\n")
			}
			return b.String()
		}(),
	} {
		if _, err := ParseQuestions(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseQuestions(%.40q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestAnswers(t *testing.T) {
	qs := []Question{{Text: "Asset tag", Required: true, Kind: QuestionAssetTag},
		{Text: "Model", Kind: QuestionChoice, Choices: []string{"ThinkPad", "MacBook"}}, {Text: "Since when"}}
	fs, err := Answers(qs, []string{" lt-42 ", "macbook", ""})
	if err != nil || len(fs) != 2 || fs[0].Answer != "LT-42" || fs[1].Answer != "MacBook" {
		t.Errorf("Answers = %+v, %v", fs, err)
	}
	_, err = Answers(qs, []string{"", "Amiga", strings.Repeat("x", MaxAnswer+1)})
	var fe FieldErrors
	if !errors.As(err, &fe) || fe["answer.0"] != "this question needs an answer" || !strings.Contains(fe["answer.1"], "pick one of") ||
		!strings.Contains(fe["answer.2"], "at most") {
		t.Errorf("Answers with bad values = %v", err)
	}
	if _, err := Answers(qs, []string{"LT 42; DROP"}); err == nil {
		t.Error("an asset tag with spaces and a semicolon is taken")
	}
}
