package workspace

import (
	"strconv"
	"unicode/utf8"

	"github.com/incent/incent"
)

// appendJSONString appends s as a JSON string exactly as encoding/json does
// with HTML escaping off: quotes, backslashes and control characters
// escaped, invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029 escaped. The
// calculation log is written with it because it is a million lines long.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendSaleKey appends SaleKey(s) as a JSON string. When its parts are
// plain ASCII with nothing to escape, as they nearly always are, it is
// written part by part rather than built first.
func appendSaleKey(b []byte, s *incent.Sale) []byte {
	dealer := s.DealerCode.String()
	if !plainASCII(dealer) || !plainASCII(s.DealID) || !plainASCII(s.VIN) {
		return appendJSONString(b, SaleKey(s))
	}
	b = append(b, '"')
	b = append(b, dealer...)
	b = append(b, '/')
	b = append(b, s.DealID...)
	b = append(b, '/')
	b = append(b, s.VIN...)
	if s.Quantity < 0 {
		return append(b, `/-"`...)
	}
	return append(b, `/+"`...)
}

// plainASCII reports whether s is printable ASCII without a quote or a
// backslash: JSON writes it as it is.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// appendField appends `"name":"value"` with a leading comma unless first.
func appendField(b []byte, name, value string, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendJSONString(b, value)
}

// appendIntField appends `,"name":n`.
func appendIntField(b []byte, name string, n int) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, int64(n), 10)
}
