package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"ticketgate/storage"
)

// page is one portal page the bench loads, as one user.
type page struct {
	name    string
	as      string   // who is signed in
	urls    []string // taken in turn (a ticket page: many tickets)
	maxMS   float64  // target: median ms with one request at a time (0: none)
	minRate float64  // target: requests/s with --conns connections
}

// loadResult is one load run.
type loadResult struct {
	requests int
	errors   int
	firstErr string
	elapsed  time.Duration
	p50, p99 time.Duration
}

func (r loadResult) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// pageFigures are one page's two runs.
type pageFigures struct {
	page
	serial, load loadResult
}

// measurePages signs in as the admin, an agent and a requester through
// the real sign-in form, then loads each page for --serial with one
// connection and for --duration with --conns, /healthz first as the floor.
func measurePages(ctx context.Context, o *benchOpts, st *benchState, srv *server) ([]pageFigures, error) {
	base := "http://" + srv.httpAddr
	cookies := map[string]string{}
	for _, who := range []string{benchAdmin, st.Agent, st.Requester} {
		c, err := signIn(ctx, base, who, benchPassword)
		if err != nil {
			return nil, err
		}
		cookies[who] = c
	}
	// The REST API's list, with a read token of the admin (API_RATE is
	// raised in serve's environment so the limit does not cap the run).
	printed, err := srv.run(ctx, "token", "create", "--user", benchAdmin, "--name", "tgbench", "--scope", "read")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Fields(printed) {
		if strings.HasPrefix(line, "tg_") {
			cookies[benchAPI] = "Bearer " + line
		}
	}
	if cookies[benchAPI] == "" {
		return nil, fmt.Errorf("token create printed no token: %q", printed)
	}
	deep, how, err := deepPage(ctx, base, cookies[benchAdmin], 50)
	if err != nil {
		return nil, err
	}
	tickets, err := ticketURLs(ctx, st, 500)
	if err != nil {
		return nil, err
	}
	pages := []page{
		{name: "/healthz (the floor)", urls: []string{"/healthz"}},
		{name: "admin dashboard", as: benchAdmin, urls: []string{"/admin"}, maxMS: 10, minRate: 1000},
		{name: `"All tickets" page 1`, as: benchAdmin, urls: []string{"/admin/tickets"}, maxMS: 10, minRate: 1000},
		{name: `"All tickets" page 50 (` + how + `)`, as: benchAdmin, urls: []string{deep}, maxMS: 10, minRate: 1000},
		{name: "API list (/api/v1/tickets)", as: benchAPI, urls: []string{"/api/v1/tickets"}, maxMS: 10, minRate: 1000},
		{name: "status filter (assigned)", as: benchAdmin, urls: []string{"/admin/tickets?status=assigned"}, maxMS: 10, minRate: 1000},
		{name: "category filter (" + st.Category + ")", as: benchAdmin, urls: []string{fmt.Sprintf("/admin/tickets?category=%d", st.CategoryID)}, maxMS: 10, minRate: 1000},
		{name: `search "printer"`, as: benchAdmin, urls: []string{"/admin/tickets?q=printer"}, maxMS: 20, minRate: 500},
		{name: "ticket page (admin)", as: benchAdmin, urls: tickets, maxMS: 5, minRate: 2000},
		{name: `requester's "My tickets"`, as: st.Requester, urls: []string{"/tickets"}, maxMS: 10, minRate: 1000},
		{name: "agent's queue", as: st.Agent, urls: []string{"/queue"}, maxMS: 10, minRate: 1000},
	}
	var out []pageFigures
	for _, p := range pages {
		f := pageFigures{page: p}
		cookie := cookies[p.as]
		if f.serial, err = load(ctx, base, p.urls, cookie, 1, o.serial); err != nil {
			return nil, err
		}
		if f.load, err = load(ctx, base, p.urls, cookie, o.conns, o.duration); err != nil {
			return nil, err
		}
		fmt.Printf("pages: %-40s one at a time %6.1f ms | %d conns %7.0f/s p50 %6.1f ms p99 %7.1f ms, %d errors\n", p.name,
			ms(f.serial.p50), o.conns, f.load.rate(), ms(f.load.p50), ms(f.load.p99), f.load.errors+f.serial.errors)
		if f.load.firstErr != "" || f.serial.firstErr != "" {
			fmt.Printf("pages:   first error: %s%s\n", f.serial.firstErr, f.load.firstErr)
		}
		out = append(out, f)
	}
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs in through GET and POST /signin and returns the Cookie
// header of the session.
func signIn(ctx context.Context, base, email, password string) (string, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	body, status, err := get(ctx, c, base+"/signin", "")
	if err != nil {
		return "", err
	}
	m := csrfRE.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		return "", fmt.Errorf("sign-in page: %d, no form", status)
	}
	form := url.Values{"csrf": {html.UnescapeString(m[1])}, "email": {email}, "password": {password}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("sign in as %s: %s", email, resp.Status)
	}
	u, _ := url.Parse(base)
	var parts []string
	for _, ck := range jar.Cookies(u) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return strings.Join(parts, "; "), nil
}

