package workspace

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/incent/incent"
	"github.com/incent/incent/rules"
	"github.com/incent/incent/store"
)

// A calc over the same input versions, program files and options as an
// earlier run, by the same build, writes the same calculation log byte for
// byte (SPEC §5): at a million sales it is 1.4 GB, and formatting, hashing
// and writing it again took most of a second calc. Such a calc links the
// earlier run's log into its own folder instead (or copies it, where the
// file system has no links). The earlier log must be the file that run
// wrote, unchanged since: the file system's stamp of it (see fileStamp) is
// that of the file as the run ended, or else its SHA-256 is that of its
// run's manifest, read and hashed while the passes run. The payouts are
// still calculated anew, and the log is only kept when they give the
// earlier run's result digest; otherwise, or when the earlier log is gone
// or changed, the log is written as any other.
//
// Which runs wrote the logs of the latest keys, and the stamps of those
// logs, are kept beside the database, as the snapshot is: a cache, never
// a record.
// A missing or stale record costs only the time to write the log.

const (
	logKeyMagic  = "incent calculation log key 1\n"
	lastLogMagic = "incent last calculation logs 3\n"
)

// stampMargin is how long ago a file must have last changed for its stamp
// (see fileStamp) to be taken: a write in the same tick of the file
// system's clock as the stamp would not change it. Linux stamps files
// from a clock that ticks every 1 to 10 ms; a file system that keeps
// whole seconds only (FAT, ext3) is given two of them.
const (
	stampMargin       = 20 * time.Millisecond
	stampMarginCoarse = 2 * time.Second
)

// stampable reports whether a file last changed at changed may have its
// stamp taken at now.
func stampable(changed, now time.Time) bool {
	margin := stampMargin
	if changed.Nanosecond() == 0 {
		margin = stampMarginCoarse
	}
	return now.Sub(changed) >= margin
}

// fileStamp identifies the version of the file at path by what the file
// system changes with any write to it: its device, inode and size, and the
// times of the last change of its content and of the inode itself (which
// nothing but the kernel sets). It is "" when the file cannot be stated,
// where the system's stamps are not read (see statFile), or when the file
// changed too shortly before now, which is when it is taken (see
// stampable).
func fileStamp(path string, now time.Time) string {
	st, ok := statFile(path)
	if !ok || !stampable(st.ctime, now) || !stampable(st.mtime, now) {
		return ""
	}
	return fmt.Sprintf("%d:%d:%d:%d.%09d:%d.%09d", st.dev, st.ino, st.size,
		st.mtime.Unix(), st.mtime.Nanosecond(), st.ctime.Unix(), st.ctime.Nanosecond())
}

// fileStat is what fileStamp reads of a file.
type fileStat struct {
	dev, ino     uint64
	size         int64
	mtime, ctime time.Time // of the content's last change, and the inode's
}

// settledStamp is the stamp of the file at path once stampMargin has
// passed since its last change. A run whose log ended just before it was
// stored (a small quarter's, within a few milliseconds) waits the rest,
// at most about stampMargin, rather than leave the next run to read and
// hash the whole log to check it. "" when there is no stamp to take.
func settledStamp(path string) string {
	if fileStamp(path, time.Now().Add(time.Hour)) == "" {
		return "" // no file, or a system whose stamps are not read
	}
	const step = 5 * time.Millisecond
	for range stampMargin/step + 1 {
		if s := fileStamp(path, time.Now()); s != "" {
			return s
		}
		time.Sleep(step)
	}
	return fileStamp(path, time.Now())
}

// lastLogPath is where a workspace keeps the key of its last run's log.
func (c *Config) lastLogPath() string { return c.Path(c.DB) + ".lastlog" }

