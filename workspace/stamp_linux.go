package workspace

import (
	"syscall"
	"time"
)

// statFile reads the file system's stamps of the file at path.
func statFile(path string) (fileStat, bool) {
	var st syscall.Stat_t
	if syscall.Stat(path, &st) != nil {
		return fileStat{}, false
	}
	return fileStat{dev: uint64(st.Dev), ino: uint64(st.Ino), size: st.Size,
		mtime: time.Unix(st.Mtim.Unix()), ctime: time.Unix(st.Ctim.Unix())}, true
}
