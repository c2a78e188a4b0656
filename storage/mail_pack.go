package storage

import (
	"bytes"
	"compress/flate"
	_ "embed"
	"io"
	"sync"
)

// The outbox keeps each rendered message DEFLATE-compressed: its text and
// HTML parts say the same words, its headers and layout repeat from mail
// to mail, and DEFLATE stores a repeat as a back-reference. A packed value starts
// with packMarker and a version byte; anything else is a message stored as
// it is (rows written before packing, read unchanged). A message never
// starts with a NUL byte (it starts with a header name), so the two cannot
// be confused.
//
// Version 1 is raw DEFLATE (RFC 1951) with packDict1 as the preset
// dictionary. The dictionary is part of the stored format: it must
// never change. A better one is a new version, and the old one stays for
// reading.
const (
	packMarker   = "\x00z"
	packVersion1 = 1
	// packLevel is DEFLATE's level: Go's BestSpeed makes no use of a
	// dictionary; level 2 finds nearly all that level 6 finds (193 against
	// 183 bytes) at half its time. Reading does not depend on it.
	packLevel = 2
)

// packDict1 is DEFLATE's preset dictionary of version 1: an approval
// request and an acknowledgement (the commonest kinds) as ticketgate
// rendered them when it was made (example.com addresses), so that a new
// message refers to their headers, layout and sentences from its first
// byte instead of spelling them out once: an acknowledgement of 3.9 KB
// packs to about 200 bytes. DEFLATE prefers near matches, so the
// commonest kind comes last. The dictionary is hashed again for every
// message, so it is kept small (7.6 KB: about 50 µs a message). This file
// must never change (see above).
//
//go:embed mail_pack_dict1.txt
var packDict1 []byte

var (
	packWriters = sync.Pool{New: func() any {
		w, err := flate.NewWriterDict(nil, packLevel, packDict1)
		if err != nil {
			panic(err) // only for a bad level
		}
		return w
	}}
	packReaders = sync.Pool{New: func() any { return flate.NewReaderDict(bytes.NewReader(nil), packDict1) }}
)

// packRaw returns raw packed (nil stays nil: a NOT NULL column gets no
// value from it either way).
func packRaw(raw []byte) []byte {
	if raw == nil {
		return nil
	}
	var b bytes.Buffer
	b.Grow(len(packMarker) + 1 + len(raw)/3 + 64)
	b.WriteString(packMarker)
	b.WriteByte(packVersion1)
	w := packWriters.Get().(*flate.Writer)
	w.Reset(&b)
	// Writes to a bytes.Buffer do not fail.
	w.Write(raw)
	w.Close()
	packWriters.Put(w)
	return b.Bytes()
}

// unpackRaw returns the message stored as stored: unpacked when packed,
// else as it is. A packed value that does not inflate (a damaged row) is
// returned as it is rather than lost: a send then fails on it visibly.
func unpackRaw(stored []byte) []byte {
	if len(stored) < len(packMarker)+1 || string(stored[:len(packMarker)]) != packMarker ||
		stored[len(packMarker)] != packVersion1 {
		return stored
	}
	r := packReaders.Get().(io.ReadCloser)
	defer packReaders.Put(r)
	if err := r.(flate.Resetter).Reset(bytes.NewReader(stored[len(packMarker)+1:]), packDict1); err != nil {
		return stored
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return stored
	}
	return out
}
