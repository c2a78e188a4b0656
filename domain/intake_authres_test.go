package domain

import (
	"strings"
	"testing"
)

func TestAuthPass(t *testing.T) {
	const mx = "mx.company.test"
	tests := []struct {
		name    string
		headers []string // top first
		domain  string
		want    bool
	}{
		// Ordering.
		{"trusted dmarc pass on top", []string{"mx.company.test; dmarc=pass header.from=company.test"}, "company.test", true},
		{"trusted on top, foreign below", []string{
			"mx.company.test; dkim=pass header.d=company.test",
			"relay.evil.test; dmarc=fail header.from=company.test"}, "company.test", true},
		{"two trusted on top", []string{
			"mx.company.test; spf=pass smtp.mailfrom=company.test",
			"mx.company.test; dmarc=pass header.from=company.test"}, "company.test", true},
		{"forged trusted below a foreign one", []string{
			"filter.company.test; spf=none",
			"mx.company.test; dmarc=pass header.from=company.test"}, "company.test", false},
		{"forged trusted below a foreign one below trusted", []string{
			"mx.company.test; spf=pass smtp.mailfrom=company.test",
			"relay.evil.test; none",
			"mx.company.test; dmarc=pass header.from=company.test"}, "company.test", false},
		{"trusted fail on top, trusted pass below", []string{
			"mx.company.test; dmarc=fail header.from=company.test",
			"mx.company.test; dmarc=pass header.from=company.test"}, "company.test", false},
		{"dkim fail for the domain beats a dmarc pass", []string{
			"mx.company.test; dmarc=pass header.from=company.test; dkim=fail header.d=company.test"}, "company.test", false},
		{"dmarc fail for another header.from is final too", []string{
			"mx.company.test; dkim=pass header.d=company.test; dmarc=fail header.from=other.test"}, "company.test", false},
		{"unaligned dkim fail does not refuse", []string{
			"mx.company.test; dkim=fail header.d=lists.test; dkim=pass header.d=company.test"}, "company.test", true},
		{"only a foreign server", []string{"evil.test; dmarc=pass header.from=company.test"}, "company.test", false},
		{"no headers", nil, "company.test", false},
		{"unreadable top header", []string{"", "mx.company.test; dmarc=pass header.from=company.test"}, "company.test", false},

		// Alignment.
		{"dmarc pass for another From domain", []string{"mx.company.test; dmarc=pass header.from=evil.test"}, "company.test", false},
		{"dmarc pass without header.from", []string{"mx.company.test; dmarc=pass"}, "company.test", false},
		{"dmarc pass for a subdomain", []string{"mx.company.test; dmarc=pass header.from=mail.company.test"}, "company.test", false},
		{"dkim pass aligned", []string{"mx.company.test; dkim=pass header.d=company.test"}, "company.test", true},
		{"dkim pass by header.i", []string{"mx.company.test; dkim=pass header.i=@company.test"}, "company.test", true},
		{"dkim pass by header.i with a local part", []string{"mx.company.test; dkim=pass header.i=boss@company.test"}, "company.test", true},
		{"dkim pass for another domain", []string{"mx.company.test; dkim=pass header.d=evil.test"}, "company.test", false},
		{"dkim pass for a look-alike", []string{"mx.company.test; dkim=pass header.d=company.test.evil.test"}, "company.test", false},
		{"spf pass is not enough", []string{"mx.company.test; spf=pass smtp.mailfrom=boss@company.test"}, "company.test", false},
		{"dmarc none", []string{"mx.company.test; dmarc=none header.from=company.test"}, "company.test", false},
		{"no sender domain", []string{"mx.company.test; dmarc=pass header.from=company.test"}, "", false},

		// Syntax: comments, quoting, case, versions, separators.
		{"comments everywhere", []string{"mx.company.test (Postfix (v3)) 1; dkim (checked) = pass (good \\) sig) header.d = company.test (ok)"}, "company.test", true},
		{"a comment cannot hide a fail", []string{"mx.company.test; dmarc=pass header.from=company.test (x; dmarc=pass); dkim=fail (bad) header.d=company.test"}, "company.test", false},
		{"a comment holds a fake pass", []string{"mx.company.test; spf=fail (dmarc=pass header.from=company.test) smtp.mailfrom=company.test"}, "company.test", false},
		{"quoted values", []string{`"mx.company.test"; dmarc=pass header.from="company.test"`}, "company.test", true},
		{"quoted value with an escape", []string{`mx.company.test; dmarc=pass header.from="company\.test"`}, "company.test", true},
		{"a quoted semicolon separates nothing", []string{`mx.company.test; dkim=fail reason="x; dmarc=pass header.from=company.test" header.d=other.test`}, "company.test", false},
		{"upper case", []string{"MX.Company.Test; DMARC=Pass Header.From=Company.Test"}, "company.test", true},
		{"method version", []string{"mx.company.test 1; dkim/1=pass header.d=company.test"}, "company.test", true},
		{"reason before properties", []string{`mx.company.test; dmarc=pass reason="p=reject" policy.dmarc=reject header.from=company.test`}, "company.test", true},
		{"no spaces", []string{"mx.company.test;dmarc=pass header.from=company.test;dkim=none"}, "company.test", true},
		{"folded", []string{"mx.company.test;\r\n\tdkim=pass\r\n header.d=company.test"}, "company.test", true},
		{"none", []string{"mx.company.test; none"}, "company.test", false},
		{"unclosed comment", []string{"mx.company.test; dmarc=pass (header.from=company.test"}, "company.test", false},
		{"unclosed quote", []string{`mx.company.test; dmarc=pass header.from="company.test`}, "company.test", true},
		{"another id with the trusted prefix", []string{"mx.company.test.evil.test; dmarc=pass header.from=company.test"}, "company.test", false},
		{"too many resinfos", []string{"mx.company.test; dmarc=pass header.from=company.test" + strings.Repeat("; spf=none", maxAuthResInfos)}, "company.test", false},
		{"too many properties", []string{"mx.company.test; dmarc=pass header.from=company.test" + strings.Repeat(" x.y=z", maxAuthResProps)}, "company.test", false},
		{"too many trusted headers", repeatHeader("mx.company.test; dmarc=pass header.from=company.test", maxAuthResHeaders+1), "company.test", false},
		{"as many trusted headers as allowed", repeatHeader("mx.company.test; dmarc=pass header.from=company.test", maxAuthResHeaders), "company.test", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := authPass(tt.headers, mx, tt.domain); got != tt.want {
				t.Errorf("authPass(%q, %q, %q) = %v, want %v", tt.headers, mx, tt.domain, got, tt.want)
			}
		})
	}
}

