package outbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"

	gomail "github.com/emersion/go-message/mail"

	"ticketgate/domain"
)

// readParts reads raw as a mail client does, with the standard library
// only (net/mail, mime/multipart), so the structure is checked by another
// reader than the one that wrote it.
func readParts(t *testing.T, raw []byte, mediaType string) (params map[string]string, parts []*multipart.Part, bodies [][]byte) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != mediaType {
		t.Fatalf("Content-Type %q (%v), want %s", msg.Header.Get("Content-Type"), err, mediaType)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		// NextRawPart: the transfer encoding is checked here, not undone.
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		parts, bodies = append(parts, p), append(bodies, b)
	}
	return params, parts, bodies
}

func TestComposeFiles(t *testing.T) {
	c := testComposer(t, "help@company.test")
	bin := make([]byte, 100_000)
	rand.Read(bin)
	long := strings.Repeat("Überprüfung der VPN-Konfiguration ", 8) + ".conf" // 272 bytes of UTF-8
	files := []domain.Attachment{
		{Name: "vpn.conf", ContentType: "text/plain; charset=UTF-8", Content: []byte("remote vpn.company.test 1194\n")},
		{Name: "latin1.txt", ContentType: "text/plain; charset=iso-8859-1", Content: []byte("caf\xe9\n")},
		{Name: "écran – cassé.png", ContentType: "image/png", Content: bin},
		{Name: long, ContentType: "application/octet-stream", Content: []byte{0, 1, 2, 0xff}},
		{Name: `quote"back\slash.txt`, ContentType: "message/rfc822", Content: []byte("From: x\r\n\r\nnot a part of this mail\r\n")},
		{Name: "empty.txt", ContentType: "not a media type", Content: nil},
	}
	m := domain.Mail{Kind: domain.MailComment, To: "ann@company.test", Ticket: assignedTicket,
		Vars:        map[string]string{"Author": "Bob", "AuthorEmail": "bob@company.test", "Comment": "Here is the new file."},
		Attachments: files}
	out, err := c.Compose(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(out.Raw), "\r\n") {
		if len(l) > 998 {
			t.Errorf("line %d is %d characters long: %q", i, len(l), l)
		}
	}
	params, parts, bodies := readParts(t, out.Raw, "multipart/mixed")
	if len(parts) != 1+len(files) {
		t.Fatalf("%d parts, want the text and HTML and %d files", len(parts), len(files))
	}
	// The first part is what the mail says, as a mail without files.
	alt := append([]byte("Content-Type: "+parts[0].Header.Get("Content-Type")+"\r\n\r\n"), bodies[0]...)
	_, _, inner := readParts(t, alt, "multipart/alternative")
	if len(inner) != 2 || !strings.Contains(string(inner[0]), "Here is the new file.") {
		t.Fatalf("alternative part: %d parts: %q", len(inner), inner)
	}
	if "alt-"+params["boundary"] != mustParams(t, parts[0].Header.Get("Content-Type"))["boundary"] {
		t.Errorf("boundaries: %q and %q", params["boundary"], parts[0].Header.Get("Content-Type"))
	}
	wantType := []string{"text/plain", "text/plain", "image/png", "application/octet-stream", "application/octet-stream", "application/octet-stream"}
	for i, f := range files {
		p, body := parts[i+1], bodies[i+1]
		ct, ctParams, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil || ct != wantType[i] || ctParams["name"] != f.Name {
			t.Errorf("file %d: Content-Type %q: %s %q %v", i, p.Header.Get("Content-Type"), ct, ctParams["name"], err)
		}
		disp, dParams, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		if err != nil || disp != "attachment" || dParams["filename"] != f.Name {
			t.Errorf("file %d: Content-Disposition %q: %s %q %v", i, p.Header.Get("Content-Disposition"), disp, dParams["filename"], err)
		}
		if te := p.Header.Get("Content-Transfer-Encoding"); te != "base64" {
			t.Errorf("file %d: Content-Transfer-Encoding %q", i, te)
		}
		got, err := io.ReadAll(base64Reader(body))
		if err != nil || !bytes.Equal(got, f.Content) {
			t.Errorf("file %d: %d bytes back (%v), want %d, the same", i, len(got), err, len(f.Content))
		}
	}
	if cs := mustParams(t, parts[1].Header.Get("Content-Type"))["charset"]; cs != "utf-8" {
		t.Errorf("a UTF-8 text file's charset: %q", cs)
	}
	if cs, ok := mustParams(t, parts[2].Header.Get("Content-Type"))["charset"]; ok {
		t.Errorf("a Latin-1 text file has charset %q: go-message would have converted its bytes", cs)
	}
	// The same mail read by go-message's mail reader: two inline parts,
	// then the files with their names and bytes.
	r, err := gomail.CreateReader(bytes.NewReader(out.Raw))
	if err != nil {
		t.Fatal(err)
	}
	var inline, attached int
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p.Body)
		switch h := p.Header.(type) {
		case *gomail.InlineHeader:
			inline++
		case *gomail.AttachmentHeader:
			name, err := h.Filename()
			if f := files[attached]; err != nil || name != f.Name || !bytes.Equal(b, f.Content) {
				t.Errorf("go-message reads file %d as %q (%v), %d bytes", attached, name, err, len(b))
			}
			attached++
		}
	}
	if inline != 2 || attached != len(files) {
		t.Errorf("go-message reads %d inline parts and %d files", inline, attached)
	}
}

// A mail without files keeps its shape: a multipart/alternative.
func TestComposeNoFilesIsAlternative(t *testing.T) {
	c := testComposer(t, "help@company.test")
	out, err := c.Compose(context.Background(), domain.Mail{Kind: domain.MailComment, To: "ann@company.test",
		Ticket: assignedTicket, Vars: map[string]string{"Author": "Bob", "Comment": "No files."}})
	if err != nil {
		t.Fatal(err)
	}
	if _, parts, _ := readParts(t, out.Raw, "multipart/alternative"); len(parts) != 2 {
		t.Fatalf("%d parts", len(parts))
	}
}

func TestFileParam(t *testing.T) {
	for _, name := range []string{"a.pdf", "", "ü", `a"b\c`, strings.Repeat("é", 200), strings.Repeat("x", 61),
		"semi;colon=equals (1).txt", "%41.txt", "tab\there", "日本語のファイル名.xlsx"} {
		v := "attachment" + fileParam("filename", name)
		_, params, err := mime.ParseMediaType(v)
		want := name
		if want == "" {
			want = "attachment"
		}
		if err != nil || params["filename"] != want {
			t.Errorf("%q: %q gives %q (%v)", name, v, params["filename"], err)
		}
		for _, piece := range strings.Split(v, "; ") {
			if len(piece) > rfc2231Piece+len("filename*10*=") {
				t.Errorf("%q: piece %q too long", name, piece)
			}
		}
	}
}

func mustParams(t *testing.T, v string) map[string]string {
	t.Helper()
	_, p, err := mime.ParseMediaType(v)
	if err != nil {
		t.Fatalf("%q: %v", v, err)
	}
	return p
}

// base64Reader decodes a base64 body with its line breaks.
func base64Reader(b []byte) io.Reader {
	return base64.NewDecoder(base64.StdEncoding, strings.NewReader(strings.NewReplacer("\r", "", "\n", "").Replace(string(b))))
}
