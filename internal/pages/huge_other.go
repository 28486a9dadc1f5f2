//go:build !linux

package pages

func hugeHeap(int64) {}

func adviseHeap() {}

func endHugeHeap() {}
