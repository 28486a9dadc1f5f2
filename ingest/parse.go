package ingest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/incent/incent"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// maxAmountDigits bounds the digits of an amount: no incentive is that large,
// and a cell of thousands of digits is an error, not money.
const maxAmountDigits = 30

// ParseMoney parses an amount such as 1234.5, 1,234.50, $1,234.50,
// USD 1,234.50, -1234.50 or (1,234.50), or with decimalComma 1.234,50 and
// € 1.234,50, without ever passing through a binary float.
func ParseMoney(s string, decimalComma bool) (decimal.Decimal, error) {
	if d, ok := parseMoney(s, decimalComma); ok {
		return d, nil
	}
	return decimal.Zero, errors.New(moneyReason(s, decimalComma))
}

func moneyReason(s string, decimalComma bool) string {
	if decimalComma {
		return fmt.Sprintf("%q is not an amount such as 1.234,50", s)
	}
	return fmt.Sprintf("%q is not an amount such as 1,234.50", s)
}

// parseMoney is ParseMoney without the error message, so that the accept
// path of a reader never formats anything.
func parseMoney(s string, decimalComma bool) (decimal.Decimal, bool) {
	var buf [2 * maxAmountDigits]byte
	b, ok := cleanMoney(buf[:0], s, decimalComma)
	if !ok {
		return decimal.Zero, false
	}
	d, err := decimal.NewFromString(string(b))
	return d, err == nil
}

// moneyAmount is parseMoney for a reader that wants an amount: the same
// text gives the same digits and exponent. A formatted amount such as
// $1,234.50 is cleaned into plain digits and read by plainAmount, without
// the big.Int of decimal.NewFromString; only more than 18 digits go
// through it.
func moneyAmount(s string, decimalComma bool) (incent.Amount, bool) {
	var buf [2 * maxAmountDigits]byte
	b, ok := cleanMoney(buf[:0], s, decimalComma)
	if !ok {
		return incent.Amount{}, false
	}
	// What cleanMoney writes has a decimal point, whatever the profile.
	if a, ok := plainAmount(b, false, 18); ok {
		return a, true
	}
	d, err := decimal.NewFromString(string(b))
	if err != nil {
		return incent.Amount{}, false
	}
	return incent.AmountOf(d), true
}

// cleanMoney appends to b the amount s as -?digits[.digits] with a decimal
// point: the sign, parentheses, currency and grouping taken off, the
// decimal comma made a point. It is false when s is not an amount.
func cleanMoney(b []byte, s string, decimalComma bool) ([]byte, bool) {
	t := strings.TrimSpace(s)
	if isPlainDecimal(t) && (!decimalComma || strings.IndexByte(t, '.') < 0) {
		return append(b, t...), true
	}
	var neg, paren, sign, cur bool
	for changed := true; changed && t != ""; {
		changed = false
		if t = strings.TrimSpace(t); t == "" {
			break
		}
		switch {
		case !paren && !sign && len(t) >= 2 && t[0] == '(' && t[len(t)-1] == ')':
			paren, neg, changed = true, true, true
			t = t[1 : len(t)-1]
		case !sign && !paren && (t[0] == '-' || t[0] == '+'):
			sign, neg, changed = true, t[0] == '-', true
			t = t[1:]
		case !sign && !paren && strings.HasPrefix(t, "\u2212"): // minus sign
			sign, neg, changed = true, true, true
			t = t[len("\u2212"):]
		case !cur:
			if n := currencyPrefix(t); n > 0 {
				cur, changed = true, true
				t = t[n:]
			} else if n := currencySuffix(t); n > 0 {
				cur, changed = true, true
				t = t[:len(t)-n]
			}
		}
	}
	t = strings.TrimSpace(t)
	if neg {
		b = append(b, '-')
	}
	return appendNumber(b, t, decimalComma)
}

