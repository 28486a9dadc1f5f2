//go:build unix

package main

import (
	"os"
	"syscall"
)

// flock takes the workspace lock the way a running command does.
func flock(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) }
