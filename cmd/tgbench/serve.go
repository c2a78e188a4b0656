package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// server is one `ticketgate serve` process under measurement.
type server struct {
	bin      string
	env      []string
	httpAddr string
	smtpAddr string
	cmd      *exec.Cmd
	exited   chan struct{}
	exitErr  error
	log      bytes.Buffer // serve's output, for when it dies
	mu       sync.Mutex   // guards log
}

// buildTicketgate compiles ticketgate/cmd/ticketgate (from anywhere in the
// module) into dir and returns the binary.
func buildTicketgate(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "ticketgate")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "ticketgate/cmd/ticketgate")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build ticketgate (run tgbench inside the repository): %w\n%s", err, out)
	}
	return bin, nil
}

// freeAddr returns a loopback address nothing listens on now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// newServer prepares serve with env (KEY=VALUE) on free loopback ports.
func newServer(bin string, env []string) (*server, error) {
	httpAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	smtpAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s := &server{bin: bin, httpAddr: httpAddr, smtpAddr: smtpAddr, exited: make(chan struct{})}
	s.env = append(os.Environ(), env...)
	s.env = append(s.env, "HTTP_ADDR="+httpAddr, "BASE_URL=http://"+httpAddr, "SMTP_LISTEN="+smtpAddr, "LMTP_LISTEN=off")
	return s, nil
}

// run runs a one-shot ticketgate command with serve's environment and
// returns what it printed.
func (s *server) run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Env = s.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("ticketgate %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// start starts serve and waits until it is ready.
func (s *server) start(ctx context.Context) error {
	s.cmd = exec.Command(s.bin, "serve")
	s.cmd.Env = s.env
	pr, pw := io.Pipe()
	s.cmd.Stdout, s.cmd.Stderr = pw, pw
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start serve: %w", err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			s.mu.Lock()
			if s.log.Len() < 1<<20 { // the first MiB is enough to say why it died
				s.log.Write(sc.Bytes())
				s.log.WriteByte('\n')
			}
			s.mu.Unlock()
		}
		io.Copy(io.Discard, pr)
	}()
	go func() {
		s.exitErr = s.cmd.Wait()
		pw.Close()
		close(s.exited)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if s.healthy(ctx, "/readyz") {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("serve exited at start: %v\n%s", s.exitErr, s.output())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.New("serve was not ready within 60 s")
}

func (s *server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// healthy reports whether GET path answers 200.
func (s *server) healthy(ctx context.Context, path string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.httpAddr+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// alive reports whether the process started by start still runs.
func (s *server) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// peak is serve's peak resident set in bytes: VmHWM, which the kernel
// keeps for the life of the process, so nothing between reads is missed
// (0 once the process is gone).
func (s *server) peak() int64 {
	hwm, err := vmHWM(s.cmd.Process.Pid)
	if err != nil {
		return 0
	}
	return hwm
}

// vmHWM reads a process's peak resident set size in bytes (Linux).
func vmHWM(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// stop ends serve with SIGTERM (then SIGKILL after 10 s).
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil || !s.alive() {
		return
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// metrics fetches serve's Prometheus text (with METRICS_TOKEN when set).
func (s *server) metrics(ctx context.Context) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.httpAddr+"/metrics", nil)
	if tok := os.Getenv("METRICS_TOKEN"); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	return string(b), err
}

// counter reads the value of one series from Prometheus text: name and
// labels as they are written, e.g. `ticketgate_mails_received_total`,
// `channel="smtp",outcome="ticket"`.
func counter(text, name, labels string) float64 {
	for _, line := range strings.Split(text, "\n") {
		rest, ok := strings.CutPrefix(line, name+"{")
		if !ok {
			continue
		}
		ls, val, ok := strings.Cut(rest, "} ")
		if !ok || ls != labels {
			continue
		}
		f, _ := strconv.ParseFloat(strings.TrimSpace(val), 64)
		return f
	}
	return 0
}
