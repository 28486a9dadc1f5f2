//go:build unix

package workspace

import (
	"errors"
	"os"
	"syscall"
)

// errLocked is what lockFile returns when another process holds the lock.
var errLocked = syscall.EWOULDBLOCK

// lockFile takes an exclusive lock on f without waiting. The kernel drops
// it when the process ends, however it ends.
func lockFile(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errLocked
	}
	return err
}

func unlockFile(f *os.File) { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
