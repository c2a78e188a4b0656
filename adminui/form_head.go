package adminui

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
)

// A form with files larger than the request limit cannot be parsed: the
// body is cut at the limit. So that the comment a user typed is not lost
// with their too-large file, the csrf middleware keeps the first bytes of
// every multipart body (formHead) and, when the body was too large, reads
// the fields that came whole before the first file: browsers send a
// form's fields in the order of the page, and the forms that take files
// put them last. Only routes registered with upload see such a request
// (state.bodyCut); the others answer "Too large" as for any other body.

// formHeadBytes bounds what formHead keeps: the fields before the files
// (a CSRF token, a comment) fit in it.
const formHeadBytes = 1 << 20

// formHead reads a request body and keeps its first formHeadBytes.
type formHead struct {
	io.ReadCloser
	head []byte
}

func (f *formHead) Read(p []byte) (int, error) {
	n, err := f.ReadCloser.Read(p)
	if keep := min(n, formHeadBytes-len(f.head)); keep > 0 {
		f.head = append(f.head, p[:keep]...)
	}
	return n, err
}

// fields sets r's form to the fields that are whole in the kept head,
// up to the first file, and says whether there were any.
func (f *formHead) fields(r *http.Request) bool {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return false
	}
	values := url.Values{}
	mr := multipart.NewReader(bytes.NewReader(f.head), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil || p.FileName() != "" || p.FormName() == "" {
			break
		}
		v, err := io.ReadAll(p)
		if err != nil {
			break // cut inside this field: it is not whole
		}
		values.Add(p.FormName(), string(v))
	}
	if len(values) == 0 {
		return false
	}
	r.Form, r.PostForm = values, values
	r.MultipartForm = &multipart.Form{Value: values}
	return true
}

// tooLarge is the page for a request body over the limit.
func (h *Handler) tooLarge(w http.ResponseWriter, r *http.Request) {
	h.showError(w, r, http.StatusRequestEntityTooLarge, "Too large",
		"What you sent is larger than "+humanSize(h.maxUpload)+". Go back and attach smaller files.")
}
