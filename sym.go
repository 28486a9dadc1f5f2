package incent

import (
	"sync"
	"sync/atomic"
)

// Sym is a short text that many sales share (a dealer code, a sale type,
// a model, a file name) held as a number in a table of every such text
// the process has seen. A million-sale quarter holds six of them per sale:
// as strings they took 96 bytes of every sale and 96 MB in all, and six
// pointers for the garbage collector to follow; as symbols they take 24
// bytes and none.
//
// Equal texts are equal symbols, so == compares texts. Symbols have no
// order: their numbers depend on which text a goroutine met first, so
// anything sorted or written goes by String. The zero Sym is "".
type Sym struct{ id uint32 }

// symChunk is a block of the table. Blocks are never moved once made, so
// a text is read without a lock.
type symChunk [1 << 10]string

var syms struct {
	mu     sync.Mutex
	ids    map[string]uint32
	n      uint32                      // symbols made, "" included
	chunks atomic.Pointer[[]*symChunk] // replaced, never changed, when it grows
}

func init() {
	syms.ids = map[string]uint32{"": 0}
	syms.n = 1
	chunks := []*symChunk{new(symChunk)}
	syms.chunks.Store(&chunks)
}

// Intern returns the symbol of s.
func Intern(s string) Sym {
	if s == "" {
		return Sym{}
	}
	syms.mu.Lock()
	defer syms.mu.Unlock()
	if id, ok := syms.ids[s]; ok {
		return Sym{id}
	}
	id := syms.n
	chunks := *syms.chunks.Load()
	if int(id>>10) == len(chunks) {
		grown := append(chunks[:len(chunks):len(chunks)], new(symChunk))
		syms.chunks.Store(&grown)
		chunks = grown
	}
	// The table keeps a copy, so that it holds no row a text was cut from.
	s = string([]byte(s))
	chunks[id>>10][id&(1<<10-1)] = s
	syms.ids[s] = id
	syms.n++
	return Sym{id}
}

// String returns the text of s.
func (s Sym) String() string {
	if s.id == 0 {
		return ""
	}
	return (*syms.chunks.Load())[s.id>>10][s.id&(1<<10-1)]
}

// Equal reports whether s and o are the same text.
func (s Sym) Equal(o Sym) bool { return s == o }

// Number is s's place in the process's table: equal texts have equal
// numbers. Numbers have no order and differ from process to process, so
// they may key what a process holds but are never written.
func (s Sym) Number() uint32 { return s.id }

// IsZero reports whether s is the empty text.
func (s Sym) IsZero() bool { return s.id == 0 }

// Symbols interns texts for one goroutine, keeping the symbols it has
// made in a map of its own: a file's million rows name a few thousand
// dealers and a few dozen models, and each is looked up in the shared
// table, under its lock, once.
type Symbols struct {
	m map[string]Sym
}

// Intern returns the symbol of s.
func (t *Symbols) Intern(s string) Sym {
	if s == "" {
		return Sym{}
	}
	if y, ok := t.m[s]; ok {
		return y
	}
	y := Intern(s)
	if t.m == nil {
		t.m = map[string]Sym{}
	}
	if len(t.m) < 1<<16 {
		t.m[y.String()] = y
	}
	return y
}
