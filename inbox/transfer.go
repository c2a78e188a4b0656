package inbox

import (
	"encoding/base64"
	"strings"
)

// decodeTransfer undoes a Content-Transfer-Encoding. Broken input is decoded
// as far as it goes; unknown encodings leave the bytes as they are. At most
// limit bytes are returned (limit < 0: all): a text part is decoded only
// as far as it can be kept, whatever its size.
func decodeTransfer(cte string, b []byte, limit int, warn func(string)) []byte {
	cte = strings.ToLower(strings.TrimSpace(cte))
	if i := strings.IndexAny(cte, "; \t"); i >= 0 {
		cte = cte[:i]
	}
	cte = strings.Trim(cte, `"'`)
	switch cte {
	case "", "7bit", "8bit", "binary", "7-bit", "8-bit":
	case "base64":
		return decodeBase64(b, limit, warn)
	case "quoted-printable":
		return decodeQP(b, limit)
	default:
		warn("unknown Content-Transfer-Encoding " + truncate(cte, 40) + "; kept as is")
	}
	if limit >= 0 && len(b) > limit {
		return b[:limit]
	}
	return b
}

// decodeBase64 decodes base64 leniently: characters outside the alphabet
// are skipped, decoding stops at padding, a short last quantum is decoded
// as far as it goes. It reads the input once, a chunk of clean characters
// at a time, so it allocates only its output (at most limit bytes when
// limit >= 0).
func decodeBase64(b []byte, limit int, warn func(string)) []byte {
	size := base64.RawStdEncoding.DecodedLen(len(b))
	if limit >= 0 {
		size = min(size, limit)
	}
	out := make([]byte, 0, size)
	var chunk [1024]byte // clean characters, a multiple of 4 when decoded
	n := 0
	junk := false
	flush := func(final bool) {
		k := n
		if !final {
			k -= k % 4
		} else if k%4 == 1 {
			k--
			warn("truncated base64")
		}
		var dec [768]byte
		m, err := base64.RawStdEncoding.Decode(dec[:], chunk[:k])
		if err != nil {
			warn("base64: " + err.Error())
		}
		out = append(out, dec[:m]...)
		n = copy(chunk[:], chunk[k:n])
	}
	for _, c := range b {
		if limit >= 0 && len(out) >= limit {
			break
		}
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
		case c == '-':
			c = '+'
		case c == '_':
			c = '/'
		case c == ' ', c == '\t', c == '\r', c == '\n', c == '=':
			continue
		default:
			junk = true
			continue
		}
		chunk[n] = c
		n++
		if n == len(chunk) {
			flush(false)
		}
	}
	if limit < 0 || len(out) < limit {
		flush(true)
	}
	if junk {
		warn("invalid characters in base64 skipped")
	}
	if limit >= 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// decodeQP decodes quoted-printable leniently: "=" not followed by two hex
// digits or a line break is kept as it is, trailing blanks before a line
// break are dropped (RFC 2045 6.7 (3)). It stops at limit bytes of output
// when limit >= 0.
func decodeQP(b []byte, limit int) []byte {
	size := len(b)
	if limit >= 0 {
		size = min(size, limit)
	}
	out := make([]byte, 0, size)
	for i := 0; i < len(b); i++ {
		// Blanks at the limit may still be dropped by a line break.
		if limit >= 0 && len(out) >= limit && (limit == 0 || out[len(out)-1] != ' ' && out[len(out)-1] != '\t') {
			break
		}
		c := b[i]
		switch {
		case c == '=':
			if i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]) {
				out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
				i += 2
				continue
			}
			// soft line break: "=" then optional blanks then a line break
			j := i + 1
			for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
				j++
			}
			if j < len(b) && b[j] == '\r' {
				j++
			}
			if j < len(b) && b[j] == '\n' {
				i = j
				continue
			}
			if j >= len(b) {
				i = j
				continue
			}
			out = append(out, '=')
		case c == '\n':
			// drop transport padding before the line break
			k := len(out)
			for k > 0 && (out[k-1] == ' ' || out[k-1] == '\t') {
				k--
			}
			out = append(out[:k], '\n')
		case c == '\r' && i+1 < len(b) && b[i+1] == '\n':
			k := len(out)
			for k > 0 && (out[k-1] == ' ' || out[k-1] == '\t') {
				k--
			}
			out = append(out[:k], '\r')
		default:
			out = append(out, c)
		}
	}
	if limit >= 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
