// Package hostile makes the hostile-mail set: mails built from many copies
// of a pattern that once made (or could make) a mail parser slow, or its
// output huge. The parser's tests (package inbox) check their cost and
// output as ratios to their size, and tgbench's soak sends them through a
// running serve. They are made here rather than kept in git (the largest
// is 20 MiB); inbox/testdata/hostile/gen.go writes them to disk to look at:
//
//	go run ./inbox/testdata/hostile/gen.go -out /tmp/hostile
//
// The product never imports this package.
package hostile

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Case is one kind of hostile mail. Make(n) builds it from n copies of
// its pattern; N is the size the parser's tests check the cost ratios at,
// and 4N the size it is meant to hurt at (100k lines, 20 MiB…).
type Case struct {
	Name string
	N    int
	Make func(n int) []byte
}

// head is the header of a hostile mail from an allowed sender, so
// that what it becomes depends on its body, plus the extra fields.
func head(name string, n int, extra string) string {
	return "From: Ann Lee <ann@company.test>\r\nTo: help@company.test\r\n" +
		fmt.Sprintf("Message-ID: <%s-%d@hostile.test>\r\n", name, n) +
		"Date: Fri, 27 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n" + extra
}

// subject is the Subject field of cases that are not about it.
func subject(name string) string { return "Subject: hostile " + name + "\r\n" }

