package workspace

import (
	"io"
	"testing"
)

// BenchmarkSaleLog writes the sale lines of calc-log.jsonl for a generated
// quarter of 200 dealers × 50,000 sales, as a calc does once eligibility
// and crediting are done.
func BenchmarkSaleLog(b *testing.B) {
	cp := generatedComputed(b, 200, 50000)
	var n int64
	b.ReportAllocs()
	for b.Loop() {
		w := &countingWriter{}
		if err := writeSaleLog(w, cp.res, cp.dealers, nil); err != nil {
			b.Fatal(err)
		}
		n = w.n
	}
	b.SetBytes(n)
	b.ReportMetric(float64(len(cp.res.Sales))*float64(b.N)/b.Elapsed().Seconds(), "sales/s")
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

var _ io.Writer = (*countingWriter)(nil)
