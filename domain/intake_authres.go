package domain

import "strings"

// Reading Authentication-Results (RFC 8601) for TRUSTED_AUTHSERV_ID.
//
// Which headers count. Every MTA on the way prepends its headers, so the
// server we trust (the one that received the mail from the internet) wrote
// the topmost Authentication-Results, and anything below them came with
// the mail: a sender can put "mx.company.test; dmarc=pass" in their own
// headers. So only the leading run counts: the Authentication-Results
// headers in header order (Inbound.AuthenticationResults, top first) from
// the first one while each carries the trusted authserv-id; the first
// header with another id (or one that cannot be read) ends the run, and
// what stands below it is ignored even if it names the trusted server. If
// the topmost header is another server's, nothing counts: put the trusted
// server's id in TRUSTED_AUTHSERV_ID, or have the inner hop drop or rename
// its results. (RFC 8601 §5 asks the border MTA to delete headers that
// claim its id from incoming mail; this rule is safe without that.)
//
// What passes. In the counted headers, dmarc=pass whose header.from is the
// sender's (From) domain, or dkim=pass whose header.d (or the domain of
// header.i) is the sender's domain; domains compare exactly, ignoring
// case. A fail is final: dmarc=fail (for any header.from: the trusted
// server found the From forged) or dkim=fail for the sender's domain
// refuses the reply even when another counted result passes. Other results
// (none, neutral, temperror, permerror, policy) neither pass nor refuse.
// Results of other methods (spf, arc, iprev...) are not read: SPF
// authenticates the envelope sender, not the From the approver is known by.
//
// The parser follows RFC 8601's grammar loosely but safely: comments in
// parentheses (nested, with backslash escapes) are dropped wherever they
// stand, values may be quoted strings, resinfos are separated by ";",
// method, result and property names are case-insensitive, and "method/1"
// versions are ignored. It runs in one pass, linear in the header's
// length. A header with more than maxAuthResInfos resinfos, or more than
// maxAuthResProps properties in one resinfo, or a leading run of more than
// maxAuthResHeaders headers, is not real mail from a server: it makes
// nothing pass.

// Bounds of what one approval reply's Authentication-Results may hold.
const (
	maxAuthResHeaders = 8  // headers in the trusted leading run
	maxAuthResInfos   = 32 // resinfos (";"-separated results) in one header
	maxAuthResProps   = 16 // properties (header.d=…) of one resinfo
)

// authResult is one resinfo: method and result in lower case, and the
// properties in order (names in lower case, values as written).
type authResult struct {
	method, result string
	props          []authProp
}

type authProp struct{ name, value string }

// prop returns the value of the first property called name, or "".
func (r authResult) prop(name string) string {
	for _, p := range r.props {
		if p.name == name {
			return p.value
		}
	}
	return ""
}

// authResHeader is one parsed Authentication-Results header.
type authResHeader struct {
	authservID string
	results    []authResult
	overflow   bool // more resinfos or properties than the bounds allow
}

// authPass reports whether the leading run of Authentication-Results
// headers carrying authserv (results in header order, top first) shows a
// DMARC or DKIM pass for domain and no fail (see the rules above).
func authPass(results []string, authserv, domain string) bool {
	if authserv == "" || domain == "" {
		return false
	}
	pass := false
	for i, raw := range results {
		h := parseAuthResults(raw)
		if h.authservID == "" || !strings.EqualFold(h.authservID, authserv) {
			break // the end of the trusted run: the rest came with the mail
		}
		if i >= maxAuthResHeaders || h.overflow {
			return false
		}
		for _, r := range h.results {
			switch r.method {
			case "dmarc":
				switch {
				case r.result == "fail":
					return false
				case r.result == "pass" && sameDomain(r.prop("header.from"), domain):
					pass = true
				}
			case "dkim":
				if !sameDomain(r.prop("header.d"), domain) && !sameDomain(identityDomain(r.prop("header.i")), domain) {
					continue
				}
				switch r.result {
				case "fail":
					return false
				case "pass":
					pass = true
				}
			}
		}
	}
	return pass
}

func sameDomain(a, b string) bool {
	return a != "" && strings.EqualFold(a, b)
}

// identityDomain is the domain of a DKIM identity "[local]@domain".
func identityDomain(i string) string {
	return i[strings.LastIndexByte(i, '@')+1:]
}

// parseAuthResults reads one Authentication-Results header value:
//
//	authserv-id [version] ( "; none" / 1*( ";" method[/v]=result [reason=…] *(ptype.property=value) ) )
func parseAuthResults(v string) authResHeader {
	var (
		h       authResHeader
		seg     int             // 0: the authserv-id part; n: the nth resinfo
		key     strings.Builder // words seen since the last value, joined
		inValue bool            // an "=" was seen: the next word is the value
		cur     *authResult
	)
	finishPair := func(value string) {
		k := strings.ToLower(key.String())
		key.Reset()
		inValue = false
		switch {
		case seg == 0 || cur == nil:
		case cur.method == "":
			method, _, _ := strings.Cut(k, "/")
			cur.method, cur.result = strings.TrimSpace(method), strings.ToLower(value)
		case len(cur.props) == maxAuthResProps:
			h.overflow = true
		default:
			cur.props = append(cur.props, authProp{name: k, value: value})
		}
	}
	word := func(w string) {
		switch {
		case seg == 0:
			if h.authservID == "" {
				h.authservID = w
			}
		case inValue:
			finishPair(w)
		default:
			key.WriteString(w)
		}
	}
	semicolon := func() {
		if inValue {
			finishPair("")
		}
		key.Reset()
		if len(h.results) == maxAuthResInfos {
			h.overflow, cur = true, nil
			return
		}
		seg++
		h.results = append(h.results, authResult{})
		cur = &h.results[len(h.results)-1]
	}

	for i := 0; i < len(v); {
		switch c := v[i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '(':
			i = skipComment(v, i)
		case c == ')':
			i++ // a stray close of no comment
		case c == '"':
			var s string
			s, i = quotedString(v, i)
			word(s)
		case c == ';':
			semicolon()
			i++
		case c == '=':
			if seg > 0 && !inValue {
				inValue = true
			} else if inValue {
				finishPair("") // "a==b": an empty value, then junk
			}
			i++
		default:
			j := i
			for j < len(v) && !strings.ContainsRune(" \t\r\n();=\"", rune(v[j])) {
				j++
			}
			if j == i {
				j++ // every delimiter has a case above; never loop in place
			}
			word(v[i:j])
			i = j
		}
	}
	if inValue {
		finishPair("")
	}
	// Drop resinfos that were no method=result ("; none").
	kept := h.results[:0]
	for _, r := range h.results {
		if r.method != "" {
			kept = append(kept, r)
		}
	}
	h.results = kept
	return h
}

// skipComment returns the index after the comment that starts at v[i]
// ("("), nested comments and quoted pairs included; an unclosed comment
// runs to the end.
func skipComment(v string, i int) int {
	depth := 0
	for ; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(v)
}

// quotedString returns the content of the quoted string that starts at
// v[i] (`"`), unescaped, and the index after it; an unclosed one runs to
// the end.
func quotedString(v string, i int) (string, int) {
	var b strings.Builder
	for i++; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			if i+1 < len(v) {
				i++
				b.WriteByte(v[i])
			}
		case '"':
			return b.String(), i + 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), len(v)
}
