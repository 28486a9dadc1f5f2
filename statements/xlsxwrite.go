package statements

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/incent/incent"
	"github.com/klauspost/compress/flate"
	"github.com/shopspring/decimal"
)

// A statement workbook is a few sheets of text, numbers and dates in a
// handful of styles. It is written here as SpreadsheetML directly: through
// excelize, building and packing the parts of even a one-sale workbook took
// about 3 ms, more than its PDF, and only one sheet per workbook could be
// streamed with bytes that do not vary. Workbooks are read back with
// excelize in the tests.

// workbook collects a workbook's sheets, shared strings and styles, and
// keeps the first error. Styles and strings are numbered in the order they
// are first used, so equal input gives equal bytes.
type workbook struct {
	when          time.Time
	title, author string
	sheets        []*sheet
	err           error

	strings map[string]int // shared string -> its index
	strList []string
	styles  map[string]int // style name -> its cellXfs index
	xfs     []xf
	fonts   []string // each font's XML; the first is the default
	fills   []string // each fill's XML after the two every workbook has
	numFmts []string // custom number formats, numbered from 164
}

// xf is a cell format: indices into the fonts, fills, borders and number
// formats, and a vertical alignment.
type xf struct {
	numFmt, font, fill, border int
	vcenter                    bool
}

func newWorkbook(when time.Time, title, creator string) *workbook {
	if creator == "" {
		creator = "incent"
	}
	return &workbook{when: when.UTC(), title: title, author: creator,
		strings: map[string]int{}, styles: map[string]int{"": 0}, xfs: []xf{{}},
		fonts: []string{`<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>`}}
}

func (b *workbook) check(err error) {
	if err != nil && b.err == nil {
		b.err = err
	}
}

// first adds the workbook's first sheet.
func (b *workbook) first(name string) { b.add(name) }

// add appends a sheet.
func (b *workbook) add(name string) *sheet {
	s := &sheet{b: b, name: name}
	b.sheets = append(b.sheets, s)
	return s
}

// sheet returns the sheet called name.
func (b *workbook) sheet(name string) *sheet {
	for _, s := range b.sheets {
		if s.name == name {
			return s
		}
	}
	b.check(fmt.Errorf("workbook has no sheet %q", name))
	return b.add(name)
}

// sharedString returns the index of s in the shared strings.
func (b *workbook) sharedString(s string) int {
	if i, ok := b.strings[s]; ok {
		return i
	}
	i := len(b.strList)
	b.strings[s] = i
	b.strList = append(b.strList, s)
	return i
}

const (
	colorBrand = "FF1F3A5F"
	colorAlert = "FFB3261E"
	colorWhite = "FFFFFFFF"
)

// style returns the cell format index of a named style, creating it on
// first use: header, title, bold, alert, date, totallabel, money:FORMAT and
// moneybold:FORMAT.
func (b *workbook) style(name string) int {
	if id, ok := b.styles[name]; ok {
		return id
	}
	var x xf
	switch {
	case name == "header":
		x.font = b.font(`<b/><sz val="11"/><color rgb="` + colorWhite + `"/>`)
		x.fill = b.fill(`<patternFill patternType="solid"><fgColor rgb="` + colorBrand + `"/><bgColor indexed="64"/></patternFill>`)
		x.vcenter = true
	case name == "title":
		x.font = b.font(`<b/><sz val="14"/><color rgb="` + colorBrand + `"/>`)
	case name == "bold":
		x.font = b.font(`<b/><sz val="11"/>`)
	case name == "alert":
		x.font = b.font(`<b/><sz val="11"/><color rgb="` + colorAlert + `"/>`)
	case name == "date":
		x.numFmt = b.numFmt("yyyy-mm-dd")
	case name == "totallabel":
		x.font, x.border = b.font(`<b/><sz val="11"/>`), 1
	case strings.HasPrefix(name, "money:"):
		x.numFmt = b.numFmt(strings.TrimPrefix(name, "money:"))
	case strings.HasPrefix(name, "moneybold:"):
		x.numFmt = b.numFmt(strings.TrimPrefix(name, "moneybold:"))
		x.font, x.border = b.font(`<b/><sz val="11"/>`), 1
	default:
		b.check(fmt.Errorf("unknown cell style %q", name))
	}
	id := len(b.xfs)
	b.xfs = append(b.xfs, x)
	b.styles[name] = id
	return id
}

