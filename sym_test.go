package incent

import (
	"strconv"
	"sync"
	"testing"
)

func TestSym(t *testing.T) {
	if got := (Sym{}).String(); got != "" {
		t.Errorf("the zero Sym is %q, want \"\"", got)
	}
	if !Intern("").IsZero() {
		t.Error(`Intern("") is not the zero Sym`)
	}
	row := []byte("D0417,retail")
	a := Intern(string(row[:5]))
	row[0] = 'X' // the table holds its own copy of the text
	if got := a.String(); got != "D0417" {
		t.Errorf("symbol of D0417 reads %q", got)
	}
	if b := Intern("D0417"); b != a || !b.Equal(a) {
		t.Error("equal texts gave different symbols")
	}
	if Intern("D0418") == a {
		t.Error("different texts gave one symbol")
	}
}

// TestSymConcurrent interns texts on several goroutines at once, more than
// a block of the table holds, and checks that every goroutine gets the same
// symbol for a text and reads it back. Run with -race.
func TestSymConcurrent(t *testing.T) {
	const n = 3000 // about three blocks
	texts := make([]string, n)
	for i := range texts {
		texts[i] = "concurrent-" + strconv.Itoa(i)
	}
	got := make([][]Sym, 4)
	var wg sync.WaitGroup
	for g := range got {
		got[g] = make([]Sym, n)
		wg.Go(func() {
			var local Symbols
			for k := range n {
				i := (k*7 + g*1001) % n // each goroutine meets the texts in its own order
				if g%2 == 0 {
					got[g][i] = local.Intern(texts[i])
				} else {
					got[g][i] = Intern(texts[i])
				}
				if s := got[g][i].String(); s != texts[i] {
					t.Errorf("goroutine %d: symbol of %q reads %q", g, texts[i], s)
					return
				}
			}
		})
	}
	wg.Wait()
	for i := range n {
		for g := 1; g < len(got); g++ {
			if got[g][i] != got[0][i] {
				t.Fatalf("%q: goroutines 0 and %d got different symbols", texts[i], g)
			}
		}
	}
}
