package pages

import (
	"syscall"
	"unsafe"
)

// madvPopulateWrite is MADV_POPULATE_WRITE, from Linux 5.14. Older
// kernels refuse it, and the pages are faulted in as they are written.
const madvPopulateWrite = 23

func back(p unsafe.Pointer, n uintptr) {
	lo := (uintptr(p) + 4095) &^ 4095
	hi := (uintptr(p) + n) &^ 4095
	if hi > lo {
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, madvPopulateWrite)
	}
}
