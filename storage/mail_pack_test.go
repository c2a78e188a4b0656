package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"testing"
)

func TestPackRawRoundTrip(t *testing.T) {
	msg := []byte("From: \"IT Helpdesk\" <help@example.com>\r\nSubject: [TKT-9] printer\r\n\r\nHello,\r\nthe printer jams.\r\n")
	for _, raw := range [][]byte{msg, {}, bytes.Repeat([]byte("x"), 100000), packDict1} {
		packed := packRaw(raw)
		if !bytes.HasPrefix(packed, []byte(packMarker)) {
			t.Fatalf("packed value lacks the marker: %q", packed[:min(8, len(packed))])
		}
		if got := unpackRaw(packed); !bytes.Equal(got, raw) {
			t.Fatalf("round trip of %d bytes gave %d bytes", len(raw), len(got))
		}
	}
	if packRaw(nil) != nil {
		t.Error("packRaw(nil) is not nil")
	}
	// A row stored before packing reads as it is.
	if got := unpackRaw(msg); !bytes.Equal(got, msg) {
		t.Error("an unpacked row changed on read")
	}
	// A damaged packed value is returned as stored, not lost.
	bad := append([]byte(packMarker+"\x01"), 0xff, 0xff, 0xff)
	if got := unpackRaw(bad); !bytes.Equal(got, bad) {
		t.Error("a damaged packed value was not returned as stored")
	}
	// The acknowledgement of the dictionary's own kind packs far smaller
	// than plain DEFLATE would.
	if n := len(packRaw(packDict1[len(packDict1)-4000:])); n > 400 {
		t.Errorf("the dictionary's own last 4,000 bytes packed to %d bytes", n)
	}
}

// The dictionary is part of the stored format: rows packed with it can be
// read only with the very same bytes.
func TestPackDictUnchanged(t *testing.T) {
	b, err := os.ReadFile("mail_pack_dict1.txt")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != "4300e987c9f939ad6fff41bb273b292b748970f86c23f6695f703b461b432d83" {
		t.Fatalf("mail_pack_dict1.txt changed (sha256 %s); it must never change: make a version 2 instead", got)
	}
}

// benchMessage is an acknowledgement like the dictionary's, of another
// ticket, requester and subject.
func benchMessage() []byte {
	msg := packDict1[bytes.LastIndex(packDict1, []byte("Mime-Version:")):]
	msg = bytes.ReplaceAll(msg, []byte("TKT-1000"), []byte("TKT-48213"))
	msg = bytes.ReplaceAll(msg, []byte("laptop does not start after the update"), []byte("outlook keeps asking for my password since monday"))
	return bytes.ReplaceAll(msg, []byte("user@example.com"), []byte("jane.doe@company.test"))
}

func BenchmarkPackRaw(b *testing.B) {
	msg := benchMessage()
	b.SetBytes(int64(len(msg)))
	var n int
	for b.Loop() {
		n = len(packRaw(msg))
	}
	b.ReportMetric(float64(n), "bytes/packed")
}

func BenchmarkUnpackRaw(b *testing.B) {
	packed := packRaw(benchMessage())
	for b.Loop() {
		unpackRaw(packed)
	}
}