func repeatHeader(h string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = h
	}
	return out
}

func TestParseAuthResults(t *testing.T) {
	h := parseAuthResults(`mx.company.test 1 (comment); dkim=pass (2048-bit key) reason="signature ok" header.d=company.test header.i=@company.test header.s=sel; spf=softfail smtp.mailfrom="a@b.test"; none`)
	if h.authservID != "mx.company.test" || h.overflow || len(h.results) != 2 {
		t.Fatalf("parseAuthResults = %+v", h)
	}
	d := h.results[0]
	if d.method != "dkim" || d.result != "pass" || d.prop("reason") != "signature ok" || d.prop("header.d") != "company.test" ||
		d.prop("header.i") != "@company.test" || d.prop("header.s") != "sel" {
		t.Errorf("dkim resinfo = %+v", d)
	}
	if s := h.results[1]; s.method != "spf" || s.result != "softfail" || s.prop("smtp.mailfrom") != "a@b.test" {
		t.Errorf("spf resinfo = %+v", s)
	}
}

// FuzzAuthPass checks that no header makes the reader panic, and that a
// pass always names the domain in the header (nothing passes from thin air).
func FuzzAuthPass(f *testing.F) {
	f.Add("mx.company.test; dmarc=pass header.from=company.test", "x; y")
	f.Add(`"mx.company.test" (c (d) \) e); dkim/1=pass header.d="company.test"`, "")
	f.Add("mx.company.test; ;;==(;\"", "mx.company.test; dkim=fail header.d=company.test")
	f.Fuzz(func(t *testing.T, a, b string) {
		if authPass([]string{a, b}, "mx.company.test", "company.test") &&
			!strings.Contains(strings.ToLower(a+b), "company.test") {
			t.Errorf("authPass(%q, %q) passed without naming the domain", a, b)
		}
	})
}

// BenchmarkParseAuthResultsHostile measures the reader on headers of
// nested comments, quotes, separators and endless resinfos, at 1 KiB and
// 1 MiB: the time per byte (MB/s) stays flat, the reader is linear.
func BenchmarkParseAuthResultsHostile(b *testing.B) {
	units := map[string]string{
		"comments": `((a(b)\)c) `,
		"mixed":    `(c(d)\)) "q\";" ;dkim=pass header.d=x.test ==; a b c `,
		"unclosed": `(((a\)"; dkim=pass "x=y;; ( `,
	}
	for name, unit := range units {
		for _, size := range []struct {
			name string
			n    int
		}{{"1KiB", 1 << 10}, {"1MiB", 1 << 20}} {
			h := "mx.company.test; " + strings.Repeat(unit, size.n/len(unit))
			b.Run(name+"/"+size.name, func(b *testing.B) {
				b.SetBytes(int64(len(h)))
				for b.Loop() {
					parseAuthResults(h)
				}
			})
		}
	}
}
