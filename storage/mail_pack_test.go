package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"testing"
)

func TestPackRawRoundTrip(t *testing.T) {
	msg := []byte("From: \"IT Helpdesk\" <help@example.com>\r\nSubject: [TKT-9] printer\r\n\r\nHello,\r\nthe printer jams.\r\n")
	for _, kind := range []string{"ticket_received", "assigned", "no such kind"} {
		for _, raw := range [][]byte{msg, {}, bytes.Repeat([]byte("x"), 100000), packer().dicts[1]} {
			packed := packRaw(kind, raw)
			if !bytes.HasPrefix(packed, []byte(packMarker)) {
				t.Fatalf("packed value lacks the marker: %q", packed[:min(8, len(packed))])
			}
			if got := unpackRaw(packed); !bytes.Equal(got, raw) {
				t.Fatalf("%s: round trip of %d bytes gave %d bytes", kind, len(raw), len(got))
			}
		}
	}
	if got := unpackRaw(packWith(packHeaders, msg)); !bytes.Equal(got, msg) {
		t.Error("round trip of a header section failed")
	}
	if packRaw("ticket_received", nil) != nil {
		t.Error("packRaw(nil) is not nil")
	}
	// A row stored before packing reads as it is.
	if got := unpackRaw(msg); !bytes.Equal(got, msg) {
		t.Error("an unpacked row changed on read")
	}
	// A damaged packed value, or one of a dictionary this build does not
	// know, is returned as stored, not lost.
	for _, bad := range [][]byte{append([]byte(packMarker+"\x01\x01"), 0xff, 0xff, 0xff), []byte(packMarker + "\x01\xf0abc")} {
		if got := unpackRaw(bad); !bytes.Equal(got, bad) {
			t.Errorf("%q was not returned as stored", bad)
		}
	}
}

// Every kind the composer renders has its dictionary, and a mail of the
// kind like the dictionary's packs to a small part of its size.
func TestPackDictionaries(t *testing.T) {
	for kind, n := range packer().kinds {
		msg := bytes.ReplaceAll(packer().dicts[n], []byte("TKT-1000"), []byte("TKT-48213"))
		msg = bytes.ReplaceAll(msg, []byte("user@example.com"), []byte("jane.doe@company.test"))
		if p := packRaw(kind, msg); len(p)*5 > len(msg) {
			t.Errorf("%s: %d bytes packed to %d", kind, len(msg), len(p))
		}
	}
	if len(packer().kinds) != 13 {
		t.Errorf("%d dictionaries, want one for each of the 13 kinds the composer renders", len(packer().kinds))
	}
}

// The dictionaries are part of the stored format: rows packed with one
// can be read only with the very same bytes.
func TestPackDictionariesUnchanged(t *testing.T) {
	want := map[string]string{
		"01_ticket_received.eml":    "a8dc393ce541da4319430f3f86e28a97b3cce8649a7ca8729efa3b80eb97b876",
		"02_approval_needed.eml":    "d871af1d6d4e08696fc0fd5a403813831523f205070b9baae5135738ec4e8b13",
		"03_assigned.eml":           "bff95d1f821d1e75a3b70cfea4277073f0e8ac173dbdc2d33fe31e8dca6f307b",
		"04_assigned_requester.eml": "6680ea212f8bf977241296499f397fad95e2c4edcd49c2241ddb6400bf4fefbb",
		"05_resolved.eml":           "d22cd4266a9aef1b04c6259bbd98b10aceff9f3f537e5df707c73c0b7032de6e",
		"06_comment.eml":            "1c885666272923c2124ef977d333efce6e5bd3a0f39752f3b2a0d3ed82152ded",
		"07_approval_reminder.eml":  "9a6d19fe98c2ae93447550ae0509f61ef92a6ccd45553d6cc0b05330d89fe99d",
		"08_rejected.eml":           "814d60eed8266d2b3f222715e1057369dee4a0cf708f9e052972c4113d0bc18f",
		"09_approval_expired.eml":   "e3d2cdd852dcf3f72012d0dbf27b015c418735fe5ad148405e350d69c7de26a4",
		"10_triage_notice.eml":      "f7689dac12b54a488e97094e6a8541477c850688e4c6b8b29eb8632f39d2c25c",
		"11_refusal.eml":            "2c61155663395f8633fe1700d686997a7061de5657750cfbb47bf54f220b1292",
		"12_unreadable_reply.eml":   "221ea51b10a54e08d8c849980cc48555e8df97030aee676fd514252c8290cb1e",
		"13_password_link.eml":      "48540100716da5c12302e5d62ab86e74440286af7988d777f7ae6a516e931fd8",
	}
	entries, err := fs.ReadDir(packFS, "mail_pack")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, _ := packFS.ReadFile("mail_pack/" + e.Name())
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != want[e.Name()] {
			t.Errorf("mail_pack/%s changed or is new (sha256 %s): a dictionary must never change; add a new file with the next number and its hash here", e.Name(), got)
		}
	}
	if len(entries) != len(want) {
		t.Errorf("%d dictionaries, want %d", len(entries), len(want))
	}
}

// benchMessage is an acknowledgement like the dictionary's, of another
// ticket, requester and subject.
func benchMessage() []byte {
	msg := bytes.ReplaceAll(packer().dicts[1], []byte("TKT-1000"), []byte("TKT-48213"))
	msg = bytes.ReplaceAll(msg, []byte("laptop does not start after the update"), []byte("outlook keeps asking for my password since monday"))
	return bytes.ReplaceAll(msg, []byte("user@example.com"), []byte("jane.doe@company.test"))
}

func BenchmarkPackRaw(b *testing.B) {
	msg := benchMessage()
	b.SetBytes(int64(len(msg)))
	var n int
	for b.Loop() {
		n = len(packRaw("ticket_received", msg))
	}
	b.ReportMetric(float64(n), "bytes/packed")
}

func BenchmarkUnpackRaw(b *testing.B) {
	packed := packRaw("ticket_received", benchMessage())
	for b.Loop() {
		unpackRaw(packed)
	}
}
