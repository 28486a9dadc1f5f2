package statements

import (
	"flag"
	"os"
	"testing"
)

var renderPrefix = flag.String("render", "", "write the fixture statements to this path prefix (.pdf, -provisional.pdf, -big.pdf, .xlsx)")

func TestRenderFixtureFiles(t *testing.T) {
	if *renderPrefix == "" {
		t.Skip("no -render prefix")
	}
	for suffix, st := range map[string]*Statement{
		".pdf":             fixtureStatement(t),
		"-provisional.pdf": provisionalStatement(t),
		"-big.pdf":         bigStatement(t, 200),
	} {
		f, err := os.Create(*renderPrefix + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := RenderPDF(f, st); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
