package classify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"ticketgate/domain"
)

var _ domain.AssistWriter = (*OpenAI)(nil)

// WordQuestions implements domain.AssistWriter: the model rewords each of
// the category's questions for the employee who wrote subject and body,
// in order and as many as given. It decides nothing: the Desk keeps the
// admins' wording when the answer does not fit.
func (o *OpenAI) WordQuestions(ctx context.Context, subject, body string, qs []domain.Question) ([]string, error) {
	var user strings.Builder
	fmt.Fprintf(&user, "Subject: %s\n\n%s\n\nQuestions:\n", cut(subject, maxPromptSubject), cut(body, maxPromptBody))
	for i, q := range qs {
		fmt.Fprintf(&user, "%d. %s", i+1, q.Text)
		if q.Kind == domain.QuestionChoice {
			fmt.Fprintf(&user, " (one of: %s)", strings.Join(q.Choices, ", "))
		}
		user.WriteString("\n")
	}
	system := fmt.Sprintf("You help an employee open an IT helpdesk ticket. Reword each numbered question as one short, "+
		"friendly question to this employee, keeping its meaning and adding nothing. "+
		"Answer with JSON only: {\"questions\": [exactly %d strings, in the same order]}.", len(qs))
	var out struct {
		Questions []string `json:"questions"`
	}
	if err := o.askJSON(ctx, system, user.String(), &out); err != nil {
		return nil, err
	}
	if len(out.Questions) != len(qs) {
		return nil, fmt.Errorf("openai: %d wordings for %d questions", len(out.Questions), len(qs))
	}
	return out.Questions, nil
}

// Summarize implements domain.AssistWriter: one line for the agent.
func (o *OpenAI) Summarize(ctx context.Context, subject, body string, fields []domain.TicketField) (string, error) {
	var user strings.Builder
	fmt.Fprintf(&user, "Subject: %s\n\n%s\n", cut(subject, maxPromptSubject), cut(body, maxPromptBody))
	for _, f := range fields {
		fmt.Fprintf(&user, "%s: %s\n", f.Question, f.Answer)
	}
	var out struct {
		Summary string `json:"summary"`
	}
	err := o.askJSON(ctx, "Summarize this IT helpdesk ticket for the agent who will handle it, in one line of at most "+
		"200 characters: what is wrong and what is needed. Answer with JSON only: {\"summary\": \"...\"}.", user.String(), &out)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(out.Summary) == "" {
		return "", errors.New("openai: empty summary")
	}
	return out.Summary, nil
}

// askJSON asks the model once, in JSON mode, within the classifier's
// timeout, and decodes its answer into out. While a Retry-After is
// running it does not ask.
func (o *OpenAI) askJSON(ctx context.Context, system, user string, out any) error {
	if time.Until(time.Unix(0, o.until.Load())) > 0 {
		return errors.New("openai: rate limited, not asking until Retry-After is over")
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	resp, err := o.client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model:       o.model,
		Temperature: math.SmallestNonzeroFloat32,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: system},
			{Role: openai.ChatMessageRoleUser, Content: user},
		},
		ResponseFormat: &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject},
	})
	if err != nil {
		return fmt.Errorf("openai: %s", o.oneLine(err.Error(), 120))
	}
	if len(resp.Choices) == 0 {
		return errors.New("openai: no answer")
	}
	if err := json.Unmarshal([]byte(resp.Choices[0].Message.Content), out); err != nil {
		return fmt.Errorf("openai: answer is not the JSON asked for: %w", err)
	}
	return nil
}