// logKey names the calculation log of a run over files and progs, by this
// build; ok is false when the build cannot be identified, and then no log
// is reused. It covers everything the log depends on: the dataset (see
// snapshotKey), the period and as-of date, the rounding, and each
// program's file and content in the order the passes take them.
func logKey(files []store.InputFile, opts CalcOptions, progs []*rules.Program, rounding incent.Rounding) (key [32]byte, ok bool) {
	snap, ok := snapshotKey(files)
	if !ok || opts.pay != nil {
		return key, false
	}
	h := sha256.New()
	h.Write([]byte(logKeyMagic))
	h.Write(snap[:])
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", opts.Period.Code, opts.AsOf.String(), rounding.String())
	for _, p := range progs {
		fmt.Fprintf(h, "%s\x00%d\x00%s\x00%s\x00", p.ID, p.Version, p.File, p.SHA256)
	}
	h.Sum(key[:0])
	return key, true
}

// maxLastLogs is how many logs the record names, the latest first: an
// analyst who reruns a close may run a provisional calc (another as-of
// date, so another key) or a calc of another period in between, and the
// next rerun still finds the log of its key.
const maxLastLogs = 8

// lastLogEntry is one log in the record: the run that wrote the log of
// key, and the stamp of that log as the run ended ("" for none).
type lastLogEntry struct {
	key          string // hex
	runID, stamp string
}

// saveLastLog records that run runID wrote the log of key, whose stamp is
// stamp ("" for none), ahead of the logs already recorded: an earlier log
// of the same key goes, and the oldest past maxLastLogs. A record that
// cannot be written is only a slower next run. The workspace's lock keeps
// any other command from writing it meanwhile.
func (c *Config) saveLastLog(key [32]byte, runID, stamp string) {
	entries := []lastLogEntry{{key: hex.EncodeToString(key[:]), runID: runID, stamp: stamp}}
	for _, e := range c.lastLogs() {
		if e.key != entries[0].key && len(entries) < maxLastLogs {
			entries = append(entries, e)
		}
	}
	_ = replaceFile(c.lastLogPath(), func(w io.Writer) error {
		var b strings.Builder
		b.WriteString(lastLogMagic)
		for _, e := range entries {
			fmt.Fprintf(&b, "%s\n%s\n%s\n", e.key, e.runID, e.stamp)
		}
		_, err := io.WriteString(w, b.String())
		return err
	})
}

// lastLogs reads the record of the latest logs; nothing when there is
// none, or when any of it is not as saveLastLog writes it.
func (c *Config) lastLogs() []lastLogEntry {
	data, err := os.ReadFile(c.lastLogPath())
	if err != nil {
		return nil
	}
	rest, found := strings.CutPrefix(string(data), lastLogMagic)
	if !found || rest == "" || !strings.HasSuffix(rest, "\n") {
		return nil
	}
	fields := strings.Split(strings.TrimSuffix(rest, "\n"), "\n")
	if len(fields)%3 != 0 || len(fields)/3 > maxLastLogs {
		return nil
	}
	var entries []lastLogEntry
	for i := 0; i < len(fields); i += 3 {
		e := lastLogEntry{key: fields[i], runID: fields[i+1], stamp: fields[i+2]}
		if len(e.key) != 2*sha256.Size || strings.Trim(e.key, "0123456789abcdef") != "" ||
			e.runID == "" || strings.ContainsAny(e.runID, `/\.`) {
			return nil
		}
		entries = append(entries, e)
	}
	return entries
}

// lastLog returns the run that wrote the log of key and the stamp of that
// log, if the record names it.
func (c *Config) lastLog(key [32]byte) (runID, stamp string, ok bool) {
	want := hex.EncodeToString(key[:])
	for _, e := range c.lastLogs() {
		if e.key == want {
			return e.runID, e.stamp, true
		}
	}
	return "", "", false
}

// reusedLog is a run's calculation log taken from the earlier run that
// wrote the log of the same key, while the passes run.
type reusedLog struct {
	path   string // in the new run's folder
	from   string // the earlier run
	stamp  string // its log's stamp as it ended, "" for none
	sha    string // its log's SHA-256, from its manifest
	digest string // its result digest
	quit   chan struct{}
	once   sync.Once
	done   chan struct{}
	err    error // once done is closed: nil when path holds the earlier log
}

