package statements

import (
	"strings"
	"time"
	"unicode"

	"github.com/incent/incent"
	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// maxShownDecimals is how many decimals a quantity is shown with before it is
// cut (a credit of 1/3 has sixteen); the formula lines keep the exact value.
const maxShownDecimals = 4

// moneyText formats an amount with its currency code: "1,234.50 USD".
func moneyText(d decimal.Decimal, c incent.Currency) string {
	return incent.FormatMoney(d, c) + " " + c.Code
}

// quantityText formats a credit, a measure or a percentage exactly when it
// has few decimals, and cut to maxShownDecimals with a trailing ellipsis when
// it has more, so a column never fills with repeating digits.
func quantityText(d decimal.Decimal) string {
	if d.Exponent() >= -maxShownDecimals || d.Equal(d.Truncate(maxShownDecimals)) {
		return incent.GroupThousands(d.String())
	}
	return incent.GroupThousands(d.Truncate(maxShownDecimals).String()) + "…"
}

// measureValue is the measure of a program line as shown in a table cell.
func measureValue(p *ProgramLine) string {
	switch p.MeasureKind {
	case "revenue":
		return incent.FormatMoney(p.Measure, p.Currency)
	case "objective_pct":
		return quantityText(p.Measure) + "%"
	}
	return quantityText(p.Measure)
}

// measureUnit names what a program line's measure counts.
func measureUnit(p *ProgramLine) string {
	switch p.MeasureKind {
	case "revenue":
		return strings.TrimSpace(p.Currency.Code + " revenue")
	case "objective_pct":
		return "of objective"
	case "":
		return ""
	}
	return p.MeasureKind
}

// typeLabel turns a program or adjustment type word into a label:
// "stair_step" -> "stair step".
func typeLabel(s string) string { return strings.ReplaceAll(s, "_", " ") }

// payeeTypeLabel is the payee type as it heads the payee's identification.
func payeeTypeLabel(t string) string {
	switch t {
	case "":
		return "Payee"
	}
	r := []rune(t)
	return string(unicode.ToUpper(r[0])) + string(r[1:])
}

// numberFormat is the custom XLSX number format for amounts in c: "#,##0"
// for JPY, "#,##0.00" for USD, "#,##0.000" for KWD. Custom formats display
// the same everywhere, unlike the locale-dependent built-in currency formats.
func numberFormat(c incent.Currency) string {
	if c.Minor <= 0 {
		return "#,##0"
	}
	return "#,##0." + strings.Repeat("0", int(c.Minor))
}

// excelEpochOffset is the Excel serial number of 1970-01-01 in the 1900 date
// system (serial 25569).
const excelEpochOffset = 25569

// excelSerial is the Excel 1900-system serial number of a date; it involves
// no clock and no time zone.
func excelSerial(d incent.Date) int { return int(d) + excelEpochOffset }

// documentTime is the fixed timestamp recorded as a document's creation and
// modification time: the end of the period, or the as-of date of a
// provisional run. Deriving it from the statement keeps renders
// byte-identical.
func documentTime(p incent.Period, provisional bool, asOf incent.Date) time.Time {
	if provisional && !asOf.IsZero() {
		return asOf.Time()
	}
	if p.To.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return p.To.Time()
}

// statusText says whether a statement or summary is final.
func statusText(provisional bool, asOf incent.Date) string {
	if !provisional {
		return "Final"
	}
	if asOf.IsZero() {
		return "PROVISIONAL"
	}
	return "PROVISIONAL — sales up to " + asOf.String()
}

// foldCP1252 rewrites s so that every character exists in Windows-1252, the
// encoding of the PDF built-in fonts: typographic signs get ASCII
// equivalents, accented letters outside the code page lose their accent
// ("ő" -> "o"), control characters become spaces and anything else becomes
// "?". Text already in the code page is returned unchanged.
func foldCP1252(s string) string {
	clean := true
	for _, r := range s {
		if r < 0x20 || (r >= 0x80 && !inCP1252(r)) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x20:
			b.WriteByte(' ')
		case r < 0x80 || inCP1252(r):
			b.WriteRune(r)
		default:
			b.WriteString(substituteRune(r))
		}
	}
	return b.String()
}

// cp1252 encodes s as Windows-1252 bytes the way foldCP1252 folds it, in
// one pass: it is what a statement's PDF draws, a dozen cells a sale, and
// most cells are plain ASCII, returned as they are. (fpdf's own translator
// shares one buffer between calls, so it cannot serve statements rendered
// side by side, and building it per statement parses a code page table each
// time.)
func cp1252(s string) string {
	i := plainPrefix(s)
	if i == len(s) {
		return s
	}
	b := make([]byte, i, len(s)+4)
	copy(b, s[:i])
	for _, r := range s[i:] {
		switch {
		case r < 0x20:
			b = append(b, ' ')
		case r < 0x80:
			b = append(b, byte(r))
		default:
			if c, ok := charmap.Windows1252.EncodeRune(r); ok {
				b = append(b, c)
				continue
			}
			for _, p := range substituteRune(r) {
				c, ok := charmap.Windows1252.EncodeRune(p)
				if !ok {
					c = '?'
				}
				b = append(b, c)
			}
		}
	}
	return string(b)
}

// plainPrefix returns the length of s's leading run of printable ASCII
// (0x20 to 0x7f), eight bytes at a time: a statement's PDF checks every
// cell's text. A word of eight such bytes has no high bit set, and
// subtracting 0x20 from each byte sets none either; a byte below 0x20 or
// from 0x80 sets one.
func plainPrefix(s string) int {
	const ones, highs = 0x2020202020202020, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if (x|(x-ones))&highs != 0 {
			break
		}
	}
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x80 {
		i++
	}
	return i
}

func inCP1252(r rune) bool {
	_, ok := charmap.Windows1252.EncodeRune(r)
	return ok
}

// substituteRune finds a Windows-1252 stand-in for a character outside it.
func substituteRune(r rune) string {
	switch r {
	case '−', '‐', '‑', '‒', '⁃':
		return "-"
	case '≤':
		return "<="
	case '≥':
		return ">="
	case '≠':
		return "!="
	case '→', '⇒':
		return "->"
	case '←':
		return "<-"
	case '≈':
		return "~"
	case '′':
		return "'"
	case '″':
		return `"`
	case 'Ł':
		return "L"
	case 'ł':
		return "l"
	case 'Đ':
		return "D"
	case 'đ':
		return "d"
	case 'ı':
		return "i"
	case 'Ħ':
		return "H"
	case 'ħ':
		return "h"
	}
	if unicode.IsSpace(r) {
		return " "
	}
	var b strings.Builder
	for _, p := range norm.NFD.String(string(r)) {
		if unicode.Is(unicode.Mn, p) {
			continue
		}
		if p < 0x80 || inCP1252(p) {
			b.WriteRune(p)
		}
	}
	if b.Len() == 0 {
		return "?"
	}
	return b.String()
}