func get(ctx context.Context, c *http.Client, u, cookie string) (string, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", 0, err
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	return string(b), resp.StatusCode, err
}

var nextRE = regexp.MustCompile(`href="([^"]+)"[^>]*>\s*Next\s*<`)

// deepPage follows the "All tickets" list's Next link n-1 times and
// returns the URL of page n (a keyset cursor or a page number, whatever
// the list links to), and how it was found.
func deepPage(ctx context.Context, base, cookie string, n int) (string, string, error) {
	c := &http.Client{Timeout: 60 * time.Second}
	cur := "/admin/tickets"
	for i := 1; i < n; i++ {
		body, status, err := get(ctx, c, base+cur, cookie)
		if err != nil {
			return "", "", err
		}
		if status != http.StatusOK {
			return "", "", fmt.Errorf("GET %s: %d", cur, status)
		}
		m := nextRE.FindStringSubmatch(body)
		if m == nil {
			return "/admin/tickets?page=50", "?page=50: no Next link on page " + fmt.Sprint(i), nil
		}
		cur = html.UnescapeString(m[1])
	}
	return cur, "Next link followed", nil
}

// ticketURLs are the admin pages of n tickets picked at random.
func ticketURLs(ctx context.Context, st *benchState, n int) ([]string, error) {
	store, err := storage.Open(ctx, st.DatabaseURL, nil)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	_, next, err := store.SeedNextIDs(ctx)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var out []string
	for range n {
		out = append(out, fmt.Sprintf("/admin/tickets/TKT-%d", 1+rng.Int64N(next-1)))
	}
	return out, nil
}

// load runs conns connections, each sending GET after GET (keep-alive)
// over urls in turn, for d; a non-2xx answer or a failed request is an
// error. Latencies are of the whole answer, body read.
// load sends GETs of urls with cookie as the Cookie header, or as the
// Authorization header when it is "Bearer …".
func load(ctx context.Context, base string, urls []string, cookie string, conns int, d time.Duration) (loadResult, error) {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext, DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var mu sync.Mutex
	var all []time.Duration
	res := loadResult{}
	stop := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range conns {
		wg.Go(func() {
			var lat []time.Duration
			errs, first := 0, ""
			buf := make([]byte, 32<<10)
			for i := w; time.Now().Before(stop) && ctx.Err() == nil; i += conns {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+urls[i%len(urls)], nil)
				if token, ok := strings.CutPrefix(cookie, "Bearer "); ok {
					req.Header.Set("Authorization", "Bearer "+token)
				} else if cookie != "" {
					req.Header.Set("Cookie", cookie)
				}
				t := time.Now()
				resp, err := c.Do(req)
				if err == nil {
					_, err = io.CopyBuffer(io.Discard, resp.Body, buf)
					resp.Body.Close()
					if err == nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
						err = fmt.Errorf("GET %s: %s", urls[i%len(urls)], resp.Status)
					}
				}
				lat = append(lat, time.Since(t))
				if err != nil {
					errs++
					if first == "" {
						first = err.Error()
					}
				}
			}
			mu.Lock()
			all = append(all, lat...)
			res.errors += errs
			if res.firstErr == "" {
				res.firstErr = first
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	res.elapsed = time.Since(start)
	res.requests = len(all)
	if len(all) == 0 {
		return res, errors.New("load: no request finished")
	}
	slices.Sort(all)
	res.p50 = all[len(all)/2]
	res.p99 = all[min(len(all)-1, len(all)*99/100)]
	return res, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func maxOf(ds []time.Duration) time.Duration { return slices.Max(ds) }