// plainAmount reads s when it is -?digits[.digits] with at most maxDigits
// digits (18 at most), the form nearly every export writes, straight into
// an amount's coefficient and exponent: the ones decimal.NewFromString
// would give, without its big.Int. It is false for anything else, which
// parseMoney then reads; so is a dot when the decimal mark is a comma.
func plainAmount[T string | []byte](s T, decimalComma bool, maxDigits int) (incent.Amount, bool) {
	i, neg := 0, false
	if len(s) > 0 && s[0] == '-' {
		i, neg = 1, true
	}
	var n int64
	digits, frac, dot := 0, 0, false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			n = n*10 + int64(c-'0')
			digits++
			if dot {
				frac++
			}
		case c == '.' && !dot && digits > 0 && !decimalComma:
			dot = true
		default:
			return incent.Amount{}, false
		}
	}
	if digits == 0 || digits > min(maxDigits, 18) || s[len(s)-1] == '.' {
		return incent.Amount{}, false
	}
	if neg {
		n = -n
	}
	return incent.ScaledAmount(n, -int32(frac))
}

// isPlainDecimal reports whether s is -?digits[.digits], the form a
// spreadsheet or a careful export writes, which needs no clean-up.
func isPlainDecimal(s string) bool {
	i := 0
	if len(s) > 0 && s[0] == '-' {
		i = 1
	}
	digits, dot := 0, false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && digits > 0:
			dot = true
		default:
			return false
		}
	}
	return digits > 0 && digits <= maxAmountDigits && s[len(s)-1] != '.'
}

// appendNumber appends the plain decimal form of a grouped number such as
// 1,234.50 (or 1.234,50 with decimalComma) to b. Grouping must be regular
// (groups of three digits after the first) so that 1,5 in a dot-decimal
// file is refused rather than misread as 15.
func appendNumber(b []byte, t string, decimalComma bool) ([]byte, bool) {
	decSep := byte('.')
	if decimalComma {
		decSep = ','
	}
	intPart, frac := t, ""
	if i := strings.IndexByte(t, decSep); i >= 0 {
		intPart, frac = t[:i], t[i+1:]
		if frac == "" && intPart == "" {
			return b, false
		}
	}
	digits := 0
	var groupSep rune
	group, groups := 0, 0
	for _, r := range intPart {
		switch {
		case r >= '0' && r <= '9':
			b = append(b, byte(r))
			digits++
			group++
		case isGroupSep(r, decimalComma):
			if groupSep == 0 {
				groupSep = r
			} else if r != groupSep {
				return b, false
			}
			if (groups == 0 && (group < 1 || group > 3)) || (groups > 0 && group != 3) {
				return b, false
			}
			groups++
			group = 0
		default:
			return b, false
		}
	}
	if groups > 0 && group != 3 {
		return b, false
	}
	if digits == 0 {
		b = append(b, '0') // ".5"
	}
	if frac != "" {
		b = append(b, '.')
		for i := 0; i < len(frac); i++ {
			c := frac[i]
			if c < '0' || c > '9' {
				return b, false
			}
			b = append(b, c)
			digits++
		}
	}
	if digits == 0 || digits > maxAmountDigits {
		return b, false
	}
	return b, true
}

func isGroupSep(r rune, decimalComma bool) bool {
	switch r {
	case '\'', ' ', '\u00a0', '\u202f', '\u2009':
		return true
	case ',':
		return !decimalComma
	case '.':
		return decimalComma
	}
	return false
}

// currencyPrefix returns the length of a currency mark at the start of t:
// an ISO 4217 code (USD) or a symbol with up to two letters before it ($,
// US$, R$, €, £, ¥).
func currencyPrefix(t string) int {
	if len(t) > 3 && isUpper3(t[:3]) && !isASCIILetter(t[3]) {
		return 3
	}
	i := 0
	for i < len(t) && i < 2 && isASCIILetter(t[i]) {
		i++
	}
	n := i
	for n < len(t) {
		r, size := utf8.DecodeRuneInString(t[n:])
		if !unicode.Is(unicode.Sc, r) {
			break
		}
		n += size
	}
	if n == i {
		return 0
	}
	return n
}

// currencySuffix returns the length of a currency mark at the end of t:
// "1.234,50 €", "1,234.50 USD".
func currencySuffix(t string) int {
	if len(t) > 3 && isUpper3(t[len(t)-3:]) && !isASCIILetter(t[len(t)-4]) {
		return 3
	}
	n := len(t)
	for n > 0 {
		r, size := utf8.DecodeLastRuneInString(t[:n])
		if !unicode.Is(unicode.Sc, r) {
			break
		}
		n -= size
	}
	return len(t) - n
}

