//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package offheap

// mapRegion makes n bytes on the heap: where there is no mmap, the text
// stays in the heap, as any other.
func mapRegion(n int) []byte { return make([]byte, n) }

func back([]byte) {}
