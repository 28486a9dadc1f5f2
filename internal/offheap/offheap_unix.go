//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package offheap

import (
	"syscall"

	"github.com/incent/incent/internal/pages"
)

// mapRegion maps n bytes of private anonymous memory, or makes them on
// the heap when the system refuses.
func mapRegion(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]byte, n)
	}
	return b
}

// back has the kernel back b with memory in one call rather than a page
// fault at a time (see package pages).
func back(b []byte) { pages.Back(b) }