func isUpper3(s string) bool {
	return len(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' && s[2] <= 'Z'
}

func isASCIILetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

// sheetDigits is the precision of a spreadsheet's numbers: a longer one
// is rounded to this many significant digits.
const sheetDigits = 15

// parseSheetNumber parses the raw text of a numeric XLSX cell ("1234.5",
// "1.2345E+3"). A spreadsheet keeps 15 significant digits, so longer raw
// text such as 1234.4999999999998 is rounded back to what the user typed.
func parseSheetNumber(s string) (decimal.Decimal, bool) {
	if !isSheetNumber(s) {
		return decimal.Zero, false
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero, false
	}
	if n := d.NumDigits(); n > sheetDigits {
		d = d.Round(-d.Exponent() - int32(n-sheetDigits))
	}
	return d, true
}

// isSheetNumber reports whether s has the form a spreadsheet stores numbers
// in: -?digits[.digits][E[+-]digits].
func isSheetNumber(s string) bool {
	mant, exp, hasExp := strings.Cut(s, "E")
	if !hasExp {
		mant, exp, hasExp = strings.Cut(s, "e")
	}
	if !isPlainDecimal(mant) {
		return false
	}
	if hasExp {
		exp = strings.TrimPrefix(strings.TrimPrefix(exp, "+"), "-")
		if exp == "" || len(exp) > 3 {
			return false
		}
		for i := 0; i < len(exp); i++ {
			if exp[i] < '0' || exp[i] > '9' {
				return false
			}
		}
	}
	return true
}

// maxExcelSerial is 9999-12-31, the last date a spreadsheet can hold.
const maxExcelSerial = 2958465

// ParseDateCell parses a date cell: ISO 2006-01-02 (a time after it is
// ignored), the layout when one is given, or a spreadsheet serial number
// such as 45474 (2024-07-01).
func ParseDateCell(s, layout string) (incent.Date, error) {
	if d, ok := parseDate(s, layout, false); ok {
		return d, nil
	}
	return incent.NoDate, errors.New(dateReason(s, layout))
}

func dateReason(s, layout string) string {
	if layout == "" || layout == isoLayout {
		return fmt.Sprintf("%q is not a date in the form YYYY-MM-DD", s)
	}
	return fmt.Sprintf("%q is not a date in the form %s or YYYY-MM-DD", s, layoutHint(layout))
}

const isoLayout = "2006-01-02"

func layoutHint(layout string) string {
	r := strings.NewReplacer("2006", "YYYY", "01", "MM", "02", "DD", "Jan", "Mon", "06", "YY", "1", "M", "2", "D")
	return r.Replace(layout)
}

// parseDate parses a date cell; date1904 selects the 1904 date system for
// serial numbers, as some Mac workbooks use.
func parseDate(s, layout string, date1904 bool) (incent.Date, bool) {
	s = strings.TrimSpace(s)
	if d, ok := parseISO(s); ok {
		return d, true
	}
	if layout != "" && layout != isoLayout {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return incent.DateFromTime(t), true
		}
		// A date-and-time cell in the profile's layout: "07/01/2024 10:30".
		if !strings.Contains(layout, " ") {
			if head, _, ok := strings.Cut(s, " "); ok {
				if t, err := time.ParseInLocation(layout, head, time.UTC); err == nil {
					return incent.DateFromTime(t), true
				}
			}
		}
	}
	if len(s) > 10 && (s[10] == 'T' || s[10] == ' ') {
		if d, ok := parseISO(s[:10]); ok {
			return d, true
		}
	}
	if len(s) == 8 && isDigits(s) {
		if t, err := time.ParseInLocation("20060102", s, time.UTC); err == nil {
			return incent.DateFromTime(t), true
		}
	}
	return parseSerial(s, date1904)
}

// parseSerial parses a spreadsheet date serial; a fraction is a time of day
// and does not change the date.
func parseSerial(s string, date1904 bool) (incent.Date, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 7 || !isDigits(whole) || (frac != "" && !isDigits(frac)) {
		return incent.NoDate, false
	}
	n, _ := strconv.Atoi(whole)
	if n < 1 || n > maxExcelSerial {
		return incent.NoDate, false
	}
	t, err := excelize.ExcelDateToTime(float64(n), date1904)
	if err != nil {
		return incent.NoDate, false
	}
	return incent.DateFromTime(t), true
}

