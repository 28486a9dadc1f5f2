package incent

import (
	"embed"
	"io/fs"
)

// The demo workspace is embedded by name so that a database or run files
// left in testdata/demo by a local run are never bundled.
//
//go:embed testdata/demo/incent.yaml testdata/demo/programs testdata/demo/data
var demo embed.FS

// Demo returns the bundled demo workspace: incent.yaml, programs and sample
// data from which calc runs at once. incent init writes it out.
func Demo() fs.FS {
	sub, err := fs.Sub(demo, "testdata/demo")
	if err != nil {
		panic(err) // the embedded path is fixed at build time
	}
	return sub
}
