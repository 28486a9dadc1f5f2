//go:build !linux

package pages

import "unsafe"

func back(unsafe.Pointer, uintptr) {}
