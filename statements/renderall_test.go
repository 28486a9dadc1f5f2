package statements

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func manyStatements(t *testing.T, n int) []*Statement {
	sts := make([]*Statement, n)
	for i := range sts {
		st := fixtureStatement(t)
		st.Payee.Code = fmt.Sprintf("D%03d", i+1)
		sts[i] = st
	}
	return sts
}

func TestRenderAll(t *testing.T) {
	sts := manyStatements(t, 8)
	wantPDF, wantXLSX := map[string][]byte{}, map[string][]byte{}
	for _, st := range sts {
		wantPDF[st.Payee.Code], wantXLSX[st.Payee.Code] = renderPDF(t, st), renderXLSX(t, st)
	}
	for _, workers := range []int{0, 1, 3, 50} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "statements")
			if err := RenderAll(dir, sts, workers); err != nil {
				t.Fatalf("RenderAll: %v", err)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 2*len(sts) {
				t.Errorf("%d files, want %d (no temporary files left)", len(entries), 2*len(sts))
			}
			for _, st := range sts {
				pdf, err := os.ReadFile(filepath.Join(dir, st.Payee.Code+".pdf"))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(pdf, wantPDF[st.Payee.Code]) {
					t.Errorf("%s.pdf differs from RenderPDF's output", st.Payee.Code)
				}
				xlsx, err := os.ReadFile(filepath.Join(dir, st.Payee.Code+".xlsx"))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(xlsx, wantXLSX[st.Payee.Code]) {
					t.Errorf("%s.xlsx differs from RenderXLSX's output", st.Payee.Code)
				}
			}
		})
	}
}

func TestRenderAllRefusesUnsafeCodes(t *testing.T) {
	tests := []struct {
		name  string
		codes []string
		want  string
	}{
		{"parent", []string{"D001", "../x"}, `"../x"`},
		{"separator", []string{"a/b"}, "path separator"},
		{"hidden", []string{".hidden"}, `starts with "."`},
		{"empty", []string{""}, "empty"},
		{"duplicate", []string{"D001", "D002", "D001"}, `"D001" and "D001"`},
		{"case", []string{"d001", "D001"}, `"d001" and "D001"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "statements")
			sts := manyStatements(t, len(tt.codes))
			for i, c := range tt.codes {
				sts[i].Payee.Code = c
			}
			err := RenderAll(dir, sts, 2)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("RenderAll error = %v, want one mentioning %s", err, tt.want)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("statements folder was created before the codes were checked")
			}
			if entries, _ := os.ReadDir(root); len(entries) != 0 {
				t.Errorf("files written outside the folder: %v", entries)
			}
		})
	}
}

func TestRenderAllReturnsFirstErrorInOrder(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			dir := t.TempDir()
			sts := manyStatements(t, 10)
			// A folder where a statement file should go makes its rename fail.
			for _, code := range []string{"D004", "D008"} {
				if err := os.Mkdir(filepath.Join(dir, code+".pdf"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, code+".pdf", "keep"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := RenderAll(dir, sts, workers)
			if err == nil || !strings.Contains(err.Error(), "D004.pdf") {
				t.Fatalf("RenderAll error = %v, want the error of D004", err)
			}
			matches, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
			if len(matches) != 0 {
				t.Errorf("temporary files left behind: %v", matches)
			}
		})
	}
}

func TestRenderAllNoStatements(t *testing.T) {
	if err := RenderAll(t.TempDir(), nil, 0); err != nil {
		t.Fatalf("RenderAll of nothing: %v", err)
	}
}

// TestRenderAllWithFill fills each statement's sale lines on its worker:
// the files equal those of statements rendered whole, and the lines are
// dropped once written.
func TestRenderAllWithFill(t *testing.T) {
	whole := manyStatements(t, 6)
	light := manyStatements(t, 6)
	sales := map[string][]SaleLine{}
	for _, st := range light {
		sales[st.Payee.Code] = st.Sales
		st.Sales = nil
	}
	var mu sync.Mutex
	workersSeen := map[int]bool{}
	last := map[int]*Statement{} // the statement each worker filled last
	fill := func(worker int, st *Statement) {
		mu.Lock()
		workersSeen[worker] = true
		// What a filler gave a worker's previous statement is free again.
		if prev := last[worker]; prev != nil && prev.Sales != nil {
			t.Errorf("worker %d fills %s while %s still holds its sale lines", worker, st.Payee.Code, prev.Payee.Code)
		}
		last[worker] = st
		mu.Unlock()
		st.Sales = sales[st.Payee.Code]
	}
	dir := filepath.Join(t.TempDir(), "statements")
	if err := RenderAllWith(dir, light, 3, fill); err != nil {
		t.Fatal(err)
	}
	for i, st := range light {
		if st.Sales != nil {
			t.Errorf("%s still holds its sale lines", st.Payee.Code)
		}
		pdf, err := os.ReadFile(filepath.Join(dir, st.Payee.Code+".pdf"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(pdf, renderPDF(t, whole[i])) {
			t.Errorf("%s.pdf differs from the statement rendered whole", st.Payee.Code)
		}
	}
	for w := range workersSeen {
		if w < 0 || w >= 3 {
			t.Errorf("fill called with worker %d, want 0..2", w)
		}
	}
}

// TestRenderAllProgress checks that progress is told at every tenth of
// the way, in order, ending with all of them.
func TestRenderAllProgress(t *testing.T) {
	var sts []*Statement
	for i := range 25 {
		st := fixtureStatement(t)
		st.Payee.Code = fmt.Sprintf("D%03d", i)
		sts = append(sts, st)
	}
	var seen []int
	err := RenderAllOpts(t.TempDir(), sts, Options{Workers: 3, Progress: func(done, total int) {
		if total != 25 {
			t.Errorf("total %d, want 25", total)
		}
		seen = append(seen, done)
	}})
	if err != nil {
		t.Fatal(err)
	}
	// 25 statements: a tenth is 2.5, so reports come at 3, 5, 8, 10, 13, 15, 18, 20, 23 and 25.
	if diff := cmp.Diff([]int{3, 5, 8, 10, 13, 15, 18, 20, 23, 25}, seen); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
}
