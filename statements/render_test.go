package statements

import (
	"flag"
	"os"
	"testing"
)

var renderPrefix = flag.String("render", "", "write the fixture statements to this path prefix (.pdf, -provisional.pdf, -big.pdf, .xlsx, -summary.xlsx) to look at them")

// TestRenderFixtureFiles writes the fixtures to files when -render is given,
// so that a person can look at them: go test -run RenderFixtureFiles -render /tmp/stmt.
func TestRenderFixtureFiles(t *testing.T) {
	if *renderPrefix == "" {
		t.Skip("no -render prefix")
	}
	files := map[string][]byte{
		".pdf":             renderPDF(t, fixtureStatement(t)),
		"-provisional.pdf": renderPDF(t, provisionalStatement(t)),
		"-big.pdf":         renderPDF(t, bigStatement(t, 200)),
		".xlsx":            renderXLSX(t, fixtureStatement(t)),
		"-summary.xlsx":    renderSummary(t, fixtureSummary(t, 20, 5)),
	}
	for suffix, data := range files {
		if err := os.WriteFile(*renderPrefix+suffix, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