// font returns the index of a font that is the default one with props.
func (b *workbook) font(props string) int {
	xml := `<font>` + props + `<name val="Calibri"/><family val="2"/></font>`
	for i, f := range b.fonts {
		if f == xml {
			return i
		}
	}
	b.fonts = append(b.fonts, xml)
	return len(b.fonts) - 1
}

// fill returns the index of a fill; 0 and 1 are the two every workbook has.
func (b *workbook) fill(pattern string) int {
	xml := `<fill>` + pattern + `</fill>`
	for i, f := range b.fills {
		if f == xml {
			return i + 2
		}
	}
	b.fills = append(b.fills, xml)
	return len(b.fills) + 1
}

// numFmt returns the id of a custom number format.
func (b *workbook) numFmt(code string) int {
	for i, c := range b.numFmts {
		if c == code {
			return 164 + i
		}
	}
	b.numFmts = append(b.numFmts, code)
	return 164 + len(b.numFmts) - 1
}

// sheet is one worksheet: its rows as SpreadsheetML, written as they come,
// with column widths, a frozen header and a filter added around them.
type sheet struct {
	b      *workbook
	name   string
	r      int // last row written
	cols   int // widest row
	widthW []float64
	frozen bool
	ranged string   // the filtered range, "" for none
	data   [][]byte // the rows, in chunks from rowChunks
}

// rowChunks hold sheets' rows from one workbook to the next. A sheet's
// rows go into chunks of rowChunk bytes rather than one buffer: the
// summary of a million-sale quarter is 50 MB of rows, which as one block
// the heap could only find by growing, and which a doubling buffer would
// copy again and again.
var rowChunks = sync.Pool{New: func() any { b := make([]byte, 0, rowChunk); return &b }}

const rowChunk = 256 << 10

// avail returns the room left in the sheet's last chunk, to append a row
// to; keep stores it.
func (s *sheet) avail() []byte {
	if n := len(s.data); n > 0 {
		c := s.data[n-1]
		return c[len(c):]
	}
	return nil
}

// keep adds row, appended to what avail returned, to the sheet's rows. A
// row that still fits is already in place; one that outgrew the room went
// elsewhere and is copied into a new chunk.
func (s *sheet) keep(row []byte) {
	if n := len(s.data); n > 0 {
		if c := s.data[n-1]; len(row) <= cap(c)-len(c) {
			s.data[n-1] = c[:len(c)+len(row)]
			return
		}
	}
	var c []byte
	if len(row) <= rowChunk {
		c = (*rowChunks.Get().(*[]byte))[:0]
	} else {
		c = make([]byte, 0, len(row))
	}
	s.data = append(s.data, append(c, row...))
}

// release gives the sheet's chunks back for the next workbook.
func (s *sheet) release() {
	for _, c := range s.data {
		if cap(c) == rowChunk {
			c = c[:0]
			rowChunks.Put(&c)
		}
	}
	s.data = nil
}

func (s *sheet) skip() { s.r++ }

// row writes the next row; nil and empty cells are left out. Strings
// become neutralised shared text, ints numbers, money numbers with the
// currency's format, dates date serials.
func (s *sheet) row(cells ...any) {
	s.r++
	var num [20]byte
	rowNum := strconv.AppendInt(num[:0], int64(s.r), 10)
	b := s.avail()
	open := false
	for i, c := range cells {
		// What the cell holds (text, a whole number or a float) and the
		// name of its style.
		var text, style string
		var isText bool
		var n int64
		var dec decimal.Decimal // a number written with its own digits
		var isDec bool
		switch x := c.(type) {
		case nil:
			continue
		case string:
			if x == "" {
				continue
			}
			text, isText = NeutraliseCell(x), true
		case styled:
			text, isText, style = NeutraliseCell(x.s), true, x.style
		case int:
			n = int64(x)
		case numberCell:
			// The exact decimal, not a float's digits: XLSX keeps a double,
			// but what is written is the amount itself.
			dec, isDec = x.v, true
		case moneyCell:
			dec, isDec, style = x.v, true, moneyStyle(x.c, x.bold)
		case dateCell:
			if x.d.IsZero() {
				continue
			}
			n, style = int64(excelSerial(x.d)), "date"
		default:
			s.b.check(fmt.Errorf("sheet %s row %d: unsupported value %T", s.name, s.r, c))
			continue
		}
		if !open {
			b = append(b, `<row r="`...)
			b = append(b, rowNum...)
			b = append(b, `">`...)
			open = true
		}
		s.cols = max(s.cols, i+1)
		b = append(b, `<c r="`...)
		b = append(b, columnName(i+1)...)
		b = append(b, rowNum...)
		b = append(b, '"')
		if style != "" {
			b = append(b, ` s="`...)
			b = strconv.AppendInt(b, int64(s.b.style(style)), 10)
			b = append(b, '"')
		}
		switch {
		case isText:
			b = append(b, ` t="s"><v>`...)
			b = strconv.AppendInt(b, int64(s.b.sharedString(text)), 10)
		case isDec:
			b = append(b, `><v>`...)
			b = incent.AppendDecimal(b, dec)
		default:
			b = append(b, `><v>`...)
			b = strconv.AppendInt(b, n, 10)
		}
		b = append(b, `</v></c>`...)
	}
	if open {
		b = append(b, `</row>`...)
	}
	s.keep(b)
}

