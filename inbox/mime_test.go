package inbox

import (
	"bytes"
	"encoding/base64"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

func TestMediaTypeParams(t *testing.T) {
	tests := []struct {
		value, wantType, param, want string
	}{
		{`attachment; filename*=iso-8859-1''caf%E9.txt`, "attachment", "filename", "café.txt"},
		{`attachment; filename*0*=UTF-8''Rech; filename*1*=nung%20M%C3%A4rz.pdf`, "attachment", "filename", "Rechnung März.pdf"},
		{`attachment; filename*0="long "; filename*1="name.txt"`, "attachment", "filename", "long name.txt"},
		{`attachment; filename*=windows-1252''%93q%94.txt`, "attachment", "filename", "“q”.txt"},
		{`attachment; filename="=?windows-1252?Q?=93q=94.txt?="`, "attachment", "filename", "“q”.txt"},
		{`application/pdf; name="=?UTF-8?B?w5xiZXJzaWNodC5wZGY=?="`, "application/pdf", "name", "Übersicht.pdf"},
		{`text/plain; charset="utf-8"; charset="latin1"`, "text/plain", "charset", "utf-8"},
		{`application/pdf name="a.pdf"`, "application/pdf", "name", "a.pdf"},
		{`text/HTML; charset="UTF-8`, "text/html", "charset", "UTF-8"},
		{`application/pdf; name=Invoice_(1).pdf`, "application/pdf", "name", "Invoice_(1).pdf"},
		{"attachment; filename=\xe7\xae\xa1.doc", "attachment", "filename", "管.doc"},
	}
	for _, tt := range tests {
		typ, params := mediaType(tt.value, func(string) {})
		if typ != tt.wantType || params[tt.param] != tt.want {
			t.Errorf("mediaType(%q) = %q %q, want %q with %s=%q", tt.value, typ, params, tt.wantType, tt.param, tt.want)
		}
	}
}

func TestSplitMultipart(t *testing.T) {
	tests := []struct {
		name, body, boundary string
		want                 []string
		closed               bool
	}{
		{"simple", "pre\r\n--b\r\none\r\n--b\r\ntwo\r\n--b--\r\nepilogue", "b", []string{"one", "two"}, true},
		{"similar boundary", "--b\nx\n--bb\ny\n--b--\n", "b", []string{"x\n--bb\ny"}, true},
		{"no close", "--b\none\n--b\ntwo\n", "b", []string{"one", "two\n"}, false},
		{"blank after delimiter", "--b  \none\n--b--  \n", "b", []string{"one"}, true},
		{"not at line start", "x--b\n--b\none\n--b--", "b", []string{"one"}, true},
		{"none", "no parts here", "b", nil, false},
	}
	for _, tt := range tests {
		parts, closed := splitMultipart([]byte(tt.body), tt.boundary, 100)
		var got []string
		for _, p := range parts {
			got = append(got, string(p))
		}
		if !reflect.DeepEqual(got, tt.want) || closed != tt.closed {
			t.Errorf("%s: splitMultipart = %q closed=%v, want %q closed=%v", tt.name, got, closed, tt.want, tt.closed)
		}
	}
}

func TestDecodeTransfer(t *testing.T) {
	tests := []struct {
		cte, in, want string
	}{
		{"quoted-printable", "caf=C3=A9 =\r\nsoft=3D  \r\nnext", "café soft=\r\nnext"},
		{"quoted-printable", "bad =ZZ and =", "bad =ZZ and "},
		{"base64", "aGVs\r\nbG8=\r\n", "hello"},
		{"base64", "aGVsbG8*!", "hello"},
		{"base64", "aGVsbG8hQ", "hello!"},
		{"Base64; x", "aGk=", "hi"},
		{"8bit", "as is", "as is"},
		{"x-unknown", "kept", "kept"},
	}
	for _, tt := range tests {
		if got := string(decodeTransfer(tt.cte, []byte(tt.in), -1, func(string) {})); got != tt.want {
			t.Errorf("decodeTransfer(%q, %q) = %q, want %q", tt.cte, tt.in, got, tt.want)
		}
		// A limit gives the first limit bytes of the same decoding.
		for limit := range len(tt.want) + 2 {
			want := tt.want[:min(limit, len(tt.want))]
			if got := string(decodeTransfer(tt.cte, []byte(tt.in), limit, func(string) {})); got != want {
				t.Errorf("decodeTransfer(%q, %q, %d) = %q, want %q", tt.cte, tt.in, limit, got, want)
			}
		}
	}
}

// TestDecodeBase64Chunks decodes across the decoder's chunk boundary, with
// line breaks and junk between quanta, and allocates only its output.
func TestDecodeBase64Chunks(t *testing.T) {
	want := make([]byte, 5000)
	for i := range want {
		want[i] = byte(i * 7)
	}
	enc := base64.StdEncoding.EncodeToString(want)
	var in strings.Builder
	for i := 0; i < len(enc); i += 76 {
		in.WriteString(enc[i:min(i+76, len(enc))])
		in.WriteString("\r\n*")
	}
	if got := decodeBase64([]byte(in.String()), -1, func(string) {}); !bytes.Equal(got, want) {
		t.Fatalf("decodeBase64 over %d bytes differs from the input encoded", len(want))
	}
	raw := []byte(in.String())
	allocs := testing.AllocsPerRun(5, func() { decodeBase64(raw, -1, func(string) {}) })
	if allocs > 3 {
		t.Errorf("decodeBase64 made %v allocations, want its output only", allocs)
	}
}

func TestStatusCodes(t *testing.T) {
	tests := map[string][]string{
		"5.1.1":                     {"5.1.1"},
		"5.0.0 (permanent failure)": {"5.0.0"},
		"smtp; 550 5.1.1 <a@b.c>... User unknown":        {"5.1.1"},
		"smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound": {"5.1.10"},
		"5.1.0 - Unknown address error 550-'5.7.1 <x>'":  {"5.1.0", "5.7.1"},
		"4.4.7.":        {"4.4.7"},
		"1.2.3 and 5.1": nil,
	}
	for in, want := range tests {
		if got := statusCodes(in); !reflect.DeepEqual(got, want) {
			t.Errorf("statusCodes(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecodeCharset(t *testing.T) {
	tests := []struct {
		charset string
		enc     encoding.Encoding
		text    string
	}{
		{"ISO-8859-1", charmap.ISO8859_1, "Grüße, Café"},
		{"iso-8859-2", charmap.ISO8859_2, "Zażółć gęślą jaźń"},
		{"ISO-8859-15", charmap.ISO8859_15, "Preis: 5 €"},
		{"windows-1250", charmap.Windows1250, "Dobrý den"},
		{"Windows-1251", charmap.Windows1251, "Привет"},
		{"windows-1252", charmap.Windows1252, "“quoted” – €"},
		{"KOI8-R", charmap.KOI8R, "Здравствуйте"},
		{"Shift_JIS", japanese.ShiftJIS, "お疲れ様です"},
		{"ISO-2022-JP", japanese.ISO2022JP, "日本語のメール"},
		{"EUC-JP", japanese.EUCJP, "日本語"},
		{"GB2312", simplifiedchinese.GBK, "你好"}, // mail labels GBK bytes GB2312
		{"GBK", simplifiedchinese.GBK, "打印机坏了"},
		{"gb18030", simplifiedchinese.GB18030, "打印机"},
		{"Big5", traditionalchinese.Big5, "印表機故障"},
		{"EUC-KR", korean.EUCKR, "프린터 고장"},
		{"ks_c_5601-1987", korean.EUCKR, "스티해"},
	}
	for _, tt := range tests {
		raw, err := tt.enc.NewEncoder().String(tt.text)
		if err != nil {
			t.Fatalf("encode %s: %v", tt.charset, err)
		}
		var warnings []string
		got := decodeCharset([]byte(raw), tt.charset, func(w string) { warnings = append(warnings, w) })
		if got != tt.text || len(warnings) != 0 {
			t.Errorf("decodeCharset(%s) = %q (warnings %q), want %q", tt.charset, got, warnings, tt.text)
		}
	}
}
