package statements

import (
	"io"
	"testing"
)

func BenchmarkRenderPDF(b *testing.B) {
	st := bigStatement(b, 200)
	for b.Loop() {
		if err := RenderPDF(io.Discard, st); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderXLSX(b *testing.B) {
	st := bigStatement(b, 200)
	for b.Loop() {
		if err := RenderXLSX(io.Discard, st); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderSummary renders the summary of a big run: 4,000 payees ×
// 30 programs.
func BenchmarkRenderSummary(b *testing.B) {
	s := fixtureSummary(b, 4000, 30)
	for b.Loop() {
		if err := RenderSummary(io.Discard, s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderSmall renders the fixture with one sale: the fixed cost of a
// statement, paid once per payee (thousands of salespeople at scale).
func BenchmarkRenderSmall(b *testing.B) {
	st := bigStatement(b, 1)
	b.Run("pdf", func(b *testing.B) {
		for b.Loop() {
			if err := RenderPDF(io.Discard, st); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("xlsx", func(b *testing.B) {
		for b.Loop() {
			if err := RenderXLSX(io.Discard, st); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkWrapWords wraps the "Not counted" line of a sale row, the text
// a dealer's statement wraps most.
func BenchmarkWrapWords(b *testing.B) {
	d := newPDFDoc(&Statement{})
	d.font("", 7.5)
	text := d.text("Not counted: R1 1, 4, 5, 6, 9, 12; R2 2, 3; R3 7, 8, 10, 11, 13, 14, 15, 16, 17, 18; R4 19; R5 20, 21, 22, 23, 24, 25, 26")
	for b.Loop() {
		d.wrapWords(text, 150)
	}
}
