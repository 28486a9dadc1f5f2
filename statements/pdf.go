package statements

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"codeberg.org/go-pdf/fpdf"
	"github.com/incent/incent"
	"github.com/shopspring/decimal"
)

// Page geometry of a statement, in millimetres: US Letter portrait.
const (
	pageHeight   = 279.4
	marginLeft   = 15.0
	marginRight  = 15.0
	marginTop    = 12.0
	contentWidth = 215.9 - marginLeft - marginRight
	contentFloor = pageHeight - 18 // lowest y a line of content may reach
	footerRuleY  = pageHeight - 13
	cellPad      = 1.2 // horizontal padding inside table cells
	rowPad       = 0.9 // vertical padding above and below a table row's text
)

// Colours, as 0xRRGGBB.
const (
	colText      = 0x1A1A1A
	colMuted     = 0x5F6670
	colBrand     = 0x1F3A5F
	colRule      = 0xC9CED6
	colZebra     = 0xF2F4F7
	colBanner    = 0xB3261E
	colCounted   = 0x1E6B3A
	colExcluded  = 0x9A3412
	colFlag      = 0xB45309
	colHighlight = 0xFFF4D6
	colWhite     = 0xFFFFFF
)

// pageCountMark stands for the document's page count in the page footers
// until compressStreams writes the count in. No text reaches a page with a
// control character in it (text folds them to spaces), so the mark cannot
// be confused with a payee's text. It is about as wide as two or three
// digits, the room the footer leaves the count when it aligns the line.
// (fpdf's own page-count alias copied every page twice to look for it.)
const pageCountMark = "\x01nb"

// RenderPDF writes st as a PDF statement.
func RenderPDF(w io.Writer, st *Statement) error {
	if st == nil {
		return errors.New("render PDF statement: no statement")
	}
	d := newPDFDoc(st)
	ops := opsBuffers.Get().(*[]byte)
	defer opsBuffers.Put(ops)
	d.ops = (*ops)[:0]
	d.f.SetCompression(false) // see compressStreams
	d.build()
	d.flush()
	raw := buffers.Get().(*bytes.Buffer)
	defer buffers.Put(raw)
	raw.Reset()
	if err := d.f.Output(raw); err != nil {
		return fmt.Errorf("render PDF statement for %s: %w", st.Payee.Code, err)
	}
	out, direct := w.(*bytes.Buffer)
	if !direct {
		out = buffers.Get().(*bytes.Buffer)
		defer buffers.Put(out)
		out.Reset()
	}
	*ops = d.ops // grown, for the next document
	if err := compressStreams(raw.Bytes(), out, &marks{pages: strconv.Itoa(d.f.PageCount()), ops: d.ops, runEnd: d.runEnd}); err != nil {
		return fmt.Errorf("render PDF statement for %s: %w", st.Payee.Code, err)
	}
	if direct {
		return nil
	}
	_, err := w.Write(out.Bytes())
	return err
}

// pdfDoc lays out one statement. It owns its Fpdf: one per goroutine.
type pdfDoc struct {
	f   *fpdf.Fpdf
	st  *Statement
	pad float64 // horizontal padding of text boxes, cellPad or a table's own

	// The current font and text colour, so that setting them again, which
	// tables do for every line, costs nothing.
	fontStyle string
	fontSize  float64
	textColor int  // -1 until set
	textStale bool // fpdf has not been told textColor yet (see syncText)

	// What text is measured in: the current font, except while a table
	// measures its cells' spans in their own (see measureAs).
	measureW     *[256]int
	measureStyle string  // the style measureW is of
	measureSize  float64 // in user units, as fpdf keeps its font size

	bodyTop float64 // where content starts below the page header
	// The text colour cell wrote last, as written.
	cellRGB   int
	cellColor []byte

	// The operators of text cells are held here, not in fpdf's page: a
	// page gets a mark for each run of them (see runMark), and
	// compressStreams writes the runs in its place. fpdf copies a page's
	// content three times over before it is output, in buffers it grows
	// as it goes; a statement's sales table is tens of thousands of cells.
	ops    []byte
	runEnd []int // where each run ends in ops; run i starts where run i-1 ends
	inRun  bool  // the last run is still being written: it ends at len(ops)
	mark   [runMarkLen]byte
}

// runMark starts the mark of a run of cell operators: the byte and the
// run's number in eight hexadecimal digits. Like pageCountMark, it cannot
// be confused with text, which has no control characters.
const (
	runMark    = '\x02'
	runMarkLen = 9
)

// opsBuffers hold the cell operators of documents being rendered.
var opsBuffers = sync.Pool{New: func() any { return new([]byte) }}

// flush ends the run of cell operators being written, putting its mark in
// the page, so that what fpdf writes next comes after it. Everything that
// writes to the page through fpdf, and the end of the header and footer
// (fpdf writes to the page after them), calls it first.
func (d *pdfDoc) flush() {
	if !d.inRun {
		return
	}
	d.inRun = false
	d.runEnd = append(d.runEnd, len(d.ops))
	const hex = "0123456789abcdef"
	n := len(d.runEnd) - 1
	d.mark[0] = runMark
	for i := runMarkLen - 1; i > 0; i-- {
		d.mark[i] = hex[n&0xf]
		n >>= 4
	}
	d.f.RawWriteStr(unsafe.String(&d.mark[0], runMarkLen))
}

// pdf returns the document's Fpdf for a call that writes to the page,
// after the cell operators before it.
func (d *pdfDoc) pdf() *fpdf.Fpdf {
	d.flush()
	return d.f
}

func newPDFDoc(st *Statement) *pdfDoc {
	f := fpdf.New("P", "mm", "Letter", "")
	d := &pdfDoc{f: f, st: st, textColor: -1}
	when := documentTime(st.Period, st.Provisional, st.AsOf)
	f.SetCreationDate(when)
	f.SetModificationDate(when)
	f.SetCatalogSort(true)
	f.SetMargins(marginLeft, marginTop, marginRight)
	f.SetAutoPageBreak(false, 0)
	d.setPad(cellPad)
	f.SetTitle(fmt.Sprintf("Incentive statement %s %s", st.Payee.Code, st.Period.Code), true)
	f.SetSubject(fmt.Sprintf("Run %s", st.RunID), true)
	if st.Maker != "" {
		f.SetAuthor(st.Maker, true)
	}
	f.SetCreator("incent", true)
	f.SetHeaderFunc(d.header)
	f.SetFooterFunc(d.footer)
	return d
}

// text converts UTF-8 text to the Windows-1252 bytes the built-in fonts use.
func (d *pdfDoc) text(s string) string { return cp1252(s) }

// setPad sets the horizontal padding used to place, fit and wrap text.
func (d *pdfDoc) setPad(p float64) {
	d.pad = p
	d.f.SetCellMargin(p)
}

