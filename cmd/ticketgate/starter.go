package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"ticketgate/domain"
	"ticketgate/domain/classify"
	"ticketgate/domain/classify/starter"
)

// learnerOptions are the options of the Learners of serve and `classify`:
// the starter set's categories learn from its embedded warm-start history
// (docs/classification.md "The starter set").
func learnerOptions(log *slog.Logger) classify.LearnerOptions {
	return classify.LearnerOptions{Log: log, WarmStart: starter.Rows}
}

// withWarmStart adds to examples (the database's, with confirmed tickets
// of the helpdesk's own) the warm start serve's Learner adds for cats, so
// that `classify eval` from the database measures what serve classifies
// with.
func withWarmStart(examples []classify.Example, cats []domain.Category, confirmed int) ([]classify.Example, error) {
	rows, err := starter.Rows()
	if err != nil {
		return nil, err
	}
	return append(examples, classify.WarmExamples(rows, cats, confirmed)...), nil
}

// starterRows reads a data set's examples as a warm-start history: each
// label becomes the key of the starter category named like it ("HR
// Support" → hr_support), as the embedded history was made.
func starterRows(examples []classify.Example) []starter.Row {
	rows := make([]starter.Row, len(examples))
	for i, e := range examples {
		rows[i] = starter.Row{Key: strings.ReplaceAll(strings.ToLower(strings.TrimSpace(e.Label)), " ", "_"), Text: e.Text}
	}
	return rows
}

// printFirstStart is serve's message on an empty database: the first
// admin's one-time password (printed once, to the terminal only: never
// logged, never stored) and, when there are no categories yet, how to
// start with the starter set.
func printFirstStart(w io.Writer, c *Config, password string, noCategories bool) {
	fmt.Fprintf(w, "\nFirst start: created the admin %s\n  one-time password: %s\n  Sign in at %s and choose a new password.\n",
		c.AdminEmail, password, c.BaseURL)
	if noCategories {
		fmt.Fprintf(w, "  There are no categories yet, so every ticket waits in triage. For a ready IT helpdesk\n"+
			"  (eight categories and a classifier trained on 38,285 real tickets), run\n"+
			"    ticketgate setup starter\n"+
			"  or press \"Apply the starter set\" on the admin dashboard (%s/admin).\n", c.BaseURL)
	}
	fmt.Fprintln(w)
}