// header writes a header row.
func (s *sheet) header(titles ...string) {
	cells := make([]any, len(titles))
	for i, t := range titles {
		cells[i] = styled{t, "header"}
	}
	s.row(cells...)
}

// widths sets column widths, A onwards.
func (s *sheet) widths(w ...float64) { s.widthW = append(s.widthW[:0], w...) }

// freezeHeader keeps the first row visible while scrolling.
func (s *sheet) freezeHeader() { s.frozen = true }

// filter adds filter buttons to a table that starts at A1 and has cols
// columns.
func (s *sheet) filter(cols int) {
	if s.r < 2 {
		return
	}
	s.ranged = "A1:" + columnName(cols) + strconv.Itoa(s.r)
}

// columnNames holds the names of the first columns: a statement has a few
// dozen.
var columnNames = func() []string {
	names := make([]string, 703) // A to ZZ
	for i := 1; i < len(names); i++ {
		names[i] = columnNameOf(i)
	}
	return names
}()

// columnName is the letters of column n (1 = A).
func columnName(n int) string {
	if n < len(columnNames) {
		return columnNames[n]
	}
	return columnNameOf(n)
}

func columnNameOf(n int) string {
	var b []byte
	for n > 0 {
		n--
		b = append(b, byte('A'+n%26))
		n /= 26
	}
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

const (
	xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	nsMain    = `http://schemas.openxmlformats.org/spreadsheetml/2006/main`
	nsRel     = `http://schemas.openxmlformats.org/officeDocument/2006/relationships`
	nsPkgRel  = `http://schemas.openxmlformats.org/package/2006/relationships`
	ctSheet   = `application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml`
)

// write packs the workbook as an XLSX file.
func (b *workbook) write(w io.Writer) error {
	if b.err != nil {
		return b.err
	}
	if len(b.sheets) == 0 {
		return errors.New("workbook has no sheet")
	}
	zw := newZip(w)
	part := func(name string, parts ...[]byte) {
		if b.err != nil {
			return
		}
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			b.check(err)
			return
		}
		for _, p := range parts {
			if _, err := fw.Write(p); err != nil {
				b.check(err)
				return
			}
		}
	}

	var buf bytes.Buffer
	text := func(parts ...string) []byte {
		buf.Reset()
		for _, p := range parts {
			buf.WriteString(p)
		}
		return bytes.Clone(buf.Bytes())
	}

	// [Content_Types].xml
	var ct strings.Builder
	ct.WriteString(xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`)
	for i := range b.sheets {
		fmt.Fprintf(&ct, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="%s"/>`, i+1, ctSheet)
	}
	ct.WriteString(`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>` +
		`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
		`<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>` +
		`</Types>`)
	part("[Content_Types].xml", []byte(ct.String()))

	part("_rels/.rels", text(xmlHeader, `<Relationships xmlns="`, nsPkgRel, `">`,
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>`,
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>`,
		`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>`,
		`</Relationships>`))

	stamp := b.when.Format(time.RFC3339)
	part("docProps/core.xml", text(xmlHeader,
		`<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" `,
		`xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" `,
		`xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`,
		`<dc:title>`, xmlText(b.title), `</dc:title>`,
		`<dc:creator>`, xmlText(b.author), `</dc:creator>`,
		`<cp:lastModifiedBy>`, xmlText(b.author), `</cp:lastModifiedBy>`,
		`<dc:language>en-US</dc:language>`,
		`<dcterms:created xsi:type="dcterms:W3CDTF">`, stamp, `</dcterms:created>`,
		`<dcterms:modified xsi:type="dcterms:W3CDTF">`, stamp, `</dcterms:modified>`,
		`</cp:coreProperties>`))
	part("docProps/app.xml", text(xmlHeader,
		`<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" `,
		`xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>incent</Application></Properties>`))

	// The workbook, its relationships and the filters' defined names.
	var wb, rels, names strings.Builder
	wb.WriteString(xmlHeader + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">` +
		`<bookViews><workbookView activeTab="0"/></bookViews><sheets>`)
	rels.WriteString(xmlHeader + `<Relationships xmlns="` + nsPkgRel + `">`)
	for i, s := range b.sheets {
		fmt.Fprintf(&wb, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, xmlText(s.name), i+1, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, nsRel, i+1)
		if s.ranged != "" {
			from, to, _ := strings.Cut(s.ranged, ":")
			fmt.Fprintf(&names, `<definedName name="_xlnm._FilterDatabase" localSheetId="%d" hidden="1">%s!%s:%s</definedName>`,
				i, xmlText(quoteSheet(s.name)), absolute(from), absolute(to))
		}
	}
	wb.WriteString(`</sheets>`)
	if names.Len() > 0 {
		wb.WriteString(`<definedNames>` + names.String() + `</definedNames>`)
	}
	wb.WriteString(`</workbook>`)
	n := len(b.sheets)
	fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="%s/styles" Target="styles.xml"/>`, n+1, nsRel)
	fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="%s/sharedStrings" Target="sharedStrings.xml"/>`, n+2, nsRel)
	rels.WriteString(`</Relationships>`)
	part("xl/workbook.xml", []byte(wb.String()))
	part("xl/_rels/workbook.xml.rels", []byte(rels.String()))

	for i, s := range b.sheets {
		part(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), slices.Concat([][]byte{s.head(i == 0)}, s.data, [][]byte{s.tail()})...)
	}
	part("xl/styles.xml", b.stylesXML())
	sst := b.sharedStringsXML()
	part("xl/sharedStrings.xml", sst.data...)
	sst.release()
	b.check(zw.Close())
	for _, s := range b.sheets {
		s.release()
	}
	return b.err
}

