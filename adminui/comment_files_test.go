package adminui

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// filesMaxMessage is MAX_MESSAGE_BYTES in these tests: the files of a
// comment may be CommentFileBytes of it together (about 140 KiB), and a
// request is cut at it plus 1 MiB.
const filesMaxMessage = 256 << 10

// filesFixture is the fixture with MAX_MESSAGE_BYTES at filesMaxMessage,
// for the Desk and the portal alike (as serve wires them).
func filesFixture(t *testing.T, db storagetest.DB) *fixture {
	f := newFixture(t, db)
	log := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.desk = domain.NewDesk(f.st, nil, log, domain.WithComposer(testComposer{}, false), domain.WithMaxMessageBytes(filesMaxMessage))
	var err error
	f.h, err = New(Deps{Desk: f.desk, Log: log, Registry: prometheus.NewRegistry(), BaseURL: f.srv.URL, MaxUploadBytes: filesMaxMessage})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// formFile is a file of a multipart form.
type formFile struct {
	name, contentType string
	content           []byte
}

// postFiles posts a multipart form to path: fields in their order (the
// client's CSRF token first unless fields name "csrf"), then files, then
// the client's token if fields name "csrf-after-files".
func (c *client) postFiles(path string, fields [][2]string, files ...formFile) (*http.Response, string) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	hasCSRF := false
	for _, kv := range fields {
		hasCSRF = hasCSRF || strings.HasPrefix(kv[0], "csrf")
	}
	if !hasCSRF {
		mw.WriteField("csrf", c.csrf)
	}
	after := ""
	for _, kv := range fields {
		if kv[0] == "csrf-after-files" {
			after = c.csrf
			continue
		}
		mw.WriteField(kv[0], kv[1])
	}
	for _, f := range files {
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name="files"; filename=%q`, f.name)}
		if f.contentType != "" {
			h["Content-Type"] = []string{f.contentType}
		}
		w, _ := mw.CreatePart(h)
		w.Write(f.content)
	}
	if after != "" {
		mw.WriteField("csrf", after)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.f.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// ticketState is what a refused comment must leave as it was.
func (f *fixture) ticketState(tk *domain.Ticket) string {
	f.t.Helper()
	td, err := f.desk.Ticket(context.Background(), tk.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	ms, err := f.st.ListOutbox(context.Background(), "", 0)
	if err != nil {
		f.t.Fatal(err)
	}
	return fmt.Sprintf("%d events, %d attachments, %d mails", len(td.Events), len(td.Attachments), len(ms))
}

func TestCommentWithFiles(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := filesFixture(t, db)
		limit := f.desk.MaxCommentFileBytes()
		base := "/tickets/" + f.t1.Ref()
		ann := f.signedIn("ann")
		ann.get(base)

		// The form says how much it takes.
		if _, body := ann.get(base); !strings.Contains(body, `enctype="multipart/form-data"`) ||
			!strings.Contains(body, humanSize(limit)+" in all") || !strings.Contains(body, `name="files"`) {
			t.Errorf("the comment form takes no files, or does not say how much:\n%s", body)
		}

		// Accepted: stored on the ticket, listed with a download link.
		log := []byte("error 809: the VPN server did not answer\x00\xff")
		resp, body := ann.postFiles(base+"/comment", [][2]string{{"text", "Here is the log."}},
			formFile{`C:\Users\ann\vpn client.log`, "text/plain", log}, formFile{"", "", nil})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("comment with a file = %d\n%s", resp.StatusCode, body)
		}
		_, page := ann.get(base)
		if !strings.Contains(page, "Here is the log.") || !strings.Contains(page, "vpn client.log") {
			t.Errorf("the ticket page lacks the comment or its file")
		}
		as, err := f.st.ListAttachments(context.Background(), f.t1.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := as[len(as)-1]
		if len(as) != 2 || last.Name != "vpn client.log" || last.ContentType != "text/plain" {
			t.Fatalf("attachments %+v", as)
		}
		link := fmt.Sprintf("/tickets/%s/attachments/%d", f.t1.Ref(), last.ID)
		if !strings.Contains(page, `href="`+link+`"`) {
			t.Errorf("no download link %s on the page", link)
		}
		if _, got := ann.get(link); got != string(log) {
			t.Errorf("download = %q", got)
		}
		// The agent and the admin too (the admin on the admin's page).
		bob := f.signedIn("bob")
		bob.get(base)
		if resp, body := bob.postFiles(base+"/comment", [][2]string{{"text", "New config attached."}},
			formFile{"vpn.conf", "application/octet-stream", []byte("remote vpn.company.test")}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("agent's comment with a file = %d\n%s", resp.StatusCode, body)
		}
		root := f.signedIn("root")
		root.get("/admin/tickets/" + f.t1.Ref())
		if resp, body := root.postFiles("/admin/tickets/"+f.t1.Ref()+"/comment", [][2]string{{"text", "Screenshot of the fix."}},
			formFile{"fix.png", "image/png", bytes.Repeat([]byte{0x89}, int(limit))}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("admin's comment with a file at the limit = %d\n%s", resp.StatusCode, body)
		}
		if as, _ := f.st.ListAttachments(context.Background(), f.t1.ID); len(as) != 4 {
			t.Errorf("%d attachments after three comments with one file each", len(as))
		}

		// Refused, with the message and the text kept, and nothing changed.
		before := f.ticketState(f.t1)
		text := "Typed with care <&> and kept"
		kept := "Typed with care &lt;&amp;&gt; and kept"
		huge := bytes.Repeat([]byte("x"), filesMaxMessage+2<<20) // over the request limit: cut
		for _, tc := range []struct {
			name   string
			c      *client
			path   string
			files  []formFile
			status int
			msg    string
		}{
			{"over the files' limit", ann, base + "/comment", []formFile{{"a.bin", "", make([]byte, limit-5)}, {"b.bin", "", make([]byte, 6)}},
				http.StatusRequestEntityTooLarge, "too large to send by mail"},
			{"over the request limit", ann, base + "/comment", []formFile{{"huge.iso.txt", "", huge}},
				http.StatusRequestEntityTooLarge, "The files are too large to send: together they may be at most " + humanSize(limit)},
			{"over the request limit, admin", root, "/admin/tickets/" + f.t1.Ref() + "/comment", []formFile{{"huge.txt", "", huge}},
				http.StatusUnprocessableEntity, "The files are too large to send"},
			{"a program", ann, base + "/comment", []formFile{{"fix.bat", "", []byte("@echo off")}},
				http.StatusUnprocessableEntity, "mail providers refuse to deliver"},
			{"a program by type", bob, base + "/comment", []formFile{{"tool", "application/x-msdownload", []byte("MZ")}},
				http.StatusUnprocessableEntity, "mail providers refuse to deliver"},
			{"a program, admin", root, "/admin/tickets/" + f.t1.Ref() + "/comment", []formFile{{"x.js", "", []byte("x")}},
				http.StatusUnprocessableEntity, "mail providers refuse to deliver"},
		} {
			resp, body := tc.c.postFiles(tc.path, [][2]string{{"text", text}}, tc.files...)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.msg) || !strings.Contains(body, kept) {
				t.Errorf("%s = %d, want %d with %q and the text kept\n%s", tc.name, resp.StatusCode, tc.status, tc.msg, body)
			}
			if got := f.ticketState(f.t1); got != before {
				t.Errorf("%s changed the ticket: %s, was %s", tc.name, got, before)
			}
		}
	})
}

// Who may not comment gets what they get without files; a forged or
// missing token, a token after the files of a cut request, and a cut
// request to a route that takes no files change nothing.
func TestCommentWithFilesRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := filesFixture(t, db)
		huge := bytes.Repeat([]byte("x"), filesMaxMessage+2<<20)
		small := formFile{"a.txt", "text/plain", []byte("a")}
		ben, carl, bob, ann := f.signedIn("ben"), f.signedIn("carl"), f.signedIn("bob"), f.signedIn("ann")
		before := map[*domain.Ticket]string{f.t1: f.ticketState(f.t1), f.t3: f.ticketState(f.t3)}
		for _, tc := range []struct {
			name   string
			c      *client
			tk     *domain.Ticket
			path   string
			fields [][2]string
			file   formFile
			status int
		}{
			{"another requester's ticket", ben, f.t1, "/comment", nil, small, http.StatusNotFound},
			{"another requester's ticket, cut", ben, f.t1, "/comment", nil, formFile{"h.txt", "", huge}, http.StatusNotFound},
			{"an agent of another category", carl, f.t1, "/comment", nil, small, http.StatusNotFound},
			{"an agent of the category, not assigned", bob, f.t3, "/comment", nil, small, http.StatusForbidden},
			{"an employee on the admin page", ann, f.t1, "/admin", nil, small, http.StatusNotFound},
			{"no token", ann, f.t1, "/comment", [][2]string{{"csrf", ""}, {"text", "x"}}, small, http.StatusForbidden},
			{"a wrong token", ann, f.t1, "/comment", [][2]string{{"csrf", "forged"}, {"text", "x"}}, small, http.StatusForbidden},
			{"a wrong token, cut", ann, f.t1, "/comment", [][2]string{{"csrf", "forged"}, {"text", "x"}}, formFile{"h.txt", "", huge}, http.StatusForbidden},
			{"the token after the files, cut", ann, f.t1, "/comment", [][2]string{{"csrf-after-files", ""}, {"text", "x"}}, formFile{"h.txt", "", huge}, http.StatusForbidden},
			{"a cut request to resolve", bob, f.t1, "/resolve", [][2]string{{"note", "done"}}, formFile{"h.txt", "", huge}, http.StatusRequestEntityTooLarge},
		} {
			tc.c.get("/tickets")
			path := "/tickets/" + tc.tk.Ref() + tc.path
			if tc.path == "/admin" {
				path = "/admin/tickets/" + tc.tk.Ref() + "/comment"
			}
			fields := tc.fields
			if fields == nil {
				fields = [][2]string{{"text", "x"}}
			}
			resp, body := tc.c.postFiles(path, fields, tc.file)
			if resp.StatusCode != tc.status {
				t.Errorf("%s = %d, want %d\n%s", tc.name, resp.StatusCode, tc.status, body)
			}
			if tc.status == http.StatusNotFound && strings.Contains(body, tc.tk.Subject) {
				t.Errorf("%s: the page shows the ticket", tc.name)
			}
		}
		for tk, was := range before {
			if got := f.ticketState(tk); got != was {
				t.Errorf("%s changed: %s, was %s", tk.Ref(), got, was)
			}
		}
		// The token after the files is fine when nothing is cut.
		ann.get("/tickets")
		if resp, body := ann.postFiles("/tickets/"+f.t1.Ref()+"/comment", [][2]string{{"csrf-after-files", ""}, {"text", "y"}}, small); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("token after the files = %d\n%s", resp.StatusCode, body)
		}
	})
}

// The comment form's "Add internal note" button sends its files with the
// note: internal attachments, which the requester never sees; the same
// rules refuse them, with the text kept.
func TestNoteWithFiles(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := filesFixture(t, db)
		base := "/tickets/" + f.t1.Ref()
		bob := f.signedIn("bob")
		bob.get(base)
		before := f.ticketState(f.t1)
		for _, tc := range []struct {
			name   string
			files  []formFile
			status int
			msg    string
		}{
			{"a program", []formFile{{"fix.cmd", "", []byte("x")}}, http.StatusUnprocessableEntity, "mail providers refuse"},
			{"over the request limit", []formFile{{"h.bin", "", bytes.Repeat([]byte("x"), filesMaxMessage+2<<20)}},
				http.StatusRequestEntityTooLarge, "The files are too large to send"},
			{"over the files' limit", []formFile{{"h.bin", "", make([]byte, f.desk.MaxCommentFileBytes()+1)}},
				http.StatusRequestEntityTooLarge, "too large to send by mail"},
		} {
			resp, body := bob.postFiles(base+"/note", [][2]string{{"text", "Kept note"}}, tc.files...)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.msg) || !strings.Contains(body, "Kept note") {
				t.Errorf("%s = %d, want %d with %q and the text kept\n%s", tc.name, resp.StatusCode, tc.status, tc.msg, body)
			}
			if got := f.ticketState(f.t1); got != before {
				t.Errorf("%s changed the ticket: %s, was %s", tc.name, got, before)
			}
		}
		resp, body := bob.postFiles(base+"/note", [][2]string{{"text", "Their old config, for us"}},
			formFile{"old-vpn.conf", "text/plain", []byte("secret")})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("note with a file = %d\n%s", resp.StatusCode, body)
		}
		as, err := f.st.ListAttachments(context.Background(), f.t1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if last := as[len(as)-1]; last.Name != "old-vpn.conf" || !last.Internal {
			t.Fatalf("the note's file: %+v", last)
		}
		if _, page := bob.get(base); !strings.Contains(page, "old-vpn.conf") {
			t.Error("the agent's page lacks the note's file")
		}
		ann := f.signedIn("ann")
		if _, page := ann.get(base); strings.Contains(page, "old-vpn.conf") || strings.Contains(page, "Their old config") {
			t.Error("the requester's page shows the note or its file")
		}
	})
}
