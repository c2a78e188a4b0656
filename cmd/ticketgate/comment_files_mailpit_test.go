package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/textproto"
	"net/url"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/inbox"
	"ticketgate/storage/storagetest"
)

// TestMailpitCommentFiles: an agent's portal comment with files, on
// serve, reaches the requester through the real Mailpit with every file
// a part of the mail, byte for byte, under its name; files over what
// MAX_MESSAGE_BYTES allows are refused on the page, the text kept.
func TestMailpitCommentFiles(t *testing.T) {
	ms := needMailstack(t)
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		st := storagetest.Open(t, db.URL)
		tok := token(t)
		ann := "files-" + tok + "@company.test"
		const password = "bob's long enough password"
		bob := storagetest.UserWithPassword(t, st, "bob-"+tok+"@company.test", domain.RoleAgent, password)
		// A ticket of ann's that bob has; no mail is written for it (a Desk
		// without a composer), so the comment's is the only one to ann.
		d := domain.NewDesk(st, nil, storagetest.Logger(t))
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "VPN " + tok, Body: "It fails.", From: ann, Channel: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Transition(ctx, tk.ID, domain.Change{To: domain.StatusAssigned, Actor: domain.SystemActor, AssigneeID: bob.ID}); err != nil {
			t.Fatal(err)
		}

		_, base, _ := servePortal(t, map[string]string{"DATABASE_URL": db.URL, "SMTP_URL": ms.smtpURL, "TLS_CA_FILE": ms.caFile,
			"MAX_MESSAGE_BYTES": "5MiB"})
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		csrf := formPage(t, c, base+"/signin")
		resp, err := c.PostForm(base+"/signin", url.Values{"csrf": {csrf}, "email": {bob.Email}, "password": {password}})
		if err != nil || resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in: %v %v", resp, err)
		}
		resp.Body.Close()
		csrf = formPage(t, c, base+"/tickets/"+tk.Ref())

		screenshot := make([]byte, 3<<20) // random: nothing on the way may compress or change it
		rand.Read(screenshot)
		files := map[string][]byte{
			"Überprüfung – VPN (neu).png": screenshot,
			"vpn.conf":                    []byte("remote vpn.company.test 1194\nproto udp\n"),
		}
		post := func(text string, files map[string][]byte) (int, string) {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			mw.WriteField("csrf", csrf)
			mw.WriteField("text", text)
			for name, b := range files {
				h := textproto.MIMEHeader{}
				h.Set("Content-Disposition", `form-data; name="files"; filename="`+name+`"`)
				h.Set("Content-Type", "application/octet-stream")
				w, _ := mw.CreatePart(h)
				w.Write(b)
			}
			mw.Close()
			req, _ := http.NewRequest(http.MethodPost, base+"/tickets/"+tk.Ref()+"/comment", &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			page, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(page)
		}
		// MAX_MESSAGE_BYTES is 5 MiB: files of 3.6 MiB together at most,
		// and a request is cut past 6 MiB. Both refusals keep the text.
		for _, size := range []int{4 << 20, 7 << 20} {
			code, page := post("Too much "+tok, map[string][]byte{"big.bin": make([]byte, size)})
			if code != http.StatusRequestEntityTooLarge || !strings.Contains(page, "too large to send") || !strings.Contains(page, "Too much "+tok) {
				t.Errorf("%d bytes of files = %d, want 413 with a message and the text kept\n%s", size, code, page)
			}
		}
		if code, page := post("Here is the new config "+tok+".", files); code != http.StatusSeeOther {
			t.Fatalf("comment with files = %d\n%s", code, page)
		}

		got := ms.search(t, "to:"+ann, 1)
		if len(got) != 1 || !strings.Contains(got[0].Subject, tk.Ref()) {
			t.Fatalf("Mailpit has %+v for %s, want the comment", got, ann)
		}
		// Read as the helpdesk's own mail-in reads it.
		in, err := inbox.Parse(ms.raw(t, got[0].ID))
		if err != nil {
			t.Fatal(err)
		}
		arrived := map[string][]byte{}
		for _, a := range in.Attachments {
			arrived[a.Name] = a.Content
		}
		text := in.Text
		if !strings.Contains(text, "Here is the new config "+tok+".") {
			t.Errorf("the mail's text lacks the comment:\n%s", text)
		}
		if len(arrived) != len(files) {
			t.Errorf("%d files arrived, want %d", len(arrived), len(files))
		}
		for name, b := range files {
			if !bytes.Equal(arrived[name], b) {
				t.Errorf("%q arrived with %d bytes, want the %d sent", name, len(arrived[name]), len(b))
			}
		}
	})
}
