package statements

import (
	"errors"
	"fmt"
	"strings"
)

// NeutraliseCell returns s prefixed with a single quote when it begins with a
// character that makes a spreadsheet read the cell as a formula (=, +, -, @,
// or a tab or carriage return that some importers strip first), so that text
// taken from input files is shown and never executed. Other text is returned
// unchanged.
func NeutraliseCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// maxFileNameBytes keeps "<code>.xlsx" within the 255-byte name limit of
// common file systems.
const maxFileNameBytes = 250

// SafeFileName reports whether a payee code can be used as a file name
// inside the statements folder: it returns an error for an empty code, a code
// containing a path separator, "..", a NUL or other control character or a
// colon (a drive or stream name on Windows), a code starting with "." and a
// code too long for a file name.
func SafeFileName(code string) error {
	bad := func(why string) error {
		return fmt.Errorf("payee code %q cannot be used as a file name: %s", code, why)
	}
	switch {
	case code == "":
		return errors.New("payee code is empty: it cannot be used as a file name")
	case strings.HasPrefix(code, "."):
		return bad(`it starts with "."`)
	case strings.Contains(code, ".."):
		return bad(`it contains ".."`)
	case strings.ContainsAny(code, `/\`):
		return bad("it contains a path separator")
	case strings.ContainsRune(code, 0):
		return bad("it contains a NUL character")
	case strings.ContainsRune(code, ':'):
		return bad(`it contains ":"`)
	case len(code) > maxFileNameBytes:
		return bad(fmt.Sprintf("it is longer than %d bytes", maxFileNameBytes))
	}
	for _, r := range code {
		if r < 0x20 || r == 0x7f {
			return bad("it contains a control character")
		}
	}
	return nil
}
