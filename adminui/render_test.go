package adminui

import (
	"bytes"
	"strings"
	"testing"
)

// A pooled buffer comes back empty: a page rendered after a longer one
// carries nothing of it.
func TestPagePoolReturnsEmptyBuffers(t *testing.T) {
	var pp pagePool
	b := pp.get()
	b.WriteString(strings.Repeat("secret of the previous page ", 100))
	pp.put(b)
	for range 10 { // the pool may hand back the same buffer or a new one
		b := pp.get()
		if b.Len() != 0 {
			t.Fatalf("pooled buffer holds %d bytes of an earlier page", b.Len())
		}
		pp.put(b)
	}
}

// A huge page's buffer is not kept: the pool would otherwise pin its
// memory for the life of the process.
func TestPagePoolDropsHugeBuffers(t *testing.T) {
	var pp pagePool
	huge := bytes.NewBuffer(make([]byte, 0, 2*maxPooledPage))
	pp.put(huge)
	for range 10 {
		if b := pp.get(); b == huge {
			t.Fatal("the pool kept a buffer larger than maxPooledPage")
		}
	}
}

// Pages rendered one after another through the pool are whole and
// independent: the second, shorter one shows none of the first.
func TestRenderReusesBuffersCleanly(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		c := f.client()
		_, long := c.get("/signin?next=" + strings.Repeat("x", 3000))
		_, short := c.get("/signin")
		if strings.Contains(short, strings.Repeat("x", 100)) {
			t.Fatal("a page rendered after a longer one contains part of it")
		}
		if !strings.HasSuffix(strings.TrimSpace(short), "</html>") || !strings.HasSuffix(strings.TrimSpace(long), "</html>") {
			t.Fatal("a pooled render is not a whole page")
		}
	})
}
