// Package pages asks the kernel to back large new slices with memory all
// at once, before they are written.
//
// On the virtual machine incent's figures come from, the first write to
// each 4 KiB page of memory is a page fault that costs about 14 µs: a
// gigabyte the machine had just freed took 3.6–4.4 s to write a page at a
// time, and 0.03–0.17 s when the kernel was asked to back it in one call.
// Memory the machine has not used for a while costs nearly as much either
// way, so the call pays where a large buffer is made and written at once
// early in a run, as the snapshot's are. Slices under a megabyte are left
// alone.
package pages

import "unsafe"

// Back backs the whole capacity of s with memory now. It changes nothing
// that s holds.
func Back[T any](s []T) {
	var t T
	if n := uintptr(cap(s)) * unsafe.Sizeof(t); n >= 1<<20 {
		back(unsafe.Pointer(unsafe.SliceData(s)), n)
	}
}
