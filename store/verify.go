package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
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
			if err != nil {
				return err
			}
			if got := Digest(r.Period, r.Lines); got != r.Digest {
				broken = fmt.Sprintf("run %s: its payout lines no longer match its result digest", r.ID)
				return nil
			}
			if !eventRecords(events, r.ID, r.Digest) {
				broken = fmt.Sprintf("run %s: its result digest differs from the one its run event recorded", r.ID)
				return nil
			}
		}
		checked = fmt.Sprintf("%d events, %d archived blobs, %d runs", len(events), len(blobs), len(runs))
		return nil
	})
	return checked, broken, err
}

// eventRecords reports whether a run event for runID recorded digest.
func eventRecords(events []Event, runID, digest string) bool {
	want := fmt.Sprintf(`"digest":%q`, digest)
	for _, e := range events {
		if e.Kind == "run" && e.Subject == runID && strings.Contains(e.Body, want) {
			return true
		}
	}
	return false
}