// reuseLog begins to take the log of key into path from the earlier run
// that wrote it, if there is one and it is stored; nil otherwise.
func (c *Config) reuseLog(tx *store.Tx, key [32]byte, path string) *reusedLog {
	id, stamp, ok := c.lastLog(key)
	if !ok {
		return nil
	}
	run, err := tx.RunHead(id)
	if err != nil {
		return nil
	}
	var m Manifest
	if json.Unmarshal([]byte(run.Manifest), &m) != nil || len(m.Files[logName]) != 2*sha256.Size {
		return nil
	}
	src := filepath.Join(c.Path(c.Out), run.Period, run.ID, logName)
	l := &reusedLog{path: path, from: run.ID, stamp: stamp, sha: m.Files[logName], digest: run.Digest,
		quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		l.err = l.take(src)
	}()
	return l
}

// errLogChanged is the error of an earlier log whose bytes are not those
// its run's manifest names.
var errLogChanged = errors.New("not the log its run's manifest names")

// take links src to the log's path, or copies it there, and checks that
// it is the file its run wrote; on any error it leaves nothing at the path.
func (l *reusedLog) take(src string) (err error) {
	defer func() {
		if err != nil {
			os.Remove(l.path)
		}
	}()
	// A link changes the inode, and so the stamp: it is taken first. The
	// stamp is compared with the file's, never a result, so the time it
	// is taken at is the system's.
	unchanged := l.stamp != "" && fileStamp(src, time.Now()) == l.stamp
	var sum string
	if os.Link(src, l.path) == nil {
		if unchanged {
			return nil
		}
		sum, err = hashCopy(src, nil, l.quit)
	} else {
		var w io.WriteCloser
		if w, err = createDirect(l.path); err != nil {
			return err
		}
		sum, err = hashCopy(src, w, l.quit)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil && sum != l.sha {
		err = fmt.Errorf("%s: %w", src, errLogChanged)
	}
	return err
}

// finish returns the log's SHA-256 once it is taken, and when the payouts
// of cp are those of the earlier run; otherwise it writes cp's log at the
// path as any run does.
func (l *reusedLog) finish(cp *computed) (string, error) {
	<-l.done
	if l.err == nil && cp.digest == l.digest {
		return l.sha, nil
	}
	// The path may be a link to the earlier log, which must not be
	// written through: it goes first.
	if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	hf, err := newHashed(createDirect(l.path))
	if err != nil {
		return "", err
	}
	return hf.close(cp.writeLog(hf.bw))
}

// abandon stops taking a log whose run will not be written and waits
// until nothing reads or writes it. It does nothing on nil, or again.
func (l *reusedLog) abandon() {
	if l == nil {
		return
	}
	l.once.Do(func() { close(l.quit) })
	<-l.done
}

// errCopyAbandoned ends the copy of a log whose run stopped.
var errCopyAbandoned = errors.New("copy abandoned")

// hashCopy reads the file at src, past the page cache where it can (see
// openSequential), writes it to w unless w is nil, and returns its
// SHA-256. The reads run ahead of the hashing on a goroutine of their own,
// a few chunks at most, as the disk and the hash take about as long.
// Closing quit stops it early with errCopyAbandoned.
func hashCopy(src string, w io.Writer, quit <-chan struct{}) (string, error) {
	f, err := openSequential(src)
	if err != nil {
		return "", err
	}
	defer f.Close()
	const chunks, size = 4, 4 << 20
	type chunk struct {
		b   []byte
		err error
	}
	free := make(chan []byte, chunks)
	for range chunks {
		free <- alignedBuffer(size)
	}
	full := make(chan chunk, chunks)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(full)
		for {
			var b []byte
			select {
			case b = <-free:
			case <-stop:
				return
			}
			n, err := io.ReadFull(f, b)
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = io.EOF
			}
			full <- chunk{b[:n], err}
			if err != nil {
				return
			}
		}
	}()
	h := sha256.New()
	for c := range full {
		select {
		case <-quit:
			return "", errCopyAbandoned
		default:
		}
		h.Write(c.b)
		if w != nil && len(c.b) > 0 {
			if _, err := w.Write(c.b); err != nil {
				return "", err
			}
		}
		if c.err == io.EOF {
			break
		}
		if c.err != nil {
			return "", c.err
		}
		free <- c.b[:cap(c.b)]
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
