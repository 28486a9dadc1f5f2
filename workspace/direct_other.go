//go:build !linux

package workspace

import (
	"io"
	"os"
)

// createDirect creates path; only Linux writes it past the page cache.
func createDirect(path string) (io.WriteCloser, error) { return os.Create(path) }

// readWhole reads the file at path.
func readWhole(path string) ([]byte, error) { return os.ReadFile(path) }
