package adminui

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"ticketgate/domain"
)

// TestOpenAPI calls every operation of the OpenAPI document (successes and
// the documented problems) and validates each request and each response
// against it with libopenapi-validator; the document itself must be valid
// OpenAPI 3.1, served at /api/v1/openapi.json.
func TestOpenAPI(t *testing.T) {
	doc, err := libopenapi.NewDocument(openAPIDocument)
	if err != nil {
		t.Fatal(err)
	}
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Fatalf("OpenAPI version %q", v)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("document: %s", e.Error())
		}
	}
	eachFixture(t, func(t *testing.T, f *fixture) {
		f.h.apiLimit = newTokenBuckets(1e6, time.Now)
		_, root := f.apiToken("root", domain.ScopeWrite)
		_, ann := f.apiToken("ann", domain.ScopeWrite)
		_, reader := f.apiToken("bob", domain.ScopeRead)
		covered := map[string]bool{}
		call := func(op, token, method, path string, body any, want int, headers ...string) {
			t.Helper()
			res := f.api(token, method, path, body, headers...)
			if res.status != want {
				t.Errorf("%s %s = %d, want %d: %s", method, path, res.status, want, res.body)
			}
			req := f.apiRequest(token, method, path, body, headers...) // the same request again, for the validator
			resp := &http.Response{StatusCode: res.status, Header: res.header, Body: io.NopCloser(bytes.NewReader(res.body)), Request: req}
			validate := v.ValidateHttpRequestResponse
			if token == "" { // the document requires the token: that request is the one refused
				validate = v.ValidateHttpResponse
			}
			if ok, verrs := validate(req, resp); !ok {
				for _, e := range verrs {
					t.Errorf("%s %s (%d): %s: %s", method, path, res.status, e.Message, e.Reason)
				}
			}
			covered[op] = true
		}
		t1 := "/api/v1/tickets/" + f.t1.Ref()
		call("GET /me", root, "GET", "/api/v1/me", nil, 200)
		call("GET /me", "", "GET", "/api/v1/me", nil, 401)
		call("GET /tickets", root, "GET", "/api/v1/tickets?status=assigned&sort=created&dir=asc", nil, 200)
		call("GET /tickets", ann, "GET", "/api/v1/tickets?q=x", nil, 422)
		call("POST /tickets", ann, "POST", "/api/v1/tickets", map[string]string{"subject": "VPN down", "body": "It drops."}, 201, "Idempotency-Key", "one")
		call("POST /tickets", ann, "POST", "/api/v1/tickets", map[string]string{"subject": "VPN down", "body": "It drops."}, 200, "Idempotency-Key", "one")
		call("POST /tickets", root, "POST", "/api/v1/tickets", map[string]string{"subject": "New laptop", "body": "For Ann.", "requester": "ann@company.test", "category": "Hardware"}, 201)
		call("POST /tickets", ann, "POST", "/api/v1/tickets", map[string]string{"subject": "", "body": "x"}, 422)
		call("POST /tickets", reader, "POST", "/api/v1/tickets", map[string]string{"subject": "s", "body": "x"}, 403)
		call("GET /tickets/{ref}", ann, "GET", t1, nil, 200)
		call("GET /tickets/{ref}", ann, "GET", "/api/v1/tickets/"+f.t2.Ref(), nil, 404)
		call("POST /tickets/{ref}/comments", ann, "POST", t1+"/comments", map[string]string{"text": "Any news?"}, 200)
		call("POST /tickets/{ref}/comments", ann, "POST", t1+"/comments", map[string]string{"text": ""}, 422)
		call("POST /tickets/{ref}/resolve", ann, "POST", t1+"/resolve", map[string]string{"note": "x"}, 403)
		call("POST /tickets/{ref}/resolve", root, "POST", t1+"/resolve", map[string]string{"note": "Replaced."}, 200)
		call("POST /tickets/{ref}/reopen", ann, "POST", t1+"/reopen", nil, 200)
		call("POST /tickets/{ref}/assign", root, "POST", t1+"/assign", map[string]string{"agent": "carl@company.test"}, 200)
		call("POST /tickets/{ref}/assign", ann, "POST", t1+"/assign", map[string]string{"agent": "carl@company.test"}, 403)
		call("POST /tickets/{ref}/category", root, "POST", t1+"/category", map[string]string{"category": "Software"}, 200)
		call("POST /tickets/{ref}/category", root, "POST", t1+"/category", map[string]string{"category": "Nope"}, 422)
		call("POST /tickets/{ref}/priority", root, "POST", t1+"/priority", map[string]string{"priority": "urgent"}, 200)
		call("POST /tickets/{ref}/priority", root, "POST", t1+"/priority", map[string]string{"priority": "critical"}, 422)
		call("POST /tickets/{ref}/priority", ann, "POST", t1+"/priority", map[string]string{"priority": "low"}, 403)
		call("GET /categories", root, "GET", "/api/v1/categories", nil, 200)
		call("GET /categories", ann, "GET", "/api/v1/categories", nil, 403)
		call("GET /users", root, "GET", "/api/v1/users", nil, 200)
		call("GET /users", ann, "GET", "/api/v1/users", nil, 403)

		// Every operation of the document was called.
		var spec struct {
			Paths map[string]map[string]any `json:"paths"`
		}
		if err := json.Unmarshal(openAPIDocument, &spec); err != nil {
			t.Fatal(err)
		}
		var missing []string
		for p, ops := range spec.Paths {
			for m := range ops {
				if op := strings.ToUpper(m) + " " + p; !covered[op] {
					missing = append(missing, op)
				}
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("operations never called: %v", missing)
		}
		if len(covered) != 12 {
			t.Errorf("%d operations called, want the 12 of the API", len(covered))
		}

		// The document is served as it is embedded, without a token.
		res := f.api("", "GET", "/api/v1/openapi.json", nil)
		if res.status != 200 || !bytes.Equal(res.body, openAPIDocument) || res.header.Get("Content-Type") != "application/json" {
			t.Errorf("GET /api/v1/openapi.json = %d %q", res.status, res.header.Get("Content-Type"))
		}
	})
}

// TestOpenAPIValidatorCatches: the validator refuses an answer that breaks
// the document, so TestOpenAPI cannot pass by validating nothing.
func TestOpenAPIValidatorCatches(t *testing.T) {
	doc, err := libopenapi.NewDocument(openAPIDocument)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := validator.NewValidator(doc)
	req, _ := http.NewRequest("GET", "http://localhost/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer tg_x")
	bad := `{"id":"one","email":"a@b","name":"","role":"boss","token":{"id":1,"name":"n","scope":"read"}}`
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(bad)), Request: req}
	if ok, _ := v.ValidateHttpResponse(req, resp); ok {
		t.Error("a /me answer with a string id and role boss passed")
	}
	post, _ := http.NewRequest("POST", "http://localhost/api/v1/tickets", strings.NewReader(`{"subject":"s","body":"b","priority":1}`))
	post.Header.Set("Content-Type", "application/json")
	if ok, _ := v.ValidateHttpRequest(post); ok {
		t.Error("a new ticket with an unknown field passed")
	}
}
