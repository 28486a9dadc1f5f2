package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Verify checks the whole record: the event chain, every archived blob
// against its SHA-256, and every run's result digest recomputed from its
// stored payout lines. It returns a description of the first broken record,
// or "" when everything holds. Editing any stored amount, event or blob with
// an outside tool is therefore found.
func (d *DB) Verify(ctx context.Context) (checked string, broken string, err error) {
	err = d.Read(ctx, func(tx *Tx) error {
		events, err := tx.Events()
		if err != nil {
			return err
		}
		if broken = VerifyChain(events); broken != "" {
			return nil
		}
		// Every input version and run program names an archived file. The
		// lists that join them to the archive would silently skip one
		// whose file is gone, so its absence is looked for on its own.
		var seq int64
		var name string
		err = tx.tx.QueryRowContext(ctx, `SELECT f.seq, f.name FROM input_files f LEFT JOIN blobs b ON b.sha256 = f.sha256
			WHERE b.sha256 IS NULL ORDER BY f.seq LIMIT 1`).Scan(&seq, &name)
		if err == nil {
			broken = fmt.Sprintf("input %s (version %d): its archived file is missing", name, seq)
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var runID string
		err = tx.tx.QueryRowContext(ctx, `SELECT p.run_id, p.program_id FROM run_programs p LEFT JOIN blobs b ON b.sha256 = p.sha256
			WHERE b.sha256 IS NULL ORDER BY p.run_id, p.program_id LIMIT 1`).Scan(&runID, &name)
		if err == nil {
			broken = fmt.Sprintf("run %s: the archived file of program %s is missing", runID, name)
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		rows, err := tx.tx.QueryContext(ctx, `SELECT sha256, size FROM blobs ORDER BY sha256`)
		if err != nil {
			return err
		}
		type blob struct {
			sha  string
			size int64
		}
		var blobs []blob
		for rows.Next() {
			var b blob
			if err := rows.Scan(&b.sha, &b.size); err != nil {
				rows.Close()
				return err
			}
			blobs = append(blobs, b)
		}
		rows.Close()
		for _, b := range blobs {
			r, err := tx.OpenBlob(b.sha)
			if err != nil {
				return err
			}
			h := sha256.New()
			n, err := io.Copy(h, r)
			if errors.Is(err, sql.ErrNoRows) {
				// A chunk gone from the archive is a broken record; any
				// other error is the database's, not the record's.
				broken = fmt.Sprintf("archived blob %s: a chunk of it is missing", short(b.sha))
				return nil
			}
			if err != nil {
				return err
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != b.sha || n != b.size {
				broken = fmt.Sprintf("archived blob %s: its content no longer matches its SHA-256", short(b.sha))
				return nil
			}
		}
		runs, err := tx.Runs("")
		if err != nil {
			return err
		}
		for i := len(runs) - 1; i >= 0; i-- {
			r, err := tx.GetRun(runs[i].ID)
			if le, ok := errors.AsType[*LinesError](err); ok {
				broken = le.Error()
				return nil
			}
			if err != nil {
				return err
			}
			if got := Digest(r.Period, r.Lines); got != r.Digest {
				broken = fmt.Sprintf("run %s: its payout lines no longer match its result digest", r.ID)
				return nil
			}
			if why, err := manifestProblem(tx, r); err != nil || why != "" {
				broken = why
				return err
			}
			if why := eventProblem(events, r); why != "" {
				broken = why
				return nil
			}
		}
		// A run deleted with all its rows leaves its event behind.
		stored := make(map[string]bool, len(runs))
		for _, r := range runs {
			stored[r.ID] = true
		}
		for _, e := range events {
			if e.Kind == "run" && !stored[e.Subject] {
				broken = fmt.Sprintf("event %d records run %s, which is no longer stored", e.Seq, e.Subject)
				return nil
			}
		}
		checked = fmt.Sprintf("%d events, %d archived blobs, %d runs", len(events), len(blobs), len(runs))
		return nil
	})
	return checked, broken, err
}

// eventProblem says how run r differs from what its run event recorded,
// or "" when it does not: the result digest, period and status, and the
// manifest's SHA-256 (recorded by runs stored since it was added).
func eventProblem(events []Event, r *Run) string {
	for _, e := range events {
		if e.Kind != "run" || e.Subject != r.ID {
			continue
		}
		var rec struct {
			Digest   string  `json:"digest"`
			Manifest *string `json:"manifest_sha256"`
			Period   string  `json:"period"`
			Status   string  `json:"status"`
		}
		if err := json.Unmarshal([]byte(e.Body), &rec); err != nil {
			return fmt.Sprintf("run %s: its run event is not JSON (%v)", r.ID, err)
		}
		switch {
		case rec.Digest != r.Digest:
			return fmt.Sprintf("run %s: its result digest differs from the one its run event recorded", r.ID)
		case rec.Period != r.Period || rec.Status != r.Status:
			return fmt.Sprintf("run %s: its period or status (%s, %s) differs from what its run event recorded (%s, %s)", r.ID, r.Period, r.Status, rec.Period, rec.Status)
		case rec.Manifest != nil && *rec.Manifest != ManifestSHA256(r.Manifest):
			return fmt.Sprintf("run %s: its stored manifest differs from the one its run event recorded", r.ID)
		}
		return ""
	}
	return fmt.Sprintf("run %s: no run event records it", r.ID)
}

// manifestProblem says what is wrong with run r's stored manifest, or ""
// when nothing is: it must be JSON, the input versions recorded for the
// run must be the files, with their SHA-256 and their profile's, that it
// lists, and the program versions recorded for it the programs it lists.
// A list the manifest lacks (a run stored by a test) is not compared.
func manifestProblem(tx *Tx, r *Run) (string, error) {
	var m struct {
		Inputs *[]struct {
			Kind    string `json:"kind"`
			File    string `json:"file"`
			SHA256  string `json:"sha256"`
			Profile string `json:"profile_sha256"`
		} `json:"inputs"`
		Programs *[]struct {
			ID      string `json:"id"`
			Version int    `json:"version"`
			SHA256  string `json:"sha256"`
		} `json:"programs"`
	}
	if err := json.Unmarshal([]byte(r.Manifest), &m); err != nil {
		return fmt.Sprintf("run %s: its stored manifest is not JSON (%v)", r.ID, err), nil
	}
	if m.Inputs != nil {
		files, err := tx.RunInputs(r.ID)
		if err != nil {
			return "", err
		}
		// A manifest written before profiles were recorded in it names
		// files only.
		withProfiles := len(*m.Inputs) > 0 && (*m.Inputs)[0].Profile != ""
		var want, got []string
		for _, in := range *m.Inputs {
			k := in.Kind + "|" + in.File + "|" + in.SHA256
			if withProfiles {
				k += "|" + in.Profile
			}
			want = append(want, k)
		}
		for _, f := range files {
			k := f.Kind + "|" + f.Name + "|" + f.SHA256
			if withProfiles {
				k += "|" + ProfileSHA256(f.Profile)
			}
			got = append(got, k)
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			return fmt.Sprintf("run %s: the input versions recorded for it differ from those its manifest lists", r.ID), nil
		}
	}
	if m.Programs == nil {
		return "", nil
	}
	var want, got []string
	for _, p := range *m.Programs {
		want = append(want, fmt.Sprintf("%s|%d|%s", p.ID, p.Version, p.SHA256))
	}
	for _, p := range r.Programs {
		got = append(got, fmt.Sprintf("%s|%d|%s", p.ID, p.Version, p.SHA256))
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		return fmt.Sprintf("run %s: the program versions recorded for it differ from those its manifest lists", r.ID), nil
	}
	return "", nil
}

// ProfileSHA256 is the SHA-256 of an input version's stored profile, as a
// run's manifest records it.
func ProfileSHA256(profile string) string {
	sum := sha256.Sum256([]byte(profile))
	return hex.EncodeToString(sum[:])
}