// Cases returns the hostile-mail set.
func Cases() []Case {
	return []Case{
		{"blockquote-unclosed", 25000, func(n int) []byte {
			// What took serve down: ~600 KB of unclosed <blockquote> lines.
			var b strings.Builder
			b.WriteString(head("blockquote-unclosed", n, subject("blockquote-unclosed")+"Content-Type: text/html; charset=utf-8\r\n\r\n"))
			for i := 0; i < n; i++ {
				b.WriteString("<blockquote>quoted line\r\n")
			}
			return []byte(b.String())
		}},
		{"blockquote-nested", 10000, func(n int) []byte {
			var b strings.Builder
			b.WriteString(head("blockquote-nested", n, subject("blockquote-nested")+"Content-Type: text/html\r\n\r\n<p>Top</p>"))
			for i := 0; i < n; i++ {
				b.WriteString("<blockquote><p>level</p><br>")
			}
			for i := 0; i < n; i++ {
				b.WriteString("</blockquote>after<br>")
			}
			return []byte(b.String())
		}},
		{"folded-subject", 25000, func(n int) []byte {
			var b strings.Builder
			b.WriteString(head("folded-subject", n, "Subject: start\r\n"))
			for i := 0; i < n; i++ {
				fmt.Fprintf(&b, " word%d\r\n", i)
			}
			b.WriteString("\r\nbody\r\n")
			return []byte(b.String())
		}},
		{"many-fields", 25000, func(n int) []byte {
			var b strings.Builder
			b.WriteString(head("many-fields", n, subject("many-fields")))
			for i := 0; i < n; i++ {
				fmt.Fprintf(&b, "X-Junk-%d: value %d\r\n", i, i)
			}
			b.WriteString("\r\nbody\r\n")
			return []byte(b.String())
		}},
		{"addresses", 25000, func(n int) []byte {
			var b strings.Builder
			b.WriteString(head("addresses", n, subject("addresses")+"Cc: first@company.test"))
			for i := 0; i < n; i++ {
				fmt.Fprintf(&b, ",\r\n \"User %d\" <user%d@example.test>", i, i%(n/2+1))
			}
			b.WriteString("\r\n\r\nbody\r\n")
			return []byte(b.String())
		}},
		{"addresses-junk", 25000, func(n int) []byte {
			// Not RFC 5322: the fallback tokenizer reads it.
			var b strings.Builder
			b.WriteString(head("addresses-junk", n, subject("addresses-junk")+"Cc: \"unclosed <a@b.test>"))
			for i := 0; i < n; i++ {
				fmt.Fprintf(&b, " junk%d@example.test;;<>", i)
			}
			b.WriteString("\r\n\r\nbody\r\n")
			return []byte(b.String())
		}},
		{"mime-parts", 2500, func(n int) []byte {
			var b strings.Builder
			b.WriteString(head("mime-parts", n, subject("mime-parts")+"Content-Type: multipart/mixed; boundary=b\r\n\r\n"))
			for i := 0; i < n; i++ {
				if i%2 == 0 {
					fmt.Fprintf(&b, "--b\r\n\r\ntext %d\r\n", i)
				} else {
					fmt.Fprintf(&b, "--b\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n")
				}
			}
			b.WriteString("--b--\r\n")
			return []byte(b.String())
		}},
		{"mime-nested", 2500, func(n int) []byte {
			var b strings.Builder
			b.WriteString(head("mime-nested", n, subject("mime-nested")+"Content-Type: multipart/mixed; boundary=b0\r\n\r\n"))
			for i := 1; i <= n; i++ {
				fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i-1, i)
			}
			fmt.Fprintf(&b, "--b%d\r\n\r\ninnermost\r\n", n)
			for i := n; i >= 0; i-- {
				fmt.Fprintf(&b, "--b%d--\r\n", i)
			}
			return []byte(b.String())
		}},
		{"long-line", 250000, func(n int) []byte {
			// 10 MB on one line at 4n.
			return []byte(head("long-line", n, subject("long-line")+"\r\n") + strings.Repeat("long line ", n))
		}},
		{"long-header-line", 250000, func(n int) []byte {
			return []byte(head("long-header-line", n, "Subject: "+strings.Repeat("subject ", n)+"\r\n\r\nbody\r\n"))
		}},
		{"boundary-line", 250000, func(n int) []byte {
			// One line full of the boundary, never at the start of a line.
			return []byte(head("boundary-line", n, subject("boundary-line")+"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx") +
				strings.Repeat("--b ", n) + "\r\n--b--\r\n")
		}},
		{"base64-text", 70000, func(n int) []byte {
			// 20 MiB of base64 text at 4n.
			line := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("base64 text, ", 5)[:57]))
			return []byte(head("base64-text", n, subject("base64-text")+"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n") +
				strings.Repeat(line+"\r\n", n))
		}},
		{"base64-attachment", 25000, func(n int) []byte {
			line := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xff, 0x00, 0x7f}, 19))
			return []byte(head("base64-attachment", n, subject("base64-attachment")+"Content-Type: multipart/mixed; boundary=b\r\n\r\n"+
				"--b\r\n\r\nSee the file.\r\n--b\r\nContent-Type: application/octet-stream; name=big.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n") +
				strings.Repeat(line+"\r\n", n) + "--b--\r\n")
		}},
		{"quoted-printable", 25000, func(n int) []byte {
			// Soft breaks, escapes, blanks before breaks, stray "=".
			return []byte(head("quoted-printable", n, subject("quoted-printable")+"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n") +
				strings.Repeat("=3D=E9=\r\n \t \t=\r\n=  x==3 \t\r\n=\n", n))
		}},
		{"charsets", 5000, func(n int) []byte {
			charsets := []string{"iso-8859-1", "iso-8859-2", "iso-8859-5", "iso-8859-15", "windows-1251", "windows-1252",
				"koi8-r", "shift_jis", "iso-2022-jp", "euc-jp", "gbk", "gb18030", "big5", "euc-kr", "utf-16", "x-unknown-charset"}
			var b strings.Builder
			b.WriteString(head("charsets", n, "Subject: mixed"))
			for i := 0; i < n; i++ {
				cs := charsets[i%len(charsets)]
				fmt.Fprintf(&b, "\r\n =?%s?B?%s?= =?%s?Q?=A4=E9=B0?=", cs, base64.StdEncoding.EncodeToString([]byte{0xa4, 0xa2, 0xb0, 0xc1, 0x1b, 0x24}), cs)
			}
			b.WriteString("\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
			for i := 0; i < 200; i++ {
				fmt.Fprintf(&b, "--b\r\nContent-Type: text/plain; charset=%s\r\n\r\n%s\r\n", charsets[i%len(charsets)], strings.Repeat("\xa4\xe9\xb0\xc1 ", n/50+1))
			}
			b.WriteString("--b--\r\n")
			return []byte(b.String())
		}},
		{"nul-bytes", 100000, func(n int) []byte {
			return []byte(head("nul-bytes", n, "Subject: nul\x00subject\r\nX-Nul: \x00\x00\r\n\r\n") + strings.Repeat("\x00text\x00\r\n", n))
		}},
		{"html-deep", 25000, func(n int) []byte {
			return []byte(head("html-deep", n, subject("html-deep")+"Content-Type: text/html\r\n\r\n") +
				strings.Repeat("<div><span><table><tr><td><ul><li><pre>x\n", n))
		}},
		{"html-links", 25000, func(n int) []byte {
			var b strings.Builder
			b.WriteString(head("html-links", n, subject("html-links")+"Content-Type: text/html\r\n\r\n"))
			for i := 0; i < n; i++ {
				fmt.Fprintf(&b, "<a href=\"https://example.test/%d\">link %d ", i, i)
			}
			b.WriteString(strings.Repeat("</a>", n))
			return []byte(b.String())
		}},
		{"attributions", 25000, func(n int) []byte {
			// Lines that each start a costly check in NewText: wrapped
			// attributions, header blocks, signatures, rules, footers.
			return []byte(head("attributions", n, subject("attributions")+"\r\n") + strings.Repeat(
				"On 1 Jan 2026 at 10:00, Someone <a@b.test>\r\nmore words\r\nFrom: x\r\n-Ann Lee\r\n____\r\n\r\n\r\nSent from\r\n", n))
		}},
		{"references", 25000, func(n int) []byte {
			var b strings.Builder
			b.WriteString(head("references", n, subject("references")+"References:"))
			for i := 0; i < n; i++ {
				fmt.Fprintf(&b, " <ref%d@example.test>\r\n", i)
			}
			b.WriteString("In-Reply-To: <irt@example.test>\r\n\r\nbody\r\n")
			return []byte(b.String())
		}},
		{"content-type-params", 10000, func(n int) []byte {
			// Many parameters, RFC 2231 continuations among them.
			var b strings.Builder
			b.WriteString(head("content-type-params", n, subject("content-type-params")+"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/pdf"))
			for i := 0; i < n; i++ {
				fmt.Fprintf(&b, ";\r\n p%d=v; name*%d*=a%%41", i, i)
			}
			b.WriteString("\r\nContent-Disposition: attachment; filename*=utf-8''%41" + strings.Repeat("%42", n) + "\r\n\r\nx\r\n--b--\r\n")
			return []byte(b.String())
		}},
		{"long-fields", 20000, func(n int) []byte {
			// Every field the envelope reads, long and odd: comments in the
			// Date, brackets in ids, a From of many display-name words.
			junk := strings.Repeat("( x ", n/4)
			return []byte("From: " + strings.Repeat("=?utf-8?q?Ann?= ", n/16) + "<ann@company.test>\r\nTo: help@company.test\r\n" +
				"Message-ID: " + strings.Repeat("<", n) + "id@hostile.test>\r\n" +
				"In-Reply-To: " + strings.Repeat("<a@b> ", n/6) + "\r\n" +
				"Date: Fri, 27 Nov 2026 09:00:00 +0000 " + junk + "\r\n" +
				"Return-Path: <" + strings.Repeat("r", n) + "@x>\r\n" +
				"List-Id: " + strings.Repeat("=?iso-8859-1?q?l=E9?= ", n/22) + "\r\n" +
				"Auto-Submitted: " + strings.Repeat("no ", n/3) + "\r\n" +
				"Subject: long fields\r\nContent-Transfer-Encoding: " + strings.Repeat("base64 ", n/7) + "\r\n" +
				"Content-Type: text/plain; charset=" + strings.Repeat("x", n) + "\r\n\r\nYm9keQ==\r\n")
		}},
		{"delivery-status", 10000, func(n int) []byte {
			var b strings.Builder
			b.WriteString(head("delivery-status", n, subject("delivery-status")+
				"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\n\r\nUndeliverable.\r\n"+
				"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.test\r\n\r\n"))
			for i := 0; i < n; i++ {
				fmt.Fprintf(&b, "Final-Recipient: rfc822; r%d@example.test\r\nAction: failed\r\nStatus: 5.0.0\r\nDiagnostic-Code: smtp; 550\r\n 5.1.1 unknown\r\n more\r\n\r\n", i)
			}
			b.WriteString("--b--\r\n")
			return []byte(b.String())
		}},
	}
}

// Write writes every case at N and 4N copies of its pattern to dir, as
// NAME-COPIES.eml, and returns the paths.
func Write(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, c := range Cases() {
		for _, n := range []int{c.N, 4 * c.N} {
			path := filepath.Join(dir, fmt.Sprintf("%s-%d.eml", c.Name, n))
			if err := os.WriteFile(path, c.Make(n), 0o644); err != nil {
				return paths, err
			}
			paths = append(paths, path)
		}
	}
	return paths, nil
}
