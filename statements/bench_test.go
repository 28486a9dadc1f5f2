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
