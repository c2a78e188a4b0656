package classify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"ticketgate/domain"
)

// OpenAIConfig configures the OpenAI-compatible classifier.
type OpenAIConfig struct {
	APIKey  string
	BaseURL string // "" means the official API; Azure is recognised by its host
	Model   string
	Timeout time.Duration // per request; 0 means 10s
	// HTTPClient is used for requests when set (tests).
	HTTPClient *http.Client
}

// OpenAI asks an OpenAI-compatible chat completions endpoint to pick a
// category: temperature 0, and an answer constrained to JSON whose
// category is one of the names given (a JSON schema with an enum; servers
// that refuse JSON schemas get plain JSON mode from then on, and the name
// is checked here). Every failure is an error that says what went wrong
// in a few words and never contains the API key.
type OpenAI struct {
	client    *openai.Client
	model     string
	timeout   time.Duration
	key       string
	plainJSON atomic.Bool // the server refused response_format json_schema
}

// NewOpenAI returns the classifier for cfg.
func NewOpenAI(cfg OpenAIConfig) *OpenAI {
	var cc openai.ClientConfig
	if u, err := url.Parse(cfg.BaseURL); err == nil && strings.HasSuffix(u.Hostname(), ".openai.azure.com") {
		cc = openai.DefaultAzureConfig(cfg.APIKey, cfg.BaseURL)
	} else {
		cc = openai.DefaultConfig(cfg.APIKey)
		if cfg.BaseURL != "" {
			cc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
		}
	}
	if cfg.HTTPClient != nil {
		cc.HTTPClient = cfg.HTTPClient
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &OpenAI{client: openai.NewClientWithConfig(cc), model: cfg.Model, timeout: timeout, key: cfg.APIKey}
}

// maxPromptBody bounds the ticket text sent: the start of a mail says what
// it is about, and long threads only cost time and tokens.
const maxPromptBody = 6000

// answerJSON is the answer the model is asked for.
type answerJSON struct {
	Category   string   `json:"category"`
	Confidence *float64 `json:"confidence"`
	Reason     string   `json:"reason"`
}

// Classify implements domain.Classifier.
func (o *OpenAI) Classify(ctx context.Context, subject, body string, categories []domain.Category) (domain.Classification, error) {
	res := domain.Classification{Method: domain.MethodOpenAI}
	if len(categories) == 0 {
		return res, errors.New("no categories to choose from")
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	req := o.request(subject, body, categories, o.plainJSON.Load())
	resp, err := o.client.CreateChatCompletion(ctx, req)
	if err != nil && !o.plainJSON.Load() && schemaRefused(err) {
		o.plainJSON.Store(true)
		req = o.request(subject, body, categories, true)
		resp, err = o.client.CreateChatCompletion(ctx, req)
	}
	if err != nil {
		return res, o.failure(ctx, err)
	}
	if len(resp.Choices) == 0 {
		return res, errors.New("the answer had no choices")
	}
	msg := resp.Choices[0].Message
	if msg.Refusal != "" {
		return res, fmt.Errorf("the model refused: %s", o.oneLine(msg.Refusal, 120))
	}
	if resp.Choices[0].FinishReason == openai.FinishReasonContentFilter {
		return res, errors.New("the model refused: content filter")
	}
	var ans answerJSON
	content := strings.TrimSpace(msg.Content)
	content = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(content, "```json"), "```"), "```")
	if err := json.Unmarshal([]byte(strings.TrimSpace(content)), &ans); err != nil {
		return res, fmt.Errorf("malformed JSON answer: %s", o.oneLine(msg.Content, 80))
	}
	for _, c := range categories {
		if strings.EqualFold(strings.TrimSpace(ans.Category), c.Name) {
			res.Category = c.Name
		}
	}
	if res.Category == "" {
		return res, fmt.Errorf("answered %q, which is not a category", o.oneLine(ans.Category, 60))
	}
	res.Confidence = 1
	if ans.Confidence != nil && !math.IsNaN(*ans.Confidence) {
		res.Confidence = min(max(*ans.Confidence, 0), 1)
	}
	res.Candidates = []domain.Candidate{{Category: res.Category, Confidence: res.Confidence}}
	res.Explanation = fmt.Sprintf("%s: %s", o.model, o.oneLine(ans.Reason, 160))
	if ans.Reason == "" {
		res.Explanation = o.model + " gave no reason"
	}
	return res, nil
}

