package storage

import (
	"bytes"
	"compress/flate"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
)

// The outbox keeps each rendered message DEFLATE-compressed: its text and
// HTML parts say the same words, its headers and layout repeat from mail
// to mail of its kind, and DEFLATE stores a repeat as a back-reference.
//
// A packed value is packMarker, the format's version (1), the number of
// the preset dictionary (0: none), then raw DEFLATE (RFC 1951). Anything
// else is a message stored as it is (rows written before packing, read
// unchanged). A message never starts with a NUL byte (it starts with a
// header name), so the two cannot be confused.
//
// Dictionary n is the file mail_pack/NN_kind.eml: one mail of that kind
// as ticketgate rendered it when the dictionary was made (example.com
// addresses). A new mail of the kind refers to its headers, layout and
// sentences from its first byte instead of spelling them out once: an
// acknowledgement of 3.9 KB packs to about 200 bytes. The files are part
// of the stored format: they must never change (a test holds their
// hashes). A better dictionary is a new file with a new number; a new
// kind gets the next number.
const (
	packMarker  = "\x00z"
	packVersion = 1
	// packLevel is DEFLATE's level: Go's BestSpeed makes no use of a
	// dictionary; level 2 finds nearly all that level 6 finds at half its
	// time. Reading does not depend on it.
	packLevel = 2
	// packHeaders is the dictionary of a header section alone (a sent
	// mail whose body was dropped; its kind is not at hand): the
	// acknowledgement's, whose headers are those of every kind.
	packHeaders = 1
)

//go:embed mail_pack/*.eml
var packFS embed.FS

// mailPacker holds the dictionaries and the DEFLATE writers and readers
// primed with them. It is built once, from the embedded files, on first
// use (packer), and never changes after.
type mailPacker struct {
	dicts   [][]byte        // dicts[n] is dictionary n (dicts[0] is none)
	kinds   map[string]byte // a mail kind's dictionary number
	writers []sync.Pool     // writers[n]: *flate.Writer primed with dicts[n]
	readers sync.Pool       // flate readers, reset with a dictionary per use
}

// packer returns the one mailPacker. The embedded files are part of the
// binary, so a broken one is a bug of the build: it panics, and
// TestPackDictionaries catches it before any release.
var packer = sync.OnceValue(func() *mailPacker {
	p := &mailPacker{dicts: [][]byte{nil}, kinds: map[string]byte{}}
	entries, err := fs.ReadDir(packFS, "mail_pack")
	if err != nil {
		panic(err)
	}
	for i, e := range entries { // in name order: 01_…, 02_…
		var n int
		var kind string
		if _, err := fmt.Sscanf(strings.Replace(strings.TrimSuffix(e.Name(), ".eml"), "_", " ", 1), "%d %s", &n, &kind); err != nil || n != i+1 {
			panic(fmt.Sprintf("storage: mail_pack/%s: want NN_kind.eml numbered from 01 without gaps", e.Name()))
		}
		b, err := packFS.ReadFile("mail_pack/" + e.Name())
		if err != nil {
			panic(err)
		}
		p.dicts = append(p.dicts, b)
		p.kinds[kind] = byte(n)
	}
	p.writers = make([]sync.Pool, len(p.dicts))
	for n := range p.writers {
		dict := p.dicts[n]
		p.writers[n].New = func() any {
			w, err := flate.NewWriterDict(nil, packLevel, dict)
			if err != nil {
				panic(err) // only for a bad level
			}
			return w
		}
	}
	p.readers.New = func() any { return flate.NewReader(bytes.NewReader(nil)) }
	return p
})

// packRaw returns raw packed with the dictionary of mail kind (none for
// a kind without one). nil stays nil.
func packRaw(kind string, raw []byte) []byte {
	if raw == nil {
		return nil
	}
	return packWith(packer().kinds[kind], raw)
}

func packWith(dict byte, raw []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(packMarker) + 2 + len(raw)/4 + 64)
	b.WriteString(packMarker)
	b.WriteByte(packVersion)
	b.WriteByte(dict)
	p := packer()
	w := p.writers[dict].Get().(*flate.Writer)
	w.Reset(&b)
	// Writes to a bytes.Buffer do not fail.
	w.Write(raw)
	w.Close()
	p.writers[dict].Put(w)
	return b.Bytes()
}

// unpackRaw returns the message stored as stored: unpacked when packed,
// else as it is. A packed value that does not inflate (a damaged row, a
// dictionary this build does not know) is returned as it is rather than
// lost: a send then fails on it visibly.
func unpackRaw(stored []byte) []byte {
	r, ok := packedReader(stored)
	if !ok {
		return stored
	}
	defer packer().readers.Put(r)
	out, err := io.ReadAll(r)
	if err != nil {
		return stored
	}
	return out
}

// packedReader returns a reader of the message a packed value holds, to
// be put back in packer().readers; false when stored is not packed (or
// not in a form this build reads).
func packedReader(stored []byte) (io.ReadCloser, bool) {
	p := packer()
	h := len(packMarker) + 2
	if len(stored) < h || string(stored[:len(packMarker)]) != packMarker || stored[h-2] != packVersion ||
		int(stored[h-1]) >= len(p.dicts) {
		return nil, false
	}
	r := p.readers.Get().(io.ReadCloser)
	if err := r.(flate.Resetter).Reset(bytes.NewReader(stored[h:]), p.dicts[stored[h-1]]); err != nil {
		p.readers.Put(r)
		return nil, false
	}
	return r, true
}
