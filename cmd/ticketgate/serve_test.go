package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listeningRE = regexp.MustCompile(`listening on ([0-9.:\[\]]+)\)`)

// waitFor polls out until re matches, or fails the test after 20 s.
func waitFor(t *testing.T, out interface{ String() string }, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s in output:\n%s", re, out.String())
	return nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	return getWith(t, url, "")
}

// getWith is get with an Authorization header ("" for none).
func getWith(t *testing.T, url, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServe starts serve in-process on each database: it migrates, creates
// the first admin with a printed one-time password, answers the health
// endpoints, and stops when its context ends.
func TestServe(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var out, errOut syncBuffer
		env := map[string]string{"DATABASE_URL": db.URL, "HTTP_ADDR": "127.0.0.1:0", "ADMIN_EMAIL": "boss@company.test",
			"SMTP_LISTEN": "127.0.0.1:0", "HELPDESK_ADDRESS": "help@company.test"}
		done := make(chan int, 1)
		go func() { done <- run(ctx, []string{"serve"}, envOf(env), strings.NewReader(""), &out, &errOut) }()
		addr := waitFor(t, &out, listeningRE)[1]
		base := "http://" + addr

		pw := regexp.MustCompile(`one-time password: (\S+)`).FindStringSubmatch(out.String())
		if pw == nil {
			t.Fatalf("no one-time password printed:\n%s", out.String())
		}
		if strings.Contains(errOut.String(), pw[1]) {
			t.Error("the one-time password went to the log")
		}
		if !strings.Contains(out.String(), "ticketgate setup starter") {
			t.Errorf("the first-start message on an empty database does not tell how to apply the starter set:\n%s", out.String())
		}
		st := storagetest.Open(t, db.URL)
		admin, err := st.GetUserByEmail(ctx, "boss@company.test")
		if err != nil || admin.Role != domain.RoleAdmin || !admin.MustChangePassword || !domain.CheckPassword(admin.PasswordHash, pw[1]) {
			t.Fatalf("first admin = %+v, %v", admin, err)
		}

		for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
			if code, _ := get(t, base+path); code != http.StatusOK {
				t.Errorf("GET %s = %d, want 200", path, code)
			}
		}
		_, metrics := get(t, base+"/metrics")
		for _, want := range []string{"go_goroutines", "process_cpu_seconds_total", `ticketgate_http_requests_total{code="200",method="get",route="healthz"} 1`} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		if code, _ := get(t, base+"/nope"); code != http.StatusNotFound {
			t.Errorf("GET /nope = %d, want 404", code)
		}

		// Mail sent to the built-in SMTP receiver becomes a ticket.
		smtpAddr := waitFor(t, &out, regexp.MustCompile(`receiving SMTP on (\S+) for help@company.test`))[1]
		msg := "From: Ann <ann@company.test>\r\nTo: help@company.test\r\nSubject: Screen flickers\r\nMessage-Id: <serve-1@company.test>\r\n\r\nMy screen flickers.\r\n"
		sc, err := smtp.Dial(smtpAddr)
		if err != nil {
			t.Fatal(err)
		}
		if err := sc.SendMail("ann@company.test", []string{"help@company.test"}, strings.NewReader(msg)); err != nil {
			t.Fatalf("send mail to serve: %v", err)
		}
		sc.Quit()
		tickets, _ := st.ListTickets(ctx, domain.TicketQuery{})
		if len(tickets) != 1 || tickets[0].Subject != "Screen flickers" || tickets[0].Requester != "ann@company.test" {
			t.Errorf("tickets after mail = %+v", tickets)
		}

		// serve runs the dashboard's job: the medians snapshot is taken.
		desk := domain.NewDesk(st, nil, nil)
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			d, err := desk.Dashboard(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !d.MediansAt.IsZero() && d.Open == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("serve's dashboard job took no medians snapshot in 20 s (open %d)", d.Open)
			}
		}

		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d after cancel: %s", code, errOut.String())
			}
		case <-time.After(shutdownTimeout + 2*time.Second):
			t.Fatal("serve did not stop within the shutdown timeout")
		}

		// A second start on the same database creates no second admin.
		ctx2, cancel2 := context.WithCancel(context.Background())
		var out2 syncBuffer
		go func() { done <- run(ctx2, []string{"serve"}, envOf(env), strings.NewReader(""), &out2, io.Discard) }()
		waitFor(t, &out2, listeningRE)
		cancel2()
		<-done
		if strings.Contains(out2.String(), "one-time password") {
			t.Error("second start printed a password again")
		}
	})
}

// builds are the binaries the tests built, by their build tags ("" for
// none): each is built once per test run.
var builds sync.Map // tags → *build

type build struct {
	once sync.Once
	path string
	err  error
}

// binary builds ticketgate once for the tests that need a real process.
func binary(t *testing.T) string { return buildWith(t, "") }

// buildWith builds ticketgate with the build tags (comma separated) once.
func buildWith(t *testing.T, tags string) string {
	t.Helper()
	v, _ := builds.LoadOrStore(tags, &build{})
	b := v.(*build)
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "ticketgate-bin")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "ticketgate")
		out, err := exec.Command("go", "build", "-tags", tags, "-o", b.path, ".").CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("%v: %s", err, out)
		}
	})
	if b.err != nil {
		t.Fatalf("build ticketgate (tags %q): %v", tags, b.err)
	}
	return b.path
}

// TestServeProcessStopsOnSignal runs the real binary and stops it with
// SIGINT (Ctrl-C) and SIGTERM: it exits 0. The deadline only guards
// against a hang (serve's own shutdown is bounded by shutdownTimeout, far
// below it): how fast it stops on a busy machine is not asserted.
func TestServeProcessStopsOnSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := binary(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(bin, "serve", "--http-addr", "127.0.0.1:0", "--smtp-listen", "127.0.0.1:0")
			cmd.Dir = dir
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
			var out, errOut syncBuffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			addr := waitFor(t, &out, listeningRE)[1]
			if code, _ := get(t, "http://"+addr+"/readyz"); code != 200 {
				t.Fatalf("/readyz = %d", code)
			}
			if _, err := os.Stat(filepath.Join(dir, "ticketgate.db")); err != nil {
				t.Fatalf("no SQLite database in the working directory: %v", err)
			}
			cmd.Process.Signal(sig)
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			hang := shutdownTimeout + time.Minute
			select {
			case err := <-exited:
				if err != nil {
					t.Errorf("exit after %v: %v\n%s", sig, err, errOut.String())
				}
			case <-time.After(hang):
				t.Fatalf("still running %v after %v", hang, sig)
			}
		})
	}
}

// TestBadConfigExitsWithOneLine runs the real binary with bad settings.
func TestBadConfigExitsWithOneLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := binary(t)
	for _, env := range []string{"DATABASE_URL=mysql://x/y", "DATABASE_URL=postgres://postgres@127.0.0.1:1/x?connect_timeout=2", "IMAP_POLL_INTERVAL=soon"} {
		cmd := exec.Command(bin, "serve")
		cmd.Dir = t.TempDir()
		cmd.Env = []string{env}
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		exitErr, ok := err.(*exec.ExitError)
		name, _, _ := strings.Cut(env, "=")
		lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
		if !ok || exitErr.ExitCode() != 1 || len(lines) != 1 || !strings.Contains(lines[0], name) || strings.Contains(errOut.String(), "goroutine") {
			t.Errorf("%s: err %v, stderr %q; want exit 1 and one line naming %s", env, err, errOut.String(), name)
		}
	}
}