func (d *pdfDoc) font(style string, size float64) {
	d.measureAs(style, size)
	if style == d.fontStyle && size == d.fontSize {
		return
	}
	d.fontStyle, d.fontSize = style, size
	d.pdf().SetFont("Helvetica", style, size)
}

// measureAs makes width measure text in a style and size without setting
// the font: setting it writes to the page, and tables measure every span
// of a row before drawing any.
func (d *pdfDoc) measureAs(style string, size float64) {
	// The glyph tables are shared by every renderer behind a lock: a
	// statement measures in one style after another thousands of times.
	if d.measureW == nil || style != d.measureStyle {
		d.measureW, d.measureStyle = glyphWidths(style), style
	}
	d.measureSize = size / d.f.GetConversionRatio()
}

// width is fpdf's GetStringWidth in the measured style and size: the same
// glyph widths, summed up to any NUL byte as fpdf does, and scaled the
// same way.
func (d *pdfDoc) width(s string) float64 {
	if d.measureW == nil {
		return 0 // no font yet: fpdf measures nothing either
	}
	return float64(d.glyphUnits(s)) * d.measureSize / 1000
}

// glyphWidths returns the widths fpdf gives each byte of text in
// Helvetica in a style, read once from fpdf itself.
func glyphWidths(style string) *[256]int {
	glyphMu.Lock()
	defer glyphMu.Unlock()
	if w := glyphTables[style]; w != nil {
		return w
	}
	f := fpdf.New("P", "mm", "A4", "")
	f.SetFont("Helvetica", style, 10)
	w := new([256]int)
	for ch := 1; ch < 256; ch++ {
		w[ch] = f.GetStringSymbolWidth(string([]byte{byte(ch)}))
	}
	glyphTables[style] = w
	return w
}

var (
	glyphMu     sync.Mutex
	glyphTables = map[string]*[256]int{}
)

// color sets the text colour. cell reads it from the document; fpdf, which
// reads it only to draw text itself, is told before it does (syncText):
// a sales table changes colour a few times a row, and fpdf formats the
// colour's operator each time it is set.
func (d *pdfDoc) color(c int) {
	if c == d.textColor {
		return
	}
	d.textColor = c
	d.textStale = true
}

// syncText tells fpdf the text colour before it draws text itself.
func (d *pdfDoc) syncText() {
	if d.textStale {
		c := d.textColor
		d.f.SetTextColor(c>>16, c>>8&0xff, c&0xff)
		d.textStale = false
	}
}

func (d *pdfDoc) fill(c int) { d.pdf().SetFillColor(c>>16, c>>8&0xff, c&0xff) }

func (d *pdfDoc) draw(c int) { d.pdf().SetDrawColor(c>>16, c>>8&0xff, c&0xff) }

// put writes one line of already converted text in a box at (x, y).
func (d *pdfDoc) put(x, y, w, h float64, s, align string) {
	if !fastCells || s == "" || w <= 0 || (align != "L" && align != "R" && align != "C") || !d.f.Ok() {
		d.f.SetXY(x, y)
		d.syncText()
		d.pdf().CellFormat(w, h, s, "", 0, align, false, 0, "")
		return
	}
	d.cell(x, y, w, h, s, align)
}

// fastCells turns on cell: tests turn it off to compare with fpdf's own.
var fastCells = true

// cell writes what fpdf's CellFormat writes for a text cell without border,
// fill or link in a core font, byte for byte, without formatting every
// number through fmt: a statement's sales table is tens of thousands of
// cells. It leaves the position where CellFormat does.
func (d *pdfDoc) cell(x, y, w, h float64, s, align string) {
	f := d.f
	k := f.GetConversionRatio()
	_, pageH := f.GetPageSize()
	_, fontSize := f.GetFontSize()
	var dx float64
	switch align {
	case "R":
		dx = w - f.GetCellMargin() - f.GetStringWidth(s)
	case "C":
		dx = (w - f.GetStringWidth(s)) / 2
	default:
		dx = f.GetCellMargin()
	}
	// A run's operators are separated by the new line fpdf would write
	// after each.
	b := d.ops
	if d.inRun {
		b = append(b, '\n')
	}
	d.inRun = true
	tr, tg, tb := f.GetTextColor()
	if c := d.textColor; c >= 0 {
		tr, tg, tb = c>>16, c>>8&0xff, c&0xff
	}
	fr, fg, fb := f.GetFillColor()
	colored := tr != fr || tg != fg || tb != fb // fpdf's colorFlag
	if colored {
		if rgb := tr<<16 | tg<<8 | tb; rgb != d.cellRGB || d.cellColor == nil {
			d.cellRGB, d.cellColor = rgb, appendColor(d.cellColor[:0], tr, tg, tb)
		}
		b = append(b, "q "...)
		b = append(b, d.cellColor...)
		b = append(b, ' ')
	}
	b = append(b, "BT "...)
	b = appendFixed2(b, (x+dx)*k)
	b = append(b, ' ')
	b = appendFixed2(b, (pageH-(y+.5*h+.3*fontSize))*k)
	b = append(b, " Td ("...)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '(', ')':
			b = append(b, '\\', c)
		default:
			b = append(b, c)
		}
	}
	b = append(b, ")Tj ET"...)
	if colored {
		b = append(b, " Q"...)
	}
	d.ops = b
	f.SetXY(x+w, y)
}

// appendColor appends a text colour as fpdf writes it: "0.373 g" for a
// grey, "0.118 0.420 0.227 rg" otherwise.
// appendFixed2 appends v with two decimals exactly as strconv.AppendFloat
// with 'f' and 2 does: a page's coordinates, two for every text cell. A
// value whose hundredths are not clearly on one side of a half, or that is
// negative or huge, is left to strconv.
func appendFixed2(b []byte, v float64) []byte {
	r := v * 100
	if !(r >= 0 && r < 1e9) {
		return strconv.AppendFloat(b, v, 'f', 2, 64)
	}
	n := math.Floor(r)
	frac := r - n
	if frac > 0.499999 && frac < 0.500001 {
		return strconv.AppendFloat(b, v, 'f', 2, 64)
	}
	c := int64(n)
	if frac > 0.5 {
		c++
	}
	b = strconv.AppendInt(b, c/100, 10)
	return append(b, '.', byte('0'+c/10%10), byte('0'+c%10))
}

func appendColor(b []byte, r, g, bl int) []byte {
	if r == g && g == bl {
		b = strconv.AppendFloat(b, float64(r)/255, 'f', 3, 64)
		return append(b, " g"...)
	}
	b = strconv.AppendFloat(b, float64(r)/255, 'f', 3, 64)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, float64(g)/255, 'f', 3, 64)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, float64(bl)/255, 'f', 3, 64)
	return append(b, " rg"...)
}

