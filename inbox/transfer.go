package inbox

import (
	"encoding/base64"
	"strings"
)

// decodeTransfer undoes a Content-Transfer-Encoding. Broken input is decoded
// as far as it goes; unknown encodings leave the bytes as they are.
func decodeTransfer(cte string, b []byte, warn func(string)) []byte {
	cte = strings.ToLower(strings.TrimSpace(cte))
	if i := strings.IndexAny(cte, "; \t"); i >= 0 {
		cte = cte[:i]
	}
	cte = strings.Trim(cte, `"'`)
	switch cte {
	case "", "7bit", "8bit", "binary", "7-bit", "8-bit":
		return b
	case "base64":
		return decodeBase64(b, warn)
	case "quoted-printable":
		return decodeQP(b)
	default:
		warn("unknown Content-Transfer-Encoding " + truncate(cte, 40) + "; kept as is")
		return b
	}
}

// decodeBase64 decodes base64 leniently: characters outside the alphabet
// are skipped, decoding stops at padding, a short last quantum is decoded
// as far as it goes.
func decodeBase64(b []byte, warn func(string)) []byte {
	clean := make([]byte, 0, len(b))
	junk := false
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		case c == '-':
			clean = append(clean, '+')
		case c == '_':
			clean = append(clean, '/')
		case c == ' ', c == '\t', c == '\r', c == '\n', c == '=':
		default:
			junk = true
		}
	}
	if junk {
		warn("invalid characters in base64 skipped")
	}
	if r := len(clean) % 4; r == 1 {
		clean = clean[:len(clean)-1]
		warn("truncated base64")
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil {
		warn("base64: " + err.Error())
	}
	return out[:n]
}

// decodeQP decodes quoted-printable leniently: "=" not followed by two hex
// digits or a line break is kept as it is, trailing blanks before a line
// break are dropped (RFC 2045 6.7 (3)).
func decodeQP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
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
