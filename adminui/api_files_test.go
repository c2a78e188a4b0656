package adminui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"ticketgate/domain"
)

// multipartTicket is a POST /api/v1/tickets body as multipart/form-data:
// the fields and one file per name of files.
func multipartTicket(t *testing.T, fields map[string]string, files map[string][]byte) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for name, b := range files {
		fw, err := mw.CreateFormFile("files", name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

// TestAPITicketWithFiles: a multipart POST /api/v1/tickets opens the
// ticket with its files stored as the ticket's attachments (the same
// bytes), and one over MAX_MESSAGE_BYTES is refused with a problem and
// opens nothing.
func TestAPITicketWithFiles(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		f.h.apiLimit = newTokenBuckets(1e6, time.Now)
		_, ann := f.apiToken("ann", domain.ScopeWrite)
		content := bytes.Repeat([]byte("log line\n"), 1000)
		post := func(body io.Reader, ctype string) apiResult {
			req, err := http.NewRequest("POST", f.srv.URL+"/api/v1/tickets", body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", ctype)
			req.Header.Set("Authorization", "Bearer "+ann)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return apiResult{status: resp.StatusCode, header: resp.Header, body: b}
		}
		body, ctype := multipartTicket(t, map[string]string{"subject": "VPN drops", "body": "Log attached."},
			map[string][]byte{"vpn.log": content})
		res := post(body, ctype)
		if res.status != http.StatusCreated {
			t.Fatalf("multipart ticket: %d %s", res.status, res.body)
		}
		j := res.json(t)
		atts, _ := j["attachments"].([]any)
		if len(atts) != 1 || fmt.Sprint(atts[0].(map[string]any)["name"]) != "vpn.log" ||
			fmt.Sprint(atts[0].(map[string]any)["size"]) != fmt.Sprint(len(content)) {
			t.Fatalf("attachments %v", j["attachments"])
		}
		id, err := domain.ParseRef(fmt.Sprint(j["ref"]))
		if err != nil {
			t.Fatal(err)
		}
		if stored := f.ticketFiles(id); len(stored) != 1 || !bytes.Equal(stored[0], content) {
			t.Fatalf("stored files differ: %d files", len(stored))
		}

		// Over the limit: a problem, and no ticket.
		count := func() int {
			n, err := f.st.CountTickets(context.Background(), domain.TicketQuery{}, 1000)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		big := make([]byte, f.desk.MaxCommentFileBytes()+2*maxAPIBody)
		body, ctype = multipartTicket(t, map[string]string{"subject": "Huge", "body": "Too much."}, map[string][]byte{"dump.bin": big})
		checkProblem(t, "files over the limit", post(body, ctype), http.StatusRequestEntityTooLarge, "request-too-large")
		if after := count(); after != before {
			t.Errorf("a refused body opened a ticket: %d → %d", before, after)
		}
		// Not a multipart body at all.
		checkProblem(t, "broken multipart", post(bytes.NewReader([]byte("--x\r\nnope")), "multipart/form-data; boundary=x"),
			http.StatusBadRequest, "bad-request")
	})
}

// ticketFiles reads the contents of ticket id's attachments from the
// store.
func (f *fixture) ticketFiles(id int64) [][]byte {
	f.t.Helper()
	ctx := context.Background()
	atts, err := f.st.ListAttachments(ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	var out [][]byte
	for _, a := range atts {
		_, rc, err := f.st.OpenAttachment(ctx, a.ID)
		if err != nil {
			f.t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			f.t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}