// fit cuts converted text with an ellipsis so that it fits in width w.
func (d *pdfDoc) fit(s string, w float64) string {
	avail := w - 2*d.pad
	if d.width(s) <= avail {
		return s
	}
	const ellipsis = "\x85" // "…" in Windows-1252
	for len(s) > 0 && d.width(s+ellipsis) > avail {
		s = s[:len(s)-1]
	}
	return strings.TrimRight(s, " ") + ellipsis
}

// wrap converts s and breaks it into lines no wider than w in the current
// font, breaking inside a word only when the word alone is too wide.
func (d *pdfDoc) wrap(s string, w float64) []string {
	avail := w - 2*d.pad
	// Most cells (a date, a VIN, a deal number) are one word or plain
	// words that fit: no need to split and measure them word by word.
	t := d.text(s)
	if singleSpaced(t) && d.width(t) <= avail {
		return []string{t}
	}
	return d.wrapWords(t, avail)
}

// appendWrapped appends to dst the lines wrap gives s, each a copy of
// proto with its text.
func (d *pdfDoc) appendWrapped(dst []line, s string, w float64, proto line) []line {
	avail := w - 2*d.pad
	t := d.text(s)
	if singleSpaced(t) && d.width(t) <= avail {
		proto.text = t
		return append(dst, proto)
	}
	for _, l := range d.wrapWords(t, avail) {
		proto.text = l
		dst = append(dst, proto)
	}
	return dst
}

// wrapWords breaks converted text t into lines at most avail wide, word by
// word. A line's width is the sum of its glyphs' widths, so each word is
// measured once and added to the line's, not the line measured again.
func (d *pdfDoc) wrapWords(t string, avail float64) []string {
	if d.measureW == nil || strings.IndexByte(t, 0) >= 0 {
		// Measured as nothing, or only up to the NUL: as fpdf does.
		return wrapByWidth(t, avail, d.width)
	}
	fits := func(units int) bool { return float64(units)*d.measureSize/1000 <= avail }
	space := d.measureW[' ']
	var lines []string
	var line []byte
	lineUnits, started := 0, false
	for _, word := range strings.Fields(t) {
		wordUnits := d.glyphUnits(word)
		cand := wordUnits
		if started {
			cand = lineUnits + space + wordUnits
		}
		if fits(cand) {
			if started {
				line = append(line, ' ')
			}
			line = append(line, word...)
			lineUnits, started = cand, true
			continue
		}
		if started {
			lines = append(lines, string(line))
		}
		for len(word) > 1 && !fits(d.glyphUnits(word)) {
			n := len(word) - 1
			for n > 1 && !fits(d.glyphUnits(word[:n])) {
				n--
			}
			lines = append(lines, word[:n])
			word = word[n:]
		}
		line = append(line[:0], word...)
		lineUnits, started = d.glyphUnits(word), true
	}
	if started || len(lines) == 0 {
		lines = append(lines, string(line))
	}
	return lines
}

// glyphUnits is the width of s in the measured style, in thousandths of
// the font size: width before scaling.
func (d *pdfDoc) glyphUnits(s string) int {
	w := 0
	for i := 0; i < len(s) && s[i] != 0; i++ {
		w += d.measureW[s[i]]
	}
	return w
}

// wrapByWidth breaks t into lines at most avail wide as measured by width,
// word by word, measuring each candidate line whole.
func wrapByWidth(t string, avail float64, width func(string) float64) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(t) {
		cand := word
		if line != "" {
			cand = line + " " + word
		}
		if width(cand) <= avail {
			line = cand
			continue
		}
		if line != "" {
			lines = append(lines, line)
		}
		for len(word) > 1 && width(word) > avail {
			n := len(word) - 1
			for n > 1 && width(word[:n]) > avail {
				n--
			}
			lines = append(lines, word[:n])
			word = word[n:]
		}
		line = word
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

// singleSpaced reports whether s is non-empty words separated by single
// spaces, which is what wrap makes of any text.
func singleSpaced(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			if s[i-1] == ' ' {
				return false
			}
		case c < ' ', c == 0x85, c == 0xA0:
			return false // strings.Fields splits at these too
		}
	}
	return true
}

// room starts a new page unless h millimetres of content still fit on this one.
func (d *pdfDoc) room(h float64) bool {
	if d.f.GetY()+h <= contentFloor {
		return false
	}
	d.pdf().AddPage()
	return true
}

// keepState returns a function that restores the padding and the cached
// font and text colour. Header and footer use it: fpdf restores its own font
// and colours after calling them, and the cache must follow.
func (d *pdfDoc) keepState() func() {
	pad, style, size, col := d.pad, d.fontStyle, d.fontSize, d.textColor
	return func() {
		d.setPad(pad)
		d.fontStyle, d.fontSize, d.textColor = style, size, col
		d.textStale = col >= 0 // fpdf put back the colour it had, which may be older
		d.measureAs(style, size)
	}
}

// header draws the block that opens every page: issuer, title, payee,
// period, run and, for a provisional run, the red banner.
func (d *pdfDoc) header() {
	defer d.flush()
	defer d.keepState()()
	d.setPad(cellPad)
	st := d.st
	x, w := marginLeft, contentWidth
	y := marginTop
	if st.Maker != "" {
		d.font("B", 8)
		d.color(colMuted)
		d.put(x, y, w*0.6, 4, d.fit(d.text(strings.ToUpper(st.Maker)), w*0.6), "L")
		y += 4.5
	}
	d.font("B", 16)
	d.color(colBrand)
	d.put(x, y, w*0.6, 7.5, d.text("Incentive statement"), "L")
	d.font("B", 11)
	d.put(x+w*0.6, y, w*0.4, 7.5, d.fit(d.text("Period "+st.Period.Code), w*0.4), "R")
	y += 8

	d.font("B", 11)
	d.color(colText)
	name := st.Payee.Name
	if name == "" {
		name = st.Payee.Code
	}
	d.put(x, y, w*0.62, 5, d.fit(d.text(name), w*0.62), "L")
	d.font("", 8.5)
	d.put(x+w*0.62, y, w*0.38, 5, d.text(periodDates(st.Period)), "R")
	y += 5

	d.color(colMuted)
	d.put(x, y, w*0.62, 4.5, d.fit(d.text(payeeIdentity(&st.Payee)), w*0.62), "L")
	d.put(x+w*0.62, y, w*0.38, 4.5, d.fit(d.text("Run "+st.RunID), w*0.38), "R")
	y += 4.5
	if d.f.PageNo() == 1 {
		for _, l := range st.Payee.Address {
			if strings.TrimSpace(l) == "" {
				continue
			}
			d.put(x, y, w*0.62, 4, d.fit(d.text(l), w*0.62), "L")
			y += 4
		}
	}
	y += 1.5
	d.draw(colBrand)
	d.pdf().SetLineWidth(0.5)
	d.pdf().Line(x, y, x+w, y)
	d.pdf().SetLineWidth(0.2)
	y += 2.5
	if st.Provisional {
		d.fill(colBanner)
		d.pdf().Rect(x, y, w, 8, "F")
		d.font("B", 10.5)
		d.color(colWhite)
		banner := "PROVISIONAL"
		if !st.AsOf.IsZero() {
			banner += " — sales up to " + st.AsOf.String()
		}
		banner += " · amounts are not final and will change until the period closes"
		d.put(x, y, w, 8, d.fit(d.text(banner), w), "C")
		y += 8 + 3
	}
	d.color(colText)
	d.bodyTop = y + 1
	d.f.SetXY(x, d.bodyTop)
}

