package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

func (s *Store) readAttachmentFile(name string) ([]byte, error) {
	if s.attachmentsDir == "" {
		return nil, errors.New("the attachment is a file, and ATTACHMENTS_DIR is not set")
	}
	if len(name) != 64 || filepath.Base(name) != name {
		return nil, fmt.Errorf("bad attachment file name %q", name)
	}
	return os.ReadFile(filepath.Join(s.attachmentsDir, name[:2], name))
}
