package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"ticketgate/domain"
)

// UseAttachmentsDir keeps attachment bytes as files under dir
// (ATTACHMENTS_DIR) instead of in the database; the row keeps the file's
// name. Files are named by the SHA-256 of their content, so the same file
// sent twice is stored once, and a file written for a transaction that
// rolls back is only an unused file, never a broken row.
func (s *Store) UseAttachmentsDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("ATTACHMENTS_DIR: %v", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("ATTACHMENTS_DIR: %v", err)
	}
	s.attachmentsDir = abs
	return nil
}

func (s *Store) writeAttachmentFile(content []byte) (string, error) {
	sum := sha256.Sum256(content)
	name := hex.EncodeToString(sum[:])
	path := filepath.Join(s.attachmentsDir, name[:2], name)
	if _, err := os.Stat(path); err == nil {
		return name, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return name, os.Rename(tmp.Name(), path)
}

func (s *Store) openAttachmentFile(name string) (*os.File, error) {
	if s.attachmentsDir == "" {
		return nil, errors.New("the attachment is a file, and ATTACHMENTS_DIR is not set")
	}
	if len(name) != 64 || filepath.Base(name) != name {
		return nil, fmt.Errorf("bad attachment file name %q", name)
	}
	return os.Open(filepath.Join(s.attachmentsDir, name[:2], name))
}

// attachmentChunk is how many bytes of an attachment kept in the database
// one read fetches: a download holds this much in memory, whatever the
// attachment's size.
const attachmentChunk = 64 << 10

// OpenAttachment returns attachment id (Content left nil) and a reader of
// its bytes: the file under ATTACHMENTS_DIR, or the database column read a
// chunk at a time. The caller closes the reader.
func (s *Store) OpenAttachment(ctx context.Context, id int64) (*domain.Attachment, io.ReadCloser, error) {
	var r attachmentRow
	if err := s.idb.NewSelect().Model(&r).ExcludeColumn("content").Where("id = ?", id).Scan(ctx); err != nil {
		return nil, nil, mapErr(err, "get attachment %d", id)
	}
	a := &domain.Attachment{ID: r.ID, TicketID: r.TicketID, Name: r.Name, ContentType: r.ContentType,
		Size: r.Size, Path: r.Path, Internal: r.Internal, CreatedAt: r.CreatedAt.UTC()}
	if a.Path == "" {
		return a, &blobReader{ctx: ctx, s: s, id: id, size: a.Size}, nil
	}
	f, err := s.openAttachmentFile(a.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("get attachment %d: %w", id, err)
	}
	return a, f, nil
}

// blobReader reads an attachment's content column attachmentChunk bytes
// per query. Attachments never change once written, so the chunks of
// separate queries make one whole.
type blobReader struct {
	ctx  context.Context
	s    *Store
	id   int64
	size int64
	off  int64 // bytes read so far
	buf  []byte
}

func (b *blobReader) Read(p []byte) (int, error) {
	if len(b.buf) == 0 {
		if b.off >= b.size {
			return 0, io.EOF
		}
		n := min(attachmentChunk, b.size-b.off)
		expr := "substr(content, ?, ?)"
		if b.s.Postgres() {
			expr = "substring(content from ?::int for ?::int)"
		}
		var chunk []byte
		err := b.s.idb.NewRaw("SELECT "+expr+" FROM attachments WHERE id = ?", b.off+1, n, b.id).Scan(b.ctx, &chunk)
		if err != nil {
			return 0, mapErr(err, "read attachment %d", b.id)
		}
		if len(chunk) == 0 {
			return 0, fmt.Errorf("read attachment %d: %w", b.id, io.ErrUnexpectedEOF)
		}
		b.buf = chunk
		b.off += int64(len(chunk))
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	return n, nil
}

func (b *blobReader) Close() error { return nil }