// footer draws the run id and "Page N of M" at the foot of every page.
func (d *pdfDoc) footer() {
	defer d.flush()
	defer d.keepState()()
	d.setPad(cellPad)
	x, w := marginLeft, contentWidth
	d.draw(colRule)
	d.pdf().SetLineWidth(0.2)
	d.pdf().Line(x, footerRuleY, x+w, footerRuleY)
	d.font("", 7.5)
	d.color(colMuted)
	left := fmt.Sprintf("Run %s · %s · %s", d.st.RunID, d.st.Payee.Code, d.st.Period.Code)
	if d.st.Provisional {
		left += " · PROVISIONAL"
	}
	d.put(x, footerRuleY+1, w*0.75, 4, d.fit(d.text(left), w*0.75), "L")
	d.put(x+w*0.75, footerRuleY+1, w*0.25, 4, fmt.Sprintf("Page %d of %s", d.f.PageNo(), pageCountMark), "R")
}

func periodDates(p incent.Period) string {
	if p.From == 0 && p.To == 0 {
		return ""
	}
	return p.From.String() + " to " + p.To.String()
}

// payeeIdentity is the line under the payee's name: type and code, group and
// region.
func payeeIdentity(p *Payee) string {
	parts := []string{payeeTypeLabel(p.Type) + " " + p.Code}
	if p.Group != "" {
		parts = append(parts, "Group "+p.Group)
	}
	if p.Region != "" {
		parts = append(parts, "Region "+p.Region)
	}
	return strings.Join(parts, " · ")
}

// build lays out the whole statement.
func (d *pdfDoc) build() {
	d.pdf().AddPage()
	if d.st.Provisional {
		d.nextTiers()
	}
	d.summary()
	d.formulas()
	d.adjustments()
	d.claims()
	d.disputes()
	d.notes()
	d.sales()
	d.closing()
}

// section starts a titled section, on a new page unless the title and about
// keep millimetres of what follows fit on this one.
func (d *pdfDoc) section(title, intro string, keep float64) {
	d.setPad(cellPad)
	d.room(10 + keep)
	y := d.f.GetY() + 3
	d.font("B", 11.5)
	d.color(colBrand)
	d.put(marginLeft, y, contentWidth, 6, d.text(title), "L")
	y += 6.5
	d.draw(colRule)
	d.pdf().SetLineWidth(0.2)
	d.pdf().Line(marginLeft, y, marginLeft+contentWidth, y)
	d.f.SetXY(marginLeft, y+1.5)
	if intro != "" {
		d.paragraph(intro, "", 8, colMuted, 0)
		d.f.SetY(d.f.GetY() + 1)
	}
}

// paragraph writes wrapped text, line by line, breaking pages as needed.
func (d *pdfDoc) paragraph(s, style string, size float64, col int, indent float64) {
	d.setPad(cellPad)
	d.font(style, size)
	lh := size * 0.45
	for _, l := range d.wrap(s, contentWidth-indent) {
		d.room(lh)
		d.font(style, size)
		d.color(col)
		d.put(marginLeft+indent, d.f.GetY(), contentWidth-indent, lh, l, "L")
		d.f.SetXY(marginLeft, d.f.GetY()+lh)
	}
}

// column is one column of a table.
type column struct {
	title string
	width float64
	align string // L, C or R
}

// span is one paragraph inside a table cell.
type span struct {
	text  string
	style string
	color int
	size  float64 // 0: the table's size
}

// line is one wrapped, converted line of a table cell.
type line struct {
	text  string
	style string
	color int
	size  float64
}

// table draws rows of wrapped cells that break across pages and repeat
// their header row on every page they reach.
type table struct {
	d     *pdfDoc
	cols  []column
	size  float64
	lh    float64
	pad   float64
	zebra bool // shade every other row
	shade int  // when not 0, shade every row in this colour
	row   int
	buf   [][]line // the last row's lines, by column (see lines)
}

func (d *pdfDoc) newTable(size float64, cols ...column) *table {
	return &table{d: d, cols: cols, size: size, lh: size * 0.42, pad: cellPad}
}

func (t *table) start() {
	t.d.room(t.lh*3 + 4*rowPad + 5)
	t.headerRow()
}

func (t *table) headerHeight() float64 { return t.lh + 2*rowPad + 0.6 }

func (t *table) headerRow() {
	d := t.d
	d.setPad(t.pad)
	y := d.f.GetY()
	h := t.headerHeight()
	d.fill(colBrand)
	d.pdf().Rect(marginLeft, y, contentWidth, h, "F")
	d.font("B", t.size)
	d.color(colWhite)
	x := marginLeft
	for _, c := range t.cols {
		d.put(x, y, c.width, h, d.fit(d.text(c.title), c.width), c.align)
		x += c.width
	}
	d.f.SetXY(marginLeft, y+h)
}

// lines wraps every cell of a row. The lines are the table's until its
// next row: each row is drawn before the next is wrapped, so one set of
// buffers serves every row of a long sales table.
func (t *table) lines(cells [][]span) [][]line {
	t.d.setPad(t.pad)
	if len(t.buf) < len(t.cols) {
		t.buf = make([][]line, len(t.cols))
	}
	out := t.buf[:len(t.cols)]
	for i := range out {
		out[i] = out[i][:0]
	}
	for i, cell := range cells {
		if i >= len(t.cols) {
			break
		}
		for _, sp := range cell {
			size := sp.size
			if size == 0 {
				size = t.size
			}
			t.d.measureAs(sp.style, size)
			out[i] = t.d.appendWrapped(out[i], sp.text, t.cols[i].width, line{style: sp.style, color: sp.color, size: size})
		}
	}
	t.d.measureAs(t.d.fontStyle, t.d.fontSize)
	return out
}

// add draws one row, splitting it across pages only when it is taller than
// a whole page.
func (t *table) add(cells ...[]span) {
	t.addLines(t.lines(cells))
}

func (t *table) addLines(cells [][]line) { t.addRow(cells, nil, 0) }

