package domain_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// cannedFile is a setup file with canned replies, one for every ticket
// and one for VPN tickets, in export's order (by title).
const cannedFile = `{
  "categories": [
    {"name": "VPN", "description": "", "keywords": [], "approval_levels": []}
  ],
  "users": [],
  "team_members": [],
  "canned_replies": [
    {"title": "Restart the VPN client", "body": "Hello {{requester.name}},\n\nplease restart the VPN client and try again ({{ticket.ref}}).\n\n{{agent.name}}", "category": "VPN"},
    {"title": "Thanks", "body": "Thank you, {{requester.name}}!"}
  ]
}`

func TestSetupCannedRepliesRoundTrip(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		f, err := domain.ParseSetup([]byte(cannedFile))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := d.ApplySetup(ctx, f, false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 3 || !strings.Contains(strings.Join(rep.Lines, "\n"), `canned reply "Thanks": created`) {
			t.Errorf("first apply: %+v", rep)
		}
		vpn, _ := s.GetCategoryByName(ctx, "VPN")
		restart, err := s.GetCannedReplyByTitle(ctx, "restart the vpn client")
		if err != nil || restart.CategoryID == nil || *restart.CategoryID != vpn.ID || !strings.HasPrefix(restart.Body, "Hello {{requester.name}},\n\n") {
			t.Errorf("stored reply = %+v, %v", restart, err)
		}
		out, err := d.ExportSetup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var want any
		json.Unmarshal([]byte(cannedFile), &want)
		if got := storagetest.JSONValue(t, out); !reflect.DeepEqual(got, want) {
			t.Errorf("export = %v\nwant %v", got, want)
		}
		// The export applies as it is, changing nothing.
		text, _ := json.Marshal(out)
		again, err := domain.ParseSetup(text)
		if err != nil {
			t.Fatal(err)
		}
		rep, err = d.ApplySetup(ctx, again, false)
		if err != nil || rep.Created+rep.Changed+rep.Pruned != 0 || rep.Unchanged != 3 {
			t.Errorf("apply of the export: %+v, %v", rep, err)
		}

		// A changed text and category is a change; prune removes a reply
		// the file leaves out.
		next := `{"categories": [{"name": "VPN"}], "canned_replies": [{"title": "THANKS", "body": "Thanks a lot, {{requester.name}}.", "category": "vpn"}]}`
		f, err = domain.ParseSetup([]byte(next))
		if err != nil {
			t.Fatal(err)
		}
		if rep, err = d.ApplySetup(ctx, f, true); err != nil {
			t.Fatal(err)
		}
		lines := strings.Join(rep.Lines, "\n")
		if !strings.Contains(lines, `canned reply "THANKS": changed`) || !strings.Contains(lines, `canned reply "Restart the VPN client": removed`) {
			t.Errorf("prune apply:\n%s", lines)
		}
		all, _ := s.ListCannedReplies(ctx, domain.CannedReplyFilter{})
		if len(all) != 1 || all[0].Title != "THANKS" || all[0].Category != "VPN" || all[0].Body != "Thanks a lot, {{requester.name}}." {
			t.Errorf("after prune: %+v", all)
		}
	})
}

func TestSetupCannedRepliesRefused(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{`{"canned_replies": [
  {"title": "Fine", "body": "Hi {{requester.name}}"},
  {"title": "VPN restart", "body": "Hi {{requester.email}}"}]}`,
			`line 3: canned_replies[1] ("VPN restart"): unknown placeholder {{requester.email}}: use {{requester.name}}, {{ticket.ref}} or {{agent.name}}`},
		{`{"canned_replies": [{"title": "Open", "body": "Hi {{agent.name"}]}`, `line 1: canned_replies[0] ("Open"): a {{ is not closed by }}`},
		{`{"canned_replies": [{"title": "", "body": "x"}]}`, `canned_replies[0]: give the reply a title`},
		{`{"canned_replies": [{"title": "Empty", "body": ""}]}`, `canned_replies[0] ("Empty"): write the reply's text`},
		{`{"canned_replies": [{"title": "A", "body": "x"},
 {"title": "a", "body": "y"}]}`, `line 2: canned_replies[1] ("a"): canned reply "a" is named twice (first at line 1)`},
		{`{"canned_replies": [{"title": "A", "body": "x", "text": "y"}]}`, `canned_replies[0]: unknown field "text"`},
	} {
		_, err := domain.ParseSetup([]byte(c.file))
		if err == nil || !errors.Is(err, domain.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseSetup(%s) = %v\nwant %q", c.file, err, c.want)
		}
	}
	// A category the database does not have: refused by apply, naming the
	// reply, with nothing changed.
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		f, err := domain.ParseSetup([]byte(`{"categories": [{"name": "VPN"}], "canned_replies": [
  {"title": "Monitor", "body": "Soon.", "category": "Hardware"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.ApplySetup(ctx, f, false)
		if err == nil || !strings.Contains(err.Error(), `line 2: canned_replies[0] ("Monitor"): category: no category named "Hardware"`) {
			t.Errorf("apply = %v", err)
		}
		if _, err := s.GetCategoryByName(ctx, "VPN"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("refused apply created VPN: %v", err)
		}
	})
}
