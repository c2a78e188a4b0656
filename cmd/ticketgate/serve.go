package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"ticketgate/adminui"
	"ticketgate/domain"
	"ticketgate/inbox"
)

// shutdownTimeout bounds a graceful stop: in-flight requests get this long.
const shutdownTimeout = 5 * time.Second

func (a *app) cmdServe(args []string) error {
	f := a.newFlags("serve", "serve [flags]")
	if _, err := f.parse(args); err != nil {
		return err
	}
	c, err := a.config(f)
	if err != nil {
		return err
	}
	log := a.logger(c)
	cls := newClassification(c, log)         // classify.go
	leaves := newLeaveReader(c, a.lookupEnv) // leave.go
	st, desk, err := a.openDesk(c, log, cls.deskOption(), domain.WithLeave(leaves, c.LeaveReadInterval))
	if err != nil {
		return err
	}
	defer st.Close()
	leaves.st = st
	if off, err := st.AutovacuumOff(a.ctx); err == nil && off {
		log.Warn("autovacuum is off on this PostgreSQL server: the planner's statistics go stale as tickets come in, " +
			"and list pages slow down; turn it on, or run ANALYZE regularly")
	}

	password, err := desk.EnsureFirstAdmin(a.ctx, c.AdminEmail)
	if err != nil {
		return err
	}
	if password != "" {
		cats, err := st.ListCategories(a.ctx)
		if err != nil {
			return err
		}
		printFirstStart(a.stdout, c, password, len(cats) == 0) // starter.go
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	cls.register(reg)
	stopClassify := cls.start(st, desk)
	defer stopClassify() // after the HTTP server, before the database
	// Mail intake first: the dashboard shows its state.
	mail, err := newMailIn(a.ctx, c, a.lookupEnv, st, desk, reg, log)
	if err != nil {
		return err
	}
	tester, err := newMailboxTester(c, a.lookupEnv, st)
	if err != nil {
		return err
	}
	web, err := adminui.New(adminui.Deps{Desk: desk, Log: log, Registry: reg,
		BaseURL: c.BaseURL, SiteName: c.HelpdeskName, MaxUploadBytes: c.MaxMessageBytes,
		MailIn: mail, Parse: inbox.Parse, MetricsElsewhere: c.MetricsAddr != "", MetricsToken: c.MetricsToken,
		MailboxOAuth: &mailboxConnector{st: st, secrets: mail.secrets, resume: mail.wakers.resume, now: time.Now},
		TestMailbox:  tester.Test, SSO: ssoConfig(c.OIDC), HelpdeskAddress: c.HelpdeskAddress, APIRate: c.APIRate,
		DefaultLanguage: c.DefaultLanguage, DefaultTimeZone: c.DefaultTimeZone})
	if err != nil {
		return err
	}
	// A provider that is down must not stop the portal: the failure is
	// logged and sign-ons retry the discovery.
	go web.DiscoverSSO(a.ctx)
	ln, err := net.Listen("tcp", c.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: %v", err)
	}
	var metricsLn net.Listener // METRICS_ADDR: /metrics on a listener of its own
	if c.MetricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", c.MetricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("METRICS_ADDR: %v", err)
		}
	}
	closeListeners := func() {
		ln.Close()
		if metricsLn != nil {
			metricsLn.Close()
		}
	}
	// The background workers, stopped last started first: the jobs
	// before the outbox, which sends what they queued.
	var workers stopList
	defer workers.stop()
	stopOutbox, err := startOutbox(a.ctx, c, a.lookupEnv, st, desk, log, reg)
	if err != nil {
		closeListeners()
		return err
	}
	workers.add(stopOutbox)
	workers.add(startWebhooks(a.ctx, c, st, desk, log))
	ctx, cancel := context.WithCancel(a.ctx)
	defer cancel()
	waitMail := mail.run(ctx, log)
	workers.add(startJobs(ctx, desk, jobsPeriod, log))
	workers.add(startAssignJob(ctx, desk, assignWaitingEvery, log.With(slog.String("component", "assign"))))
	workers.add(startPasswordLinkJob(ctx, desk, passwordLinksEvery, log))
	workers.add(startDashboardJob(ctx, desk, dashboardEvery, log))
	workers.add(startLeaveJob(ctx, desk, leaveCheckEvery, log.With(slog.String("component", "leave"))))
	// The portal's listener, and /metrics on its own with METRICS_ADDR.
	servers := []httpServer{{"HTTP", newHTTPServer(web, log), ln}}
	if metricsLn != nil {
		servers = append(servers, httpServer{"metrics", newHTTPServer(web.MetricsHandler(), log), metricsLn})
	}
	served := make(chan error, len(servers))
	for _, s := range servers {
		go func() { served <- fmt.Errorf("%s server: %w", s.name, s.srv.Serve(s.ln)) }()
	}
	fmt.Fprintf(a.stdout, "ticketgate is running at %s (listening on %s). Press Ctrl-C to stop.\n", c.BaseURL, ln.Addr())
	if metricsLn != nil {
		fmt.Fprintf(a.stdout, "  metrics: http://%s/metrics\n", metricsLn.Addr())
		log.Info("serving metrics", slog.String("addr", metricsLn.Addr().String()))
	}
	for _, line := range mail.describe(c) {
		fmt.Fprintf(a.stdout, "  mail in: %s\n", line)
	}
	log.Info("serving", slog.String("addr", ln.Addr().String()), slog.String("base_url", c.BaseURL))

	var serveErr error
	select {
	case err := <-served:
		serveErr = err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	cancel()
	sctx, scancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer scancel()
	for _, s := range servers {
		if err := s.srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			log.Warn(s.name+" shutdown", slog.Any("error", err))
		}
	}
	waitMail()
	// What intake left uncommitted was not a crash: forget it, so the
	// next start counts nothing against those mails.
	if err := releaseInFlight(desk); err != nil {
		log.Warn("mails in flight not released; the next start counts them as a crash once", slog.Any("error", err))
	}
	workers.stop()
	log.Info("stopped")
	return serveErr
}

// stopList is what serve started, each by the function that stops it
// and waits for it.
type stopList []func()

func (s *stopList) add(stop func()) { *s = append(*s, stop) }

// stop stops everything, last started first, once.
func (s *stopList) stop() {
	for i := len(*s) - 1; i >= 0; i-- {
		(*s)[i]()
	}
	*s = nil
}

// httpServer is one of serve's HTTP listeners.
type httpServer struct {
	name string
	srv  *http.Server
	ln   net.Listener
}

// newHTTPServer is an HTTP server for h with serve's timeouts, logging
// through log.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