// head is a worksheet's XML up to its rows.
func (s *sheet) head(selected bool) []byte {
	var b bytes.Buffer
	b.WriteString(xmlHeader + `<worksheet xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">`)
	if s.cols > 0 && s.r > 0 {
		fmt.Fprintf(&b, `<dimension ref="A1:%s%d"/>`, columnName(s.cols), s.r)
	}
	b.WriteString(`<sheetViews><sheetView workbookViewId="0"`)
	if selected {
		b.WriteString(` tabSelected="1"`)
	}
	b.WriteString(`>`)
	if s.frozen {
		b.WriteString(`<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/>`)
	}
	b.WriteString(`</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>`)
	if len(s.widthW) > 0 {
		b.WriteString(`<cols>`)
		for i, w := range s.widthW {
			fmt.Fprintf(&b, `<col min="%d" max="%d" width="%s" customWidth="1"/>`, i+1, i+1, strconv.FormatFloat(w, 'f', -1, 64))
		}
		b.WriteString(`</cols>`)
	}
	b.WriteString(`<sheetData>`)
	return b.Bytes()
}

// tail is a worksheet's XML after its rows.
func (s *sheet) tail() []byte {
	t := `</sheetData>`
	if s.ranged != "" {
		t += `<autoFilter ref="` + s.ranged + `"/>`
	}
	return []byte(t + `<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`)
}

func (b *workbook) stylesXML() []byte {
	var s strings.Builder
	s.WriteString(xmlHeader + `<styleSheet xmlns="` + nsMain + `">`)
	if len(b.numFmts) > 0 {
		fmt.Fprintf(&s, `<numFmts count="%d">`, len(b.numFmts))
		for i, code := range b.numFmts {
			fmt.Fprintf(&s, `<numFmt numFmtId="%d" formatCode="%s"/>`, 164+i, xmlAttr(code))
		}
		s.WriteString(`</numFmts>`)
	}
	fmt.Fprintf(&s, `<fonts count="%d">%s</fonts>`, len(b.fonts), strings.Join(b.fonts, ""))
	fmt.Fprintf(&s, `<fills count="%d"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>%s</fills>`,
		len(b.fills)+2, strings.Join(b.fills, ""))
	s.WriteString(`<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>` +
		`<border><left/><right/><top/><bottom style="thin"><color rgb="` + colorBrand + `"/></bottom><diagonal/></border></borders>`)
	s.WriteString(`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>`)
	fmt.Fprintf(&s, `<cellXfs count="%d">`, len(b.xfs))
	for _, x := range b.xfs {
		fmt.Fprintf(&s, `<xf numFmtId="%d" fontId="%d" fillId="%d" borderId="%d" xfId="0"`, x.numFmt, x.font, x.fill, x.border)
		if x.numFmt != 0 {
			s.WriteString(` applyNumberFormat="1"`)
		}
		if x.font != 0 {
			s.WriteString(` applyFont="1"`)
		}
		if x.fill != 0 {
			s.WriteString(` applyFill="1"`)
		}
		if x.border != 0 {
			s.WriteString(` applyBorder="1"`)
		}
		if x.vcenter {
			s.WriteString(` applyAlignment="1"><alignment vertical="center"/></xf>`)
		} else {
			s.WriteString(`/>`)
		}
	}
	s.WriteString(`</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`)
	return []byte(s.String())
}

