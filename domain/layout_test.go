package domain

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestDependencyRule enforces docs/design.md's layout: domain imports none of
// our packages, and the adapters (storage, inbox, outbox, adminui) never
// import each other. Only cmd wires them together.
func TestDependencyRule(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "ticketgate/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	adapters := map[string]bool{"storage": true, "inbox": true, "outbox": true, "adminui": true}
	top := func(pkg string) string {
		rest := strings.TrimPrefix(strings.TrimPrefix(pkg, "ticketgate"), "/")
		first, _, _ := strings.Cut(rest, "/")
		return first
	}
	ours := func(pkg string) bool { return pkg == "ticketgate" || strings.HasPrefix(pkg, "ticketgate/") }
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, from := fields[0], top(fields[0])
		checked++
		for _, imp := range fields[1:] {
			if !ours(imp) {
				continue
			}
			to := top(imp)
			if from == "domain" && to != "domain" {
				t.Errorf("%s imports %s: domain must import none of ours", pkg, imp)
			}
			if adapters[from] && adapters[to] && from != to {
				t.Errorf("%s imports %s: adapters must not import each other", pkg, imp)
			}
		}
	}
	if checked < 5 {
		t.Fatalf("go list saw only %d packages:\n%s", checked, out)
	}
}

// TestProductLeavesOutTestMaterial: the binary does not carry the
// hostile-mail set, which only tests and tgbench use.
func TestProductLeavesOutTestMaterial(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command("go", "list", "-deps", "ticketgate/cmd/ticketgate").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "ticketgate/inbox") {
		t.Fatalf("go list -deps did not list ticketgate/inbox:\n%s", out)
	}
	if slices.Contains(deps, "ticketgate/inbox/hostile") {
		t.Error("ticketgate (cmd/ticketgate) imports ticketgate/inbox/hostile")
	}
}