// addRow draws a row whose cells may be followed by span: lines that run
// under the cells from column spanCol to the right edge.
func (t *table) addRow(cells [][]line, span []line, spanCol int) {
	d := t.d
	d.setPad(t.pad)
	n := 0
	for _, c := range cells {
		n = max(n, len(c))
	}
	n = max(n, 1)
	cellLines := n
	n += len(span)
	spanX := marginLeft
	for _, c := range t.cols[:spanCol] {
		spanX += c.width
	}
	fill := 0
	switch {
	case t.shade != 0:
		fill = t.shade
	case t.zebra && t.row%2 == 1:
		fill = colZebra
	}
	t.row++
	h := float64(n)*t.lh + 2*rowPad
	if d.f.GetY()+h > contentFloor && h <= contentFloor-d.bodyTop-t.headerHeight() {
		d.pdf().AddPage()
		t.headerRow()
	}
	for first := 0; first < n; {
		y := d.f.GetY()
		fits := int((contentFloor - y - 2*rowPad) / t.lh)
		if fits < 1 {
			d.pdf().AddPage()
			t.headerRow()
			continue
		}
		k := min(fits, n-first)
		h := float64(k)*t.lh + 2*rowPad
		if fill != 0 {
			d.fill(fill)
			d.pdf().Rect(marginLeft, y, contentWidth, h, "F")
		}
		x := marginLeft
		for i, c := range t.cols {
			if first > 0 && first >= len(cells[i]) && len(cells[i]) > 0 && (first < cellLines || i < spanCol) {
				// A row continued from the previous page repeats the first
				// line of its short cells (date, deal, VIN) for context.
				l := cells[i][0]
				d.font(l.style, l.size)
				d.color(colMuted)
				d.put(x, y+rowPad, c.width, t.lh, l.text, c.align)
			}
			for j := first; j < first+k && j < len(cells[i]); j++ {
				l := cells[i][j]
				if l.text == "" {
					continue
				}
				d.font(l.style, l.size)
				d.color(l.color)
				d.put(x, y+rowPad+float64(j-first)*t.lh, c.width, t.lh, l.text, c.align)
			}
			x += c.width
		}
		for j := max(first, cellLines); j < first+k; j++ {
			l := span[j-cellLines]
			d.font(l.style, l.size)
			d.color(l.color)
			d.put(spanX, y+rowPad+float64(j-first)*t.lh, marginLeft+contentWidth-spanX, t.lh, l.text, "L")
		}
		d.draw(colRule)
		d.pdf().SetLineWidth(0.15)
		d.pdf().Line(marginLeft, y+h, marginLeft+contentWidth, y+h)
		d.f.SetXY(marginLeft, y+h)
		first += k
	}
}

// total draws a bold total row: label right-aligned across all columns but
// the last, the amount in the last.
func (t *table) total(label, amount string, first bool) {
	d := t.d
	d.setPad(t.pad)
	h := t.lh + 2*rowPad + 1
	if d.room(h) {
		t.headerRow()
	}
	y := d.f.GetY()
	if first {
		d.draw(colBrand)
		d.pdf().SetLineWidth(0.4)
		d.pdf().Line(marginLeft, y, marginLeft+contentWidth, y)
		d.pdf().SetLineWidth(0.2)
	}
	last := t.cols[len(t.cols)-1]
	d.font("B", t.size+0.5)
	d.color(colText)
	d.put(marginLeft, y, contentWidth-last.width, h, d.text(label), "R")
	d.put(marginLeft+contentWidth-last.width, y, last.width, h, d.text(amount), "R")
	d.f.SetXY(marginLeft, y+h)
}

func plain(s string) []span                      { return []span{{text: s, color: colText}} }
func cellOf(spans ...span) []span                { return spans }
func bold(s string) span                         { return span{text: s, style: "B", color: colText} }
func normal(s string, col int) span              { return span{text: s, color: col} }
func small(s string, col int, size float64) span { return span{text: s, color: col, size: size} }

// nextTiers is the headline of a provisional statement: how far each
// program is from its next tier.
func (d *pdfDoc) nextTiers() {
	var items []*ProgramLine
	for i := range d.st.Programs {
		if d.st.Programs[i].NextTier != "" {
			items = append(items, &d.st.Programs[i])
		}
	}
	if len(items) == 0 {
		return
	}
	d.section("Where you stand", "", 22)
	t := d.newTable(9, column{"Program", 45, "L"}, column{"Tier reached", 40, "L"}, column{"To reach the next tier", contentWidth - 85, "L"})
	t.shade = colHighlight
	t.start()
	for _, p := range items {
		t.add(cellOf(bold(p.ProgramID)), plain(p.Tier), cellOf(span{text: p.NextTier, style: "B", color: colBrand}))
	}
}

// summary is the table of payout lines, adjustments and totals.
func (d *pdfDoc) summary() {
	st := d.st
	d.section("Summary", "", 25)
	if len(st.Programs) == 0 && len(st.Adjustments) == 0 {
		d.paragraph("No program paid anything to this payee for the period.", "", 9, colText, 0)
	}
	t := d.newTable(8,
		column{"Program", 50, "L"},
		column{"Type", 20, "L"},
		column{"Measure", 24, "R"},
		column{"Tier reached", 31, "L"},
		column{"Next tier", contentWidth - 50 - 20 - 24 - 31 - 28, "L"},
		column{"Amount", 28, "R"},
	)
	if len(st.Programs) > 0 || len(st.Adjustments) > 0 {
		t.start()
	}
	for i := range st.Programs {
		p := &st.Programs[i]
		next := p.NextTier
		if next == "" {
			next = "—"
		}
		tier := p.Tier
		if tier == "" {
			tier = "—"
		}
		counts := fmt.Sprintf("v%d · %d counted · %d not counted", p.ProgramVersion, p.CountedSales, p.ExcludedSales)
		t.add(
			cellOf(bold(p.ProgramID), normal(p.Name, colText), small(counts, colMuted, 7)),
			plain(typeLabel(p.Type)),
			cellOf(normal(measureValue(p), colText), small(measureUnit(p), colMuted, 7)),
			plain(tier),
			plain(next),
			cellOf(span{text: moneyText(p.Amount, p.Currency), style: "B", color: colText}),
		)
	}
	for _, a := range st.Adjustments {
		prog := a.ProgramID
		if prog == "" {
			prog = "all programs"
		}
		t.add(
			cellOf(bold("Adjustment"), normal(prog, colText), small(a.Reason, colMuted, 7)),
			plain(typeLabel(a.Kind)),
			nil, nil, nil,
			cellOf(span{text: moneyText(a.Amount, a.Currency), style: "B", color: colText}),
		)
	}
	for i, tot := range st.Totals {
		t.total("Total "+tot.Currency.Code, moneyText(tot.Amount, tot.Currency), i == 0)
	}
	if len(st.Totals) > 0 {
		d.f.SetY(d.f.GetY() + 1)
		d.paragraph("Each total is the sum of the rounded amounts above.", "I", 7.5, colMuted, 0)
	}
}

