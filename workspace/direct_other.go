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

// openSequential opens path for one long sequential read.
func openSequential(path string) (io.ReadCloser, error) { return os.Open(path) }

// alignedBuffer returns n bytes; only Linux reads and writes past the
// page cache, into buffers aligned for it.
func alignedBuffer(n int) []byte { return make([]byte, n) }
