package workspace

import (
	"syscall"
	"time"
)

// statFile reads the file system's stamps of the file at path: macOS keeps
// the same ones as Linux, under other names.
func statFile(path string) (fileStat, bool) {
	var st syscall.Stat_t
	if syscall.Stat(path, &st) != nil {
		return fileStat{}, false
	}
	return fileStat{dev: uint64(st.Dev), ino: st.Ino, size: st.Size,
		mtime: time.Unix(st.Mtimespec.Unix()), ctime: time.Unix(st.Ctimespec.Unix())}, true
}