// formulas explains every amount in words and numbers.
func (d *pdfDoc) formulas() {
	st := d.st
	if len(st.Programs) == 0 {
		return
	}
	d.section("How each amount was calculated", "", 20)
	for i := range st.Programs {
		p := &st.Programs[i]
		d.room(16)
		d.setPad(cellPad)
		y := d.f.GetY() + 1.5
		d.font("B", 9)
		d.color(colText)
		amount := d.text(moneyText(p.Amount, p.Currency))
		aw := d.width(amount) + 2*d.pad + 2
		title := fmt.Sprintf("%s v%d · %s", p.ProgramID, p.ProgramVersion, p.Name)
		d.put(marginLeft, y, contentWidth-aw, 5, d.fit(d.text(title), contentWidth-aw), "L")
		d.put(marginLeft+contentWidth-aw, y, aw, 5, amount, "R")
		d.f.SetXY(marginLeft, y+5.5)
		for _, f := range p.Formula {
			d.paragraph(f, "", 8.5, colText, 4)
		}
		rounding := p.Rounding
		if rounding == "" {
			rounding = "half_up"
		}
		d.paragraph(fmt.Sprintf("unrounded %s rounded %s to %s", p.Unrounded.String(), rounding, moneyText(p.Amount, p.Currency)),
			"I", 8.5, colBrand, 4)
		d.f.SetY(d.f.GetY() + 1.5)
	}
}

// adjustments lists money added or taken outside the formulas.
func (d *pdfDoc) adjustments() {
	st := d.st
	if len(st.Adjustments) == 0 {
		return
	}
	d.section("Adjustments", "Amounts added or taken outside the program formulas. Calculated lines are never edited: every correction is its own line.", 22)
	t := d.newTable(8, column{"Kind", 22, "L"}, column{"Program", 38, "L"}, column{"Reason", contentWidth - 22 - 38 - 30, "L"}, column{"Amount", 30, "R"})
	t.start()
	for _, a := range st.Adjustments {
		t.add(plain(typeLabel(a.Kind)), plain(a.ProgramID), plain(a.Reason), plain(moneyText(a.Amount, a.Currency)))
	}
}

// claims lists co-op claims and what was paid for each.
func (d *pdfDoc) claims() {
	st := d.st
	if len(st.Claims) == 0 {
		return
	}
	d.section("Co-op claims", "Claims are paid in order of submission until the period's fund is used up.", 22)
	t := d.newTable(8,
		column{"Claim", 22, "L"}, column{"Program", 30, "L"}, column{"Invoice", 17, "L"}, column{"Submitted", 17, "L"},
		column{"Spend", 26, "R"}, column{"Paid", 26, "R"}, column{"Outcome", contentWidth - 22 - 30 - 17 - 17 - 26 - 26, "L"})
	t.start()
	for _, c := range st.Claims {
		outcome := cellOf(bold(c.Outcome))
		if c.Reason != "" {
			outcome = append(outcome, normal(c.Reason, colMuted))
		}
		t.add(plain(c.ClaimID), plain(c.ProgramID), plain(c.InvoiceDate.String()), plain(c.SubmittedDate.String()),
			plain(moneyText(c.Spend, c.Currency)), plain(moneyText(c.Paid, c.Currency)), outcome)
	}
}

// disputes lists the payee's open disputes.
func (d *pdfDoc) disputes() {
	st := d.st
	if len(st.Disputes) == 0 {
		return
	}
	d.section("Open disputes", "", 22)
	t := d.newTable(8, column{"Dispute", 22, "L"}, column{"Program", 32, "L"}, column{"Opened", 18, "L"},
		column{"Claim", contentWidth - 22 - 32 - 18 - 28 - 20, "L"}, column{"Amount", 28, "R"}, column{"Status", 20, "L"})
	t.start()
	for _, x := range st.Disputes {
		amount := "—"
		if x.HasAmount {
			amount = moneyText(x.Amount, x.Currency)
		}
		t.add(plain(x.ID), plain(x.ProgramID), plain(x.Opened.String()), plain(x.Claim), plain(amount), plain(x.Status))
	}
}

// notes lists the flags raised for the payee.
func (d *pdfDoc) notes() {
	st := d.st
	if len(st.Flags) == 0 {
		return
	}
	d.section("Notes", "", 10)
	for _, fl := range st.Flags {
		d.setPad(cellPad)
		d.font("", 8.5)
		lines := d.wrap(fl, contentWidth-5)
		for i, l := range lines {
			d.room(4)
			y := d.f.GetY()
			if i == 0 {
				d.font("B", 8.5)
				d.color(colFlag)
				d.put(marginLeft, y, 5, 4, "\x95", "L")
			}
			d.font("", 8.5)
			d.color(colText)
			d.put(marginLeft+4, y, contentWidth-4, 4, l, "L")
			d.f.SetXY(marginLeft, y+4)
		}
		d.f.SetY(d.f.GetY() + 0.8)
	}
}

// sales lists every sale, one row each, with what each program decided for
// it. Programs are referred to by number and reasons by R-number, with both
// keys printed above the table: a sale × program row each would run a large
// dealer's statement to thousands of pages.
func (d *pdfDoc) sales() {
	st := d.st
	d.section("Sales",
		"Every sale reported for this payee in the period, one row each. \"Counts for\" lists the programs the sale counted for, "+
			"by number, with its credit in brackets when that is not the sale's quantity (a revenue program credits that share of the amount). "+
			"The line below, \"Not counted\", lists the other programs in effect under the reason they gave: a sale counts for a program when it meets all of "+
			"the program's conditions, otherwise the first condition it failed is shown.", 25)
	if len(st.Sales) == 0 {
		d.paragraph("No sales were reported for this payee in the period.", "", 9, colText, 0)
		return
	}
	key := newSaleKey(st)
	defer key.release()
	const size, pad = 7.5, 0.8
	d.keyTable("Programs", size, key.programs, func(i int) string { return strconv.Itoa(i + 1) })
	d.keyTable("Reasons", size, key.reasons, func(i int) string { return "R" + strconv.Itoa(i+1) })
	d.f.SetY(d.f.GetY() + 2)
	cols := d.saleColumns(size, pad)
	spanWidth := contentWidth - cols[0].width
	t := d.newTable(size, cols...)
	t.pad = pad
	t.zebra = true
	t.start()
	// Most sales of a payee were not counted for the same programs for
	// the same reasons: each such text is wrapped once.
	notCounted := map[string][]line{}
	// A row's spans and the lines under it are drawn before the next row
	// is made: one set serves every row.
	var spans [9]span
	var cells [9][]span
	var under []line
	for i := range st.Sales {
		s := &st.Sales[i]
		year := ""
		if s.ModelYear != 0 {
			year = strconv.Itoa(s.ModelYear)
		}
		amount := ""
		if !s.Amount.IsZero() {
			amount = moneyText(s.Amount, incent.Currency{Minor: key.minor})
		}
		counted, excluded := key.outcomes(s)
		if counted == "" {
			counted = "—"
			if len(s.Outcomes) == 0 {
				counted = "no program in effect"
			}
		}
		for k, text := range [...]string{s.Date.String(), s.DealID, s.VIN, s.Model, year, saleTypeText(s), strconv.Itoa(s.Quantity), amount} {
			spans[k] = span{text: text, color: colText}
		}
		spans[8] = normal(counted, colCounted)
		for k := range spans {
			cells[k] = spans[k : k+1 : k+1]
		}
		rowLines := t.lines(cells[:])
		// What did not count, and any note, run on under the row from the
		// deal column: a line the width of the page holds most sales'.
		under = under[:0]
		d.font("", size)
		d.setPad(pad)
		if len(excluded) > 0 {
			lines, ok := notCounted[string(excluded)]
			if !ok {
				lines = d.appendWrapped(nil, "Not counted: "+string(excluded), spanWidth, line{color: colExcluded, size: size})
				notCounted[string(excluded)] = lines
			}
			under = append(under, lines...)
		}
		if s.Flag != "" {
			d.font("B", size)
			under = d.appendWrapped(under, "Note: "+s.Flag, spanWidth, line{style: "B", color: colFlag, size: size})
		}
		t.addRow(rowLines, under, 1)
	}
}

