package store

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
)

// chunkSize is the size of one archived blob chunk. SQLite (as built for
// Go) archives chunks of up to 512 KiB at about 650 MB/s on the 2-core
// machine of the README's figures, but chunks of 1 MiB or more at
// 100-200 MB/s (BenchmarkPutBlob), while reading back loses little to the
// extra queries of smaller chunks (BenchmarkReadBlob): a 35 MB sales
// export is about 140 INSERTs.
const chunkSize = 256 << 10

// HasBlob reports whether the archive holds content with this SHA-256.
func (t *Tx) HasBlob(sha string) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM blobs WHERE sha256 = ?`, sha).Scan(&n)
	return n > 0, err
}

// PutBlob archives the content read from r under sha, streaming it in
// chunks. It is a no-op when the blob is already stored, and an error when
// the content does not hash to sha (the file changed while it was read).
func (t *Tx) PutBlob(sha string, r io.Reader) error {
	if ok, err := t.HasBlob(sha); err != nil || ok {
		return err
	}
	// The blob row must exist before its chunks (foreign key); its size is
	// filled in at the end.
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO blobs (sha256, size, chunks) VALUES (?, 0, 0)`, sha); err != nil {
		return err
	}
	size, n, err := t.putChunks(sha, r, nil)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(t.ctx, `UPDATE blobs SET size = ?, chunks = ? WHERE sha256 = ?`, size, n, sha)
	return err
}

// ReserveBlob records that content of size bytes hashing to sha is to be
// archived by FillBlob later in the transaction, so that input versions
// can name it at once. It reports false, and does nothing, when the
// archive already holds the content. Until it is filled, a blob of some
// size does not open.
func (t *Tx) ReserveBlob(sha string, size int64) (bool, error) {
	if ok, err := t.HasBlob(sha); err != nil || ok {
		return false, err
	}
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO blobs (sha256, size, chunks) VALUES (?, ?, 0)`, sha, size)
	return err == nil, err
}

// FillBlob archives the content of a blob ReserveBlob reserved, read from
// r, and is an error when the content does not hash to sha or is not the
// size reserved. When mu is not nil it is held for each use of the
// transaction and for nothing else, so that other goroutines holding it
// can use the transaction meanwhile.
func (t *Tx) FillBlob(sha string, r io.Reader, mu *sync.Mutex) error {
	lock := func() func() {
		if mu == nil {
			return func() {}
		}
		mu.Lock()
		return mu.Unlock
	}
	size, n, err := t.putChunks(sha, r, lock)
	if err != nil {
		return err
	}
	defer lock()()
	var want int64
	if err := t.tx.QueryRowContext(t.ctx, `SELECT size FROM blobs WHERE sha256 = ?`, sha).Scan(&want); err != nil {
		return err
	}
	if size != want {
		return fmt.Errorf("content changed while it was archived (expected %d bytes, read %d)", want, size)
	}
	_, err = t.tx.ExecContext(t.ctx, `UPDATE blobs SET chunks = ? WHERE sha256 = ?`, n, sha)
	return err
}

// putChunks stores the content read from r as the chunks of blob sha,
// checking that it hashes to sha, and returns its size and number of
// chunks. lock, when not nil, is called around each use of the
// transaction and returns its unlock.
func (t *Tx) putChunks(sha string, r io.Reader, lock func() func()) (size int64, n int, err error) {
	if lock == nil {
		lock = func() func() { return func() {} }
	}
	unlock := lock()
	stmt, err := t.tx.PrepareContext(t.ctx, `INSERT INTO blob_chunks (sha256, n, data) VALUES (?, ?, ?)`)
	unlock()
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		unlock := lock()
		stmt.Close()
		unlock()
	}()
	h := sha256.New()
	// A program file held in memory needs no buffer of a chunk's size:
	// thirty of those are 120 MB of garbage at the end of every calc.
	size0 := chunkSize
	if l, ok := r.(interface{ Len() int }); ok {
		size0 = min(size0, max(l.Len(), 1))
	}
	buf := make([]byte, size0)
	for {
		k, rerr := io.ReadFull(r, buf)
		if k > 0 {
			h.Write(buf[:k])
			unlock := lock()
			_, err := stmt.ExecContext(t.ctx, sha, n, buf[:k])
			unlock()
			if err != nil {
				return 0, 0, err
			}
			size += int64(k)
			n++
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return 0, 0, rerr
		}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		return 0, 0, fmt.Errorf("content changed while it was archived (expected SHA-256 %s, read %s)", sha, got)
	}
	return size, n, nil
}

// PutBytes archives a small blob held in memory and returns its SHA-256.
func (t *Tx) PutBytes(data []byte) (string, error) {
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	return sha, t.PutBlob(sha, bytes.NewReader(data))
}

// OpenBlob streams an archived blob.
func (t *Tx) OpenBlob(sha string) (io.Reader, error) {
	var chunks int
	var size int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT chunks, size FROM blobs WHERE sha256 = ?`, sha).Scan(&chunks, &size)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("blob %s is not in the archive", sha)
	}
	if err != nil {
		return nil, err
	}
	if chunks == 0 && size > 0 {
		return nil, fmt.Errorf("blob %s is reserved but not yet archived", sha)
	}
	return &blobReader{t: t, sha: sha, chunks: chunks}, nil
}

// ReadBlob returns a whole archived blob.
func (t *Tx) ReadBlob(sha string) ([]byte, error) {
	r, err := t.OpenBlob(sha)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

type blobReader struct {
	t      *Tx
	sha    string
	chunks int
	n      int
	cur    []byte
	buf    []byte // holds one chunk; reused for the next
}

func (b *blobReader) Read(p []byte) (int, error) {
	for len(b.cur) == 0 {
		if b.n >= b.chunks {
			return 0, io.EOF
		}
		if err := b.chunk(); err != nil {
			return 0, fmt.Errorf("read blob %s chunk %d: %w", b.sha, b.n, err)
		}
		b.n++
	}
	k := copy(p, b.cur)
	b.cur = b.cur[k:]
	return k, nil
}

// chunk reads chunk b.n into b.buf. Scanning into sql.RawBytes and copying
// into one buffer, rather than into a new slice per chunk, spares
// allocating (and the kernel zeroing) a chunk for every chunk read.
func (b *blobReader) chunk() error {
	rows, err := b.t.tx.QueryContext(b.t.ctx, `SELECT data FROM blob_chunks WHERE sha256 = ? AND n = ?`, b.sha, b.n)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	var raw sql.RawBytes
	if err := rows.Scan(&raw); err != nil {
		return err
	}
	b.buf = append(b.buf[:0], raw...)
	b.cur = b.buf
	return rows.Close()
}