// sharedStringsXML returns the shared strings part in the chunks sheets
// keep their rows in (see sheet.keep): a large statement's strings, a deal
// and a VIN a sale, run to megabytes. The caller releases them.
func (b *workbook) sharedStringsXML() *sheet {
	sst := &sheet{}
	sst.keep(fmt.Appendf(append(sst.avail(), xmlHeader...), `<sst xmlns="%s" count="%d" uniqueCount="%d">`, nsMain, len(b.strList), len(b.strList)))
	for _, s := range b.strList {
		out := sst.avail()
		if s != strings.TrimSpace(s) {
			out = append(out, `<si><t xml:space="preserve">`...)
		} else {
			out = append(out, `<si><t>`...)
		}
		out = appendXMLText(out, s)
		sst.keep(append(out, `</t></si>`...))
	}
	sst.keep(append(sst.avail(), `</sst>`...))
	return sst
}

// quoteSheet quotes a sheet name for a formula reference.
func quoteSheet(name string) string { return "'" + strings.ReplaceAll(name, "'", "''") + "'" }

// absolute turns a cell reference such as K12 into $K$12.
func absolute(ref string) string {
	i := strings.IndexAny(ref, "0123456789")
	return "$" + ref[:i] + "$" + ref[i:]
}

func xmlText(s string) string { return string(appendXMLText(nil, s)) }

func xmlAttr(s string) string {
	return strings.ReplaceAll(xmlText(s), `"`, "&quot;")
}

// appendXMLText appends s escaped as XML character data. Characters XML
// cannot hold (most control characters, invalid UTF-8) become U+FFFD.
func appendXMLText(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '&' && c != '<' && c != '>' {
			i++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError && r != 0xFFFE && r != 0xFFFF {
				i += size
				continue
			}
		}
		b = append(b, s[start:i]...)
		switch {
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '\t' || r == '\n' || r == '\r':
			b = append(b, byte(r))
		default:
			b = append(b, "\uFFFD"...)
		}
		i += size
		start = i
	}
	return append(b, s[start:]...)
}

// newZip returns a zip writer whose deflated parts go through zipPart.
func newZip(w io.Writer) *zip.Writer {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return &zipPart{out: out}, nil
	})
	return zw
}

// smallPart is the size up to which a part is stored, not compressed.
const smallPart = 4 << 10

// zipPart packs a workbook part with deflate at its fastest level, from
// writers that are reused. A part of up to smallPart bytes is kept in
// deflate's uncompressed blocks: building Huffman tables for a dozen small
// parts was a third of a small workbook's time.
type zipPart struct {
	out io.Writer
	buf []byte
	fw  *flate.Writer // once the part has outgrown smallPart
}

func (p *zipPart) Write(b []byte) (int, error) {
	if p.fw == nil && len(p.buf)+len(b) <= smallPart {
		p.buf = append(p.buf, b...)
		return len(b), nil
	}
	if p.fw == nil {
		p.fw = flateWriters.Get().(*flate.Writer)
		p.fw.Reset(p.out)
		if _, err := p.fw.Write(p.buf); err != nil {
			return 0, err
		}
		p.buf = nil
	}
	return p.fw.Write(b)
}

func (p *zipPart) Close() error {
	if p.fw != nil {
		err := p.fw.Close()
		flateWriters.Put(p.fw)
		return err
	}
	fw := storeWriters.Get().(*flate.Writer)
	defer storeWriters.Put(fw)
	fw.Reset(p.out)
	if _, err := fw.Write(p.buf); err != nil {
		return err
	}
	return fw.Close()
}

var (
	flateWriters = sync.Pool{New: func() any {
		fw, _ := flate.NewWriter(nil, flate.BestSpeed)
		return fw
	}}
	storeWriters = sync.Pool{New: func() any {
		fw, _ := flate.NewWriter(nil, flate.NoCompression)
		return fw
	}}
)
