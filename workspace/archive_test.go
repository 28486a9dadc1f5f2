package workspace

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/incent/incent/ingest"
	"github.com/incent/incent/store"
)

// stagePending stages c's inputs in a new database with the sales left
// to be archived while they are read, as calc stages them.
func stagePending(t *testing.T, c *Config) (*store.Tx, []store.InputFile, *pendingArchive) {
	t.Helper()
	tx := beginTx(t, c)
	pa := &pendingArchive{}
	if err := c.stage(tx, testEnv(nil), pa); err != nil {
		t.Fatal(err)
	}
	files, err := storedInputs(tx)
	if err != nil {
		t.Fatal(err)
	}
	return tx, files, pa
}

// TestSalesArchivedWhileRead gathers sales read from the workspace while
// they are archived: the rows are those read from the archive, and the
// archive holds each file's bytes.
func TestSalesArchivedWhileRead(t *testing.T) {
	c, _ := genConfig(t, 20, 6000)
	_, want := stagedDataset(t, c) // archived first, then read back
	c.DB = "incent-pending.db"

	tx, files, pa := stagePending(t, c)
	if len(pa.blobs) != 3 {
		t.Fatalf("%d sales files left to archive, want the 3 months'", len(pa.blobs))
	}
	got, err := gather(tx, files, pa)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want.sales, got.sales, exactDecimal); d != "" {
		t.Errorf("sales differ from those read from the archive (-archive +workspace):\n%s", d)
	}
	if d := cmp.Diff(want.rejects, got.rejects); d != "" {
		t.Errorf("rejects differ (-archive +workspace):\n%s", d)
	}
	if d := cmp.Diff(want.recon, got.recon); d != "" {
		t.Errorf("reconciliation differs (-archive +workspace):\n%s", d)
	}
	for _, f := range files {
		if f.Kind == string(ingest.KindSales) {
			archivedAsOnDisk(t, tx, c, f)
		}
	}
}

// archivedAsOnDisk checks that the archive holds the workspace file of
// version f, byte for byte, at the version's size.
func archivedAsOnDisk(t *testing.T, tx *store.Tx, c *Config, f store.InputFile) {
	t.Helper()
	archived, err := tx.ReadBlob(f.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	onDisk, err := os.ReadFile(c.Path(f.Name))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(archived, onDisk) || int64(len(onDisk)) != f.Size {
		t.Errorf("%s: archived %d bytes, the file has %d (version size %d)", f.Name, len(archived), len(onDisk), f.Size)
	}
}

// TestSalesChangedWhileRead changes a sales file after it was staged: the
// gather fails with a usage error naming the file, rather than reading
// rows the archive does not hold.
func TestSalesChangedWhileRead(t *testing.T) {
	for _, change := range []struct {
		name string
		edit func([]byte) []byte
	}{
		{"a row added", func(b []byte) []byte {
			first := bytes.IndexByte(b, '\n') + 1 // the first row after the header
			return append(b, b[first:first+bytes.IndexByte(b[first:], '\n')+1]...)
		}},
		{"a byte changed", func(b []byte) []byte { b[len(b)/2] ^= 1; return b }},
		{"cut short", func(b []byte) []byte { return b[:len(b)/2] }},
	} {
		t.Run(change.name, func(t *testing.T) {
			c, _ := genConfig(t, 20, 3000)
			tx, files, pa := stagePending(t, c)
			matches, err := filepath.Glob(c.Path("data/sales/*.csv"))
			if err != nil || len(matches) < 2 {
				t.Fatalf("sales files: %v, %v", matches, err)
			}
			path := matches[1]
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, change.edit(b), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = gather(tx, files, pa)
			var e *Error
			if !errors.As(err, &e) || e.Code != ExitUsage {
				t.Fatalf("gather: %v; want a usage error", err)
			}
			name, _ := filepath.Rel(c.Dir, path)
			if msg := err.Error(); !strings.Contains(msg, filepath.ToSlash(name)+" changed while it was read") {
				t.Errorf("error %q does not say that %s changed while it was read", msg, name)
			}
		})
	}
}

// TestPendingArchivedUnread archives the pending sales without reading
// them, as a calc does whose snapshot already holds their rows.
func TestPendingArchivedUnread(t *testing.T) {
	c, _ := genConfig(t, 20, 3000)
	tx, files, pa := stagePending(t, c)
	if err := pa.archive(tx, nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		archivedAsOnDisk(t, tx, c, f)
	}
	if len(files) != 7 {
		t.Errorf("%d input files, want 7", len(files))
	}
}
