package main

import (
	"encoding/json"
	"strings"
	"testing"

	"ticketgate/storage/storagetest"
)

func TestTokenCommands(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		env := map[string]string{"DATABASE_URL": db.URL}
		if _, errOut, code := runCLI(t, env, "", "user", "add", "--email", "svc@company.test", "--role", "employee"); code != 0 {
			t.Fatalf("user add: %d %q", code, errOut)
		}
		out, errOut, code := runCLI(t, env, "", "token", "create", "--user", "svc@company.test", "--name", "monitoring", "--scope", "write")
		if code != 0 || !strings.Contains(out, "created token 1 (write) for svc@company.test") {
			t.Fatalf("token create: %d %q %q", code, out, errOut)
		}
		token := strings.Split(out, "\n")[1]
		if !strings.HasPrefix(token, "tg_") {
			t.Fatalf("token %q", token)
		}
		if _, errOut, code := runCLI(t, env, "", "token", "create", "--user", "svc@company.test", "--name", "x", "--scope", "admin"); code != 2 || !strings.Contains(errOut, "--scope") {
			t.Errorf("bad scope: %d %q", code, errOut)
		}
		if _, errOut, code := runCLI(t, env, "", "token", "create", "--user", "nobody@company.test", "--name", "x"); code != 1 || !strings.Contains(errOut, "no user") {
			t.Errorf("unknown user: %d %q", code, errOut)
		}
		out, _, code = runCLI(t, env, "", "token", "list")
		if code != 0 || !strings.Contains(out, "monitoring") || !strings.Contains(out, "never") || strings.Contains(out, token) {
			t.Errorf("token list: %d %q", code, out)
		}
		if out, errOut, code := runCLI(t, env, "", "token", "revoke", "1"); code != 0 || out != "revoked token 1\n" {
			t.Errorf("token revoke: %d %q %q", code, out, errOut)
		}
		if _, _, code := runCLI(t, env, "", "token", "revoke", "7"); code != 1 {
			t.Errorf("revoke unknown: %d", code)
		}
		out, _, code = runCLI(t, env, "", "token", "list", "--json")
		var list []map[string]any
		if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list) != 1 {
			t.Fatalf("token list --json: %d %q %v", code, out, err)
		}
		if l := list[0]; l["user"] != "svc@company.test" || l["scope"] != "write" || l["revoked_at"] == nil || l["last_used_at"] != nil || l["name"] != "monitoring" {
			t.Errorf("token list --json = %v", l)
		}
	})
}