// keyTable prints a numbered key (programs or reasons) as a two-column
// table of label and text.
func (d *pdfDoc) keyTable(title string, size float64, items []string, label func(int) string) {
	if len(items) == 0 {
		return
	}
	d.setPad(cellPad)
	d.room(12)
	d.font("B", 8.5)
	d.color(colBrand)
	y := d.f.GetY() + 1
	d.put(marginLeft, y, contentWidth, 4.5, d.text(title), "L")
	d.f.SetXY(marginLeft, y+4.5)
	// Programs are short and many: four to a row. Reasons are long: one.
	per := 1
	if title == "Programs" {
		per = 4
	}
	w := contentWidth / float64(per)
	lw := 9.0
	d.font("", size)
	lh := size * 0.42
	for i := 0; i < len(items); i += per {
		var rows [][]string
		n := 1
		for j := i; j < min(i+per, len(items)); j++ {
			l := d.wrap(items[j], w-lw)
			rows = append(rows, l)
			n = max(n, len(l))
		}
		d.room(float64(n)*lh + 0.6)
		y := d.f.GetY()
		for j, lines := range rows {
			x := marginLeft + float64(j)*w
			d.font("B", size)
			d.color(colText)
			d.put(x, y, lw, lh, d.text(label(i+j)), "R")
			d.font("", size)
			for k, l := range lines {
				d.put(x+lw, y+float64(k)*lh, w-lw, lh, l, "L")
			}
		}
		d.f.SetXY(marginLeft, y+float64(n)*lh+0.6)
	}
}

// saleKey numbers the programs and reasons a statement's sales table refers
// to: programs in id order, reasons in order of first appearance.
type saleKey struct {
	programs []string
	progNum  map[string]int
	reasons  []string
	reasNum  map[string]int
	minor    int32 // decimals of sale amounts

	// The program last numbered at each outcome position, and the last
	// few reasons: a statement's sales list the same programs in the same
	// order, for the few reasons each program gives (a model, a sale type
	// not in its list), so most numbers need no map.
	lastProg   []numbered
	lastReason []recentReasons
	slots      *[]recentReasons // lastReason's holder in reasonSlots

	// progs holds outcomes' program lists from one sale to the next, so
	// grouping a sale's excluded programs by reason allocates nothing.
	progs [][]int
	// excluded holds the last sale's excluded text (see outcomes).
	excluded []byte
}

type numbered struct {
	s string
	n int
}

// recentReasons holds reasons met at an outcome position, each in the slot
// its string's address picks: a program gives a handful of reasons (one a
// model, or a sale type, not in its list), and a new one replaces the one
// in its slot.
type recentReasons [32]numbered

// reasonSlots holds the recent reasons of statements already written: a
// statement's slots, 32 a position, took about 50 KB, a few hundred
// megabytes over the dealers of a large quarter.
var reasonSlots = sync.Pool{New: func() any { return new([]recentReasons) }}

// takeSlots gives the key n cleared positions of recent reasons, from the
// pool; release gives them back.
func (k *saleKey) takeSlots(n int) {
	k.slots = reasonSlots.Get().(*[]recentReasons)
	if cap(*k.slots) < n {
		*k.slots = make([]recentReasons, n)
	}
	k.lastReason = (*k.slots)[:n] // cleared when released
}

// release clears the key's recent reasons, so that no text of this
// statement is held, and gives them back to the pool with what reasonNum
// added to them; the key numbers no reason after it.
func (k *saleKey) release() {
	if k.slots != nil {
		clear(k.lastReason[:cap(k.lastReason)])
		*k.slots = k.lastReason[:0]
		reasonSlots.Put(k.slots)
		k.slots, k.lastReason = nil, nil
	}
}

// slot is the slot of recentReasons for the string whose bytes start at p.
func slot(p *byte) int { return int(uintptr(unsafe.Pointer(p))>>4) % len(recentReasons{}) }

func newSaleKey(st *Statement) *saleKey {
	k := &saleKey{progNum: map[string]int{}, reasNum: map[string]int{}, minor: saleAmountMinor(st)}
	var seen []string // program id last seen at each position
	for i := range st.Sales {
		for j, o := range st.Sales[i].Outcomes {
			if j < len(seen) && seen[j] == o.ProgramID {
				continue
			}
			if j >= len(seen) {
				seen = append(seen, make([]string, j+1-len(seen))...)
			}
			seen[j] = o.ProgramID
			if _, ok := k.progNum[o.ProgramID]; !ok {
				k.progNum[o.ProgramID] = 0
				k.programs = append(k.programs, o.ProgramID)
			}
		}
	}
	sort.Strings(k.programs)
	for i, id := range k.programs {
		k.progNum[id] = i + 1
	}
	k.takeSlots(len(seen))
	for i := range st.Sales {
		for j, o := range st.Sales[i].Outcomes {
			if !o.Counted {
				k.reasonNum(j, o.Reason)
			}
		}
	}
	return k
}

// progNumAt is the number of program id, at outcome position j.
func (k *saleKey) progNumAt(j int, id string) int {
	return cachedNum(&k.lastProg, j, id, func() int { return k.progNum[id] })
}

// reasonNum is the number of a reason at outcome position j, numbering it
// when it is new.
func (k *saleKey) reasonNum(j int, r string) int {
	if j >= len(k.lastReason) {
		k.lastReason = append(k.lastReason, make([]recentReasons, j+1-len(k.lastReason))...)
	}
	// The texts come from a formatter that gives the same reason as the
	// same string, mostly: the recent ones are found by where their bytes
	// are, which is their text, without comparing texts that only look
	// alike (models of one length), and the others through the map. The
	// number comes from the map either way, so where a string lies changes
	// nothing but the time taken.
	p := unsafe.StringData(r)
	e := &k.lastReason[j][slot(p)]
	if e.n != 0 && len(e.s) == len(r) && unsafe.StringData(e.s) == p {
		return e.n
	}
	n, ok := k.reasNum[r]
	if !ok {
		k.reasons = append(k.reasons, r)
		n = len(k.reasons)
		k.reasNum[r] = n
	}
	*e = numbered{r, n}
	return n
}

