package workspace

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/incent/incent/store"
)

// A calc writes its run's files into out/<period>/.<run>.partial, stores
// the run, and then renames the folder to out/<period>/<run>. One stopped
// between the commit and the rename (killed, or the machine lost) leaves
// a stored, complete run whose files, also complete (they are all
// written before the commit), lie under the hidden name, where explain
// and statements do not look. The next command in the workspace finishes
// that rename.

// partialDir is the hidden folder a calc writes run id's files into,
// under the period's folder dir, and partialRun the run id of such a
// folder's name ("" for any other name).
func partialDir(dir, id string) string { return filepath.Join(dir, "."+id+".partial") }

func partialRun(name string) string {
	if id, ok := strings.CutPrefix(name, "."); ok {
		if id, ok := strings.CutSuffix(id, ".partial"); ok {
			return id
		}
	}
	return ""
}

// stoppedRun is the folder of a stored run that was never moved into place.
type stoppedRun struct{ partial, final string }

// stoppedRuns lists the hidden folders under out/ whose run head finds
// stored, whose manifest is the one stored with that run, and whose final
// folder does not exist. Folders of runs never stored are left alone: the
// calc that next takes their number removes them.
func (c *Config) stoppedRuns(head func(id string) (*store.Run, error)) []stoppedRun {
	out := c.Path(c.Out)
	periods, err := os.ReadDir(out)
	if err != nil {
		return nil
	}
	var found []stoppedRun
	for _, p := range periods {
		if !p.IsDir() {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(out, p.Name()))
		if err != nil {
			continue
		}
		for _, e := range entries {
			id := partialRun(e.Name())
			if !e.IsDir() || id == "" {
				continue
			}
			partial := filepath.Join(out, p.Name(), e.Name())
			final := filepath.Join(out, p.Name(), id)
			if _, err := os.Lstat(final); !errors.Is(err, fs.ErrNotExist) {
				continue
			}
			run, err := head(id)
			if err != nil || run.Period != p.Name() {
				continue
			}
			manifest, err := os.ReadFile(filepath.Join(partial, "manifest.json"))
			if err != nil || string(manifest) != run.Manifest {
				continue
			}
			found = append(found, stoppedRun{partial, final})
		}
	}
	return found
}

// settle moves the stopped runs' folders into place. A folder that cannot
// be moved stays where it is, for a later command.
func settle(runs []stoppedRun) {
	for _, r := range runs {
		_ = os.Rename(r.partial, r.final)
	}
}

// settleStopped finishes stopped runs for a command that only reads, which
// takes the workspace lock only when there is such a run, and only if no
// other command holds it (a calc that holds it may be about to move its
// own folder). Without the lock, or where the workspace cannot be written,
// nothing is moved.
func (c *Config) settleStopped(db *store.DB) {
	var runs []stoppedRun
	look := func() error {
		return db.Read(context.Background(), func(tx *store.Tx) error {
			runs = c.stoppedRuns(tx.RunHead)
			return nil
		})
	}
	if look() != nil || len(runs) == 0 {
		return
	}
	release, err := c.lock()
	if err != nil {
		return
	}
	defer release()
	if look() == nil { // again, now that no calc can be moving them
		settle(runs)
	}
}