// parseISO parses YYYY-MM-DD without the time package: it is on the hot path
// of every sales row.
func parseISO(s string) (incent.Date, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return incent.NoDate, false
	}
	y, ok1 := atoiFixed(s[0:4])
	m, ok2 := atoiFixed(s[5:7])
	d, ok3 := atoiFixed(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return incent.NoDate, false
	}
	return incent.Date(daysFromCivil(y, m, d)), true
}

func atoiFixed(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil counts days from 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's algorithm), the same count incent.DateOf gives.
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// vinValues transliterates VIN characters to their check-digit values; 0
// marks a character a VIN never holds.
var vinValues = [256]int8{
	'0': 0, '1': 1, '2': 2, '3': 3, '4': 4, '5': 5, '6': 6, '7': 7, '8': 8, '9': 9,
	'A': 1, 'B': 2, 'C': 3, 'D': 4, 'E': 5, 'F': 6, 'G': 7, 'H': 8,
	'J': 1, 'K': 2, 'L': 3, 'M': 4, 'N': 5, 'P': 7, 'R': 9,
	'S': 2, 'T': 3, 'U': 4, 'V': 5, 'W': 6, 'X': 7, 'Y': 8, 'Z': 9,
}

var vinWeights = [17]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}

// ValidateVIN checks that vin has 17 characters, none of them I, O or Q, and
// that its North American check digit (position 9) is right.
func ValidateVIN(vin string) error {
	if p, _ := vinProblem(vin); p != "" {
		return fmt.Errorf("vin %q: %s", vin, p)
	}
	return nil
}

// vinProblem says what is wrong with a VIN, or "" when nothing is;
// checkDigit is true when the only problem is the check digit, which
// vin_check: warn lets through.
func vinProblem(vin string) (problem string, checkDigit bool) {
	if len(vin) != 17 {
		return "has " + strconv.Itoa(utf8.RuneCountInString(vin)) + " characters, expected 17", false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := vin[i]
		switch {
		case c == 'I' || c == 'O' || c == 'Q':
			return fmt.Sprintf("position %d is %q; a VIN never uses I, O or Q", i+1, c), false
		case (c < '0' || c > '9') && (c < 'A' || c > 'Z'):
			return fmt.Sprintf("position %d is %q, expected a digit or a capital letter", i+1, rune(c)), false
		}
		sum += int(vinValues[c]) * vinWeights[i]
	}
	want := byte('0' + sum%11)
	if sum%11 == 10 {
		want = 'X'
	}
	if vin[8] != want {
		return fmt.Sprintf("check digit is %c, expected %c", vin[8], want), true
	}
	return "", false
}

// vinYearCodes lists the model-year codes of VIN position 10, from 1980.
const vinYearCodes = "ABCDEFGHJKLMNPRSTVWXY123456789"

// ModelYearFromVIN decodes the model year from VIN position 10. The code
// repeats every 30 years, so it returns the latest matching year not after
// notAfter (pass the sale year plus one).
func ModelYearFromVIN(vin string, notAfter int) (int, bool) {
	if len(vin) != 17 {
		return 0, false
	}
	c := vin[9]
	if c >= 'a' && c <= 'z' {
		c -= 'a' - 'A'
	}
	i := strings.IndexByte(vinYearCodes, c)
	if i < 0 {
		return 0, false
	}
	base := 1980 + i
	if notAfter < base {
		return 0, false
	}
	return base + (notAfter-base)/30*30, true
}