func cachedNum(cache *[]numbered, j int, s string, look func() int) int {
	c := *cache
	if j < len(c) && c[j].n != 0 && c[j].s == s {
		return c[j].n
	}
	if j >= len(c) {
		c = append(c, make([]numbered, j+1-len(c))...)
		*cache = c
	}
	n := look()
	c[j] = numbered{s, n}
	return n
}

// outcomes writes a sale's outcomes as the two texts of its row: the
// programs it counted for ("1, 3 (0.5), 4–6") and the others by reason
// ("R1: 2, 7–9 · R2: 10"). The second is the key's until the next call:
// most sales' are found among the texts already wrapped, and need no string.
func (k *saleKey) outcomes(s *SaleLine) (counted string, excluded []byte) {
	var cb []byte
	var runBuf [32]int
	run := runBuf[:0] // consecutive program numbers counted with the plain credit
	flush := func() {
		cb = appendRuns(cb, run)
		run = run[:0]
	}
	type group struct {
		reason int
		progs  []int
	}
	var groupBuf [24]group // a dozen reasons at most in a large quarter
	groups := groupBuf[:0]
	for j, o := range s.Outcomes {
		n := k.progNumAt(j, o.ProgramID)
		if !o.Counted {
			r := k.reasonNum(j, o.Reason)
			found := false
			for gi := range groups {
				if groups[gi].reason == r {
					groups[gi].progs = append(groups[gi].progs, n)
					found = true
					break
				}
			}
			if !found {
				var buf []int
				if len(groups) < len(k.progs) {
					buf = k.progs[len(groups)][:0]
				}
				groups = append(groups, group{reason: r, progs: append(buf, n)})
			}
			continue
		}
		if o.Credit.Equal(quantityOf(s.Quantity)) {
			run = append(run, n)
			continue
		}
		flush()
		if len(cb) > 0 {
			cb = append(cb, ", "...)
		}
		cb = strconv.AppendInt(cb, int64(n), 10)
		cb = append(cb, " ("...)
		cb = append(cb, quantityText(o.Credit)...)
		cb = append(cb, ')')
	}
	flush()
	// By reason number; a sale has a handful of reasons, each its own group.
	for i := 1; i < len(groups); i++ {
		for j := i; j > 0 && groups[j].reason < groups[j-1].reason; j-- {
			groups[j], groups[j-1] = groups[j-1], groups[j]
		}
	}
	for i, g := range groups {
		if i < len(k.progs) {
			k.progs[i] = g.progs
		} else {
			k.progs = append(k.progs, g.progs)
		}
	}
	eb := k.excluded[:0]
	for i, g := range groups {
		if i > 0 {
			eb = append(eb, " · "...)
		}
		eb = append(eb, 'R')
		eb = strconv.AppendInt(eb, int64(g.reason), 10)
		eb = append(eb, ": "...)
		eb = appendRuns(eb, g.progs)
	}
	k.excluded = eb
	return string(cb), eb
}

var (
	plusOne  = decimal.NewFromInt(1)
	minusOne = decimal.NewFromInt(-1)
)

// quantityOf is a sale's quantity as a decimal.
func quantityOf(q int) decimal.Decimal {
	switch q {
	case 1:
		return plusOne
	case -1:
		return minusOne
	}
	return decimal.NewFromInt(int64(q))
}

// appendRuns appends ascending numbers to b after a ", " when b is not
// empty, writing three or more consecutive ones as a range ("4–6").
func appendRuns(b []byte, ns []int) []byte {
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if len(b) > 0 && b[len(b)-1] != ' ' {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, int64(ns[i]), 10)
		switch {
		case j-i >= 2:
			b = append(b, "–"...)
			b = strconv.AppendInt(b, int64(ns[j]), 10)
		case j-i == 1:
			b = append(b, ", "...)
			b = strconv.AppendInt(b, int64(ns[j]), 10)
		}
		i = j + 1
	}
	return b
}

// closing ends the statement with how to query it.
func (d *pdfDoc) closing() {
	d.f.SetY(d.f.GetY() + 4)
	d.room(10)
	d.paragraph(fmt.Sprintf("Questions about this statement? Quote run %s, your payee code %s and the program id. "+
		"Amounts are paid in the currency shown; totals are the sum of the rounded lines.", d.st.RunID, d.st.Payee.Code),
		"", 7.5, colMuted, 0)
}

// saleColumns sizes the sales table. Identification columns take the width
// their longest value needs within bounds, so a 17-character VIN and a deal
// number stay on one line; the two outcome columns share the rest.
func (d *pdfDoc) saleColumns(size, pad float64) []column {
	st := d.st
	width := func(s string) float64 { return d.width(d.text(s)) + 2*pad + 0.3 }
	d.font("B", size) // header titles are bold
	wDeal, wModel, wYear, wQty, wAmount := width("Deal"), width("Model"), width("Year"), width("Qty"), width("Amount")
	d.font("", size)
	wDate, wType, wVIN := width("2024-12-31"), width("employee"), width("1HGCM82633A004352")
	wYear, wQty, wAmount = max(wYear, width("2024")), max(wQty, width("-10")), max(wAmount, width("88,888.00"))
	for i := range st.Sales {
		s := &st.Sales[i]
		wType = max(wType, width(saleTypeText(s)))
		wDeal = max(wDeal, width(s.DealID))
		wVIN = max(wVIN, width(s.VIN))
		wModel = max(wModel, width(s.Model))
	}
	wDeal, wVIN, wModel, wType, wAmount = min(wDeal, 22), min(wVIN, 30), min(wModel, 16), min(wType, 20), min(wAmount, 22)
	wQty += 1
	rest := contentWidth - (wDate + wDeal + wVIN + wModel + wYear + wType + wQty + wAmount)
	return []column{
		{"Date", wDate, "L"}, {"Deal", wDeal, "L"}, {"VIN", wVIN, "L"}, {"Model", wModel, "L"},
		{"Year", wYear, "L"}, {"Type", wType, "L"}, {"Qty", wQty, "C"}, {"Amount", wAmount, "R"},
		{"Counts for (not counted below)", rest, "L"},
	}
}

// saleTypeText is the sale type, with the condition when the car was not new.
func saleTypeText(s *SaleLine) string {
	if s.Condition != "" && s.Condition != "new" {
		return s.SaleType + " · " + s.Condition
	}
	return s.SaleType
}