func (o *OpenAI) request(subject, body string, cats []domain.Category, plain bool) openai.ChatCompletionRequest {
	names := make([]string, len(cats))
	var list strings.Builder
	for i, c := range cats {
		names[i] = c.Name
		fmt.Fprintf(&list, "- %s", c.Name)
		if c.Description != "" {
			fmt.Fprintf(&list, ": %s", c.Description)
		}
		if len(c.Keywords) > 0 {
			fmt.Fprintf(&list, " (keywords: %s)", strings.Join(c.Keywords, ", "))
		}
		list.WriteString("\n")
	}
	if r := []rune(body); len(r) > maxPromptBody {
		body = string(r[:maxPromptBody]) + " …"
	}
	system := "You sort IT helpdesk tickets into categories. The categories are:\n" + list.String() +
		"\nAnswer with JSON only: {\"category\": one of the category names exactly as written, " +
		"\"confidence\": your confidence from 0 to 1, \"reason\": a few words}."
	req := openai.ChatCompletionRequest{
		Model: o.model,
		// go-openai leaves a zero temperature out of the request (and the
		// server's default is 1); the smallest float32 is sent, and is 0.
		Temperature: math.SmallestNonzeroFloat32,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: system},
			{Role: openai.ChatMessageRoleUser, Content: "Subject: " + subject + "\n\n" + body},
		},
	}
	if plain {
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	} else {
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
				Name: "ticket_category", Strict: true, Schema: schema(names),
			},
		}
	}
	return req
}

// rawSchema is a JSON schema as bytes.
type rawSchema []byte

// MarshalJSON returns the schema as it is.
func (s rawSchema) MarshalJSON() ([]byte, error) { return s, nil }

func schema(names []string) rawSchema {
	b, _ := json.Marshal(map[string]any{
		"type": "object",
		"properties": map[string]any{
			"category":   map[string]any{"type": "string", "enum": names},
			"confidence": map[string]any{"type": "number"},
			"reason":     map[string]any{"type": "string"},
		},
		"required":             []string{"category", "confidence", "reason"},
		"additionalProperties": false,
	})
	return b
}

// schemaRefused reports a 400 that blames response_format or json_schema:
// the server does not do structured outputs.
func schemaRefused(err error) bool {
	var ae *openai.APIError
	if errors.As(err, &ae) && ae.HTTPStatusCode == http.StatusBadRequest {
		m := strings.ToLower(ae.Message)
		p := ""
		if ae.Param != nil {
			p = *ae.Param
		}
		return strings.Contains(m, "response_format") || strings.Contains(m, "json_schema") || strings.Contains(p, "response_format")
	}
	var re *openai.RequestError
	if errors.As(err, &re) && re.HTTPStatusCode == http.StatusBadRequest {
		b := strings.ToLower(string(re.Body))
		return strings.Contains(b, "response_format") || strings.Contains(b, "json_schema")
	}
	return false
}

// failure turns a request error into a short reason for people.
func (o *OpenAI) failure(ctx context.Context, err error) error {
	var ae *openai.APIError
	var re *openai.RequestError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("no answer within %s", o.timeout)
	case errors.Is(err, context.Canceled):
		return errors.New("canceled")
	case errors.As(err, &ae) && ae.HTTPStatusCode == http.StatusTooManyRequests:
		return errors.New("rate limited (HTTP 429)")
	case errors.As(err, &ae) && ae.HTTPStatusCode != 0:
		return fmt.Errorf("HTTP %d: %s", ae.HTTPStatusCode, o.oneLine(ae.Message, 120))
	case errors.As(err, &re) && re.HTTPStatusCode == http.StatusTooManyRequests:
		return errors.New("rate limited (HTTP 429)")
	case errors.As(err, &re) && re.HTTPStatusCode != 0:
		return fmt.Errorf("HTTP %d", re.HTTPStatusCode)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("network error: %s", o.oneLine(ue.Err.Error(), 120))
	}
	return fmt.Errorf("request failed: %s", o.oneLine(err.Error(), 120))
}

// oneLine makes s one line of at most n runes, with the API key removed.
func (o *OpenAI) oneLine(s string, n int) string {
	if o.key != "" {
		s = strings.ReplaceAll(s, o.key, "[key]")
	}
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}

// Chain asks Primary first and, on any error, Fallback; a fallback's
// explanation says which method decided and why Primary did not.
type Chain struct {
	Primary  domain.Classifier
	Fallback domain.Classifier
	// PrimaryName names Primary in explanations, like "openai".
	PrimaryName string
	// OnFallback, if set, is called with Primary's error (for logs and
	// metrics; the error never holds the API key).
	OnFallback func(error)
}

// Classify implements domain.Classifier.
func (c Chain) Classify(ctx context.Context, subject, body string, categories []domain.Category) (domain.Classification, error) {
	res, err := c.Primary.Classify(ctx, subject, body, categories)
	if err == nil {
		return res, nil
	}
	if c.OnFallback != nil {
		c.OnFallback(err)
	}
	fb, ferr := c.Fallback.Classify(context.WithoutCancel(ctx), subject, body, categories)
	if ferr != nil {
		return fb, fmt.Errorf("%s failed (%v), and so did the fallback: %w", c.PrimaryName, err, ferr)
	}
	why := fmt.Sprintf("%s decided because %s failed: %v", fb.Method, c.PrimaryName, err)
	if fb.Explanation != "" {
		why += "; " + fb.Explanation
	}
	fb.Explanation = why
	return fb, nil
}
