//go:build !linux && !darwin

package workspace

// statFile reads no stamps where the system's are not read (Windows keeps
// no inode change time): a file is then always read to be checked.
func statFile(path string) (fileStat, bool) { return fileStat{}, false }