// NormHeader normalises a column header for matching: trimmed, lowercased,
// with every run of spaces, underscores and hyphens made one underscore, so
// "Sale Date", "sale_date" and "SALE-DATE" are the same column.
func NormHeader(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "\ufeff"))
	var b strings.Builder
	b.Grow(len(s))
	sep := false
	for _, r := range s {
		if r == '_' || r == '-' || unicode.IsSpace(r) {
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte('_')
		}
		sep = false
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// maxCodeLen bounds dealer and salesperson codes, which name files.
const maxCodeLen = 64

// ValidateCode checks that a dealer or salesperson code is safe to use as a
// file name, since payee codes name statement files (../x is refused).
func ValidateCode(code string) error {
	if p := codeProblem(code); p != "" {
		return fmt.Errorf("code %q %s", code, p)
	}
	return nil
}

// codeProblem says why a code cannot name a file, or "" when it can.
func codeProblem(code string) string {
	switch {
	case code == "":
		return "is empty"
	case len(code) > maxCodeLen:
		return fmt.Sprintf("is %d bytes long, expected at most %d (codes name statement files)", len(code), maxCodeLen)
	case strings.Contains(code, ".."):
		return `contains "..", which could reach outside the statements folder`
	case code[0] == '.':
		return `starts with ".", which would make a hidden file`
	case code[len(code)-1] == '.' || code[len(code)-1] == ' ':
		return "ends with a dot or a space, which some systems drop from file names"
	}
	ascii := true
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '/', '\\':
			return fmt.Sprintf("contains %q, which would make it a path (codes name statement files)", c)
		case '<', '>', ':', '"', '|', '?', '*':
			return fmt.Sprintf("contains %q, which a file name cannot hold", c)
		default:
			if c < 0x20 || c == 0x7f {
				return "contains a control character"
			}
			if c >= utf8.RuneSelf {
				ascii = false
			}
		}
	}
	if !ascii && !utf8.ValidString(code) {
		return "is not valid UTF-8 text"
	}
	return ""
}

// parseShares validates "S1:60;S2:40" (or "S1", or "S1;S2" when shares are
// optional) and returns it normalised without spaces or percent signs.
// Each id must be a safe code, each share positive, and given shares must
// sum to exactly 100.
func parseShares(s string, requireShares bool) (string, string) {
	if s == "" {
		return "", ""
	}
	if strings.IndexByte(s, ';') < 0 && strings.IndexByte(s, ':') < 0 {
		// One id without a share, the common case: "S12".
		if requireShares {
			return "", fmt.Sprintf("%q: %s has no share; expected shares as in D001:50;D002:50", s, s)
		}
		if p := codeProblem(s); p != "" {
			return "", fmt.Sprintf("%q: id %q %s", s, s, p)
		}
		return s, ""
	}
	var (
		sum      decimal.Decimal
		withPct  int
		parts    int
		ids      [8]string
		seen     = ids[:0]
		b        strings.Builder
		rebuilt  bool
		hundred  = decimal.NewFromInt(100)
		partText string
	)
	for rest := s; rest != ""; {
		partText, rest, _ = strings.Cut(rest, ";")
		part := strings.TrimSpace(partText)
		if part == "" {
			rebuilt = true
			continue
		}
		id, share, hasShare := strings.Cut(part, ":")
		id = strings.TrimSpace(id)
		if p := codeProblem(id); p != "" {
			return "", fmt.Sprintf("%q: id %q %s", s, id, p)
		}
		for _, prev := range seen {
			if prev == id {
				return "", fmt.Sprintf("%q: %s appears twice", s, id)
			}
		}
		seen = append(seen, id)
		parts++
		if b.Len() > 0 {
			b.WriteByte(';')
		}
		b.WriteString(id)
		if !hasShare {
			if requireShares {
				return "", fmt.Sprintf("%q: %s has no share; expected shares as in D001:50;D002:50", s, id)
			}
			if part != partText {
				rebuilt = true
			}
			continue
		}
		withPct++
		st := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(share), "%"))
		if !isPlainDecimal(st) || st[0] == '-' {
			return "", fmt.Sprintf("%q: share %q of %s is not a positive number", s, strings.TrimSpace(share), id)
		}
		d, _ := decimal.NewFromString(st)
		if !d.IsPositive() {
			return "", fmt.Sprintf("%q: share of %s is 0, expected a positive share", s, id)
		}
		sum = sum.Add(d)
		b.WriteByte(':')
		b.WriteString(st)
		if part != partText || st != share {
			rebuilt = true
		}
	}
	if parts == 0 {
		return "", ""
	}
	if strings.HasSuffix(s, ";") {
		rebuilt = true // the loop never met the empty part after it
	}
	if withPct > 0 && withPct < parts {
		return "", fmt.Sprintf("%q: give every id a share or none", s)
	}
	if withPct > 0 && !sum.Equal(hundred) {
		return "", fmt.Sprintf("shares sum to %s, expected 100", sum.String())
	}
	if !rebuilt {
		return s, ""
	}
	return b.String(), ""
}

// upperASCII uppercases ASCII letters, allocating only when there are any
// lowercase ones.
func upperASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			return strings.ToUpper(s)
		}
	}
	return s
}
