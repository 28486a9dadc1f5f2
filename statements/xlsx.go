package statements

import (
	"archive/zip"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/incent/incent"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// Sheet names of a statement workbook, in order.
const (
	sheetSummary     = "Summary"
	sheetPrograms    = "Programs"
	sheetSales       = "Sales"
	sheetAdjustments = "Adjustments"
	sheetClaims      = "Claims"
	sheetDisputes    = "Disputes"
)

// RenderXLSX writes st as a workbook with sheets Summary, Programs, Sales,
// Adjustments, Claims and Disputes; amounts are numbers with a custom number
// format, and text from the inputs is neutralised.
func RenderXLSX(w io.Writer, st *Statement) error { return renderXLSXIn(w, st, "") }

// renderXLSXIn is RenderXLSX with the folder where a sheet too large to
// buffer in memory may spill while it is written ("" = the system's).
func renderXLSXIn(w io.Writer, st *Statement, tmpDir string) error {
	if st == nil {
		return errors.New("render XLSX statement: no statement")
	}
	b := newWorkbook(documentTime(st.Period, st.Provisional, st.AsOf),
		fmt.Sprintf("Incentive statement %s %s", st.Payee.Code, st.Period.Code), st.Maker, tmpDir)
	defer b.f.Close()
	b.first(sheetSummary)
	writeStatementSummary(b.sheet(sheetSummary), st)
	writePrograms(b.add(sheetPrograms), st)
	writeSales(b.add(sheetSales), st)
	writeAdjustments(b.add(sheetAdjustments), st)
	writeClaims(b.add(sheetClaims), st)
	writeDisputes(b.add(sheetDisputes), st)
	if err := b.write(w); err != nil {
		return fmt.Errorf("render XLSX statement for %s: %w", st.Payee.Code, err)
	}
	return nil
}

// workbook wraps an excelize file, keeps the first error and creates each
// style once, in the order first used, so equal input gives equal bytes.
type workbook struct {
	f      *excelize.File
	err    error
	styles map[string]int
}

func newWorkbook(when time.Time, title, creator, tmpDir string) *workbook {
	b := &workbook{f: excelize.NewFile(excelize.Options{TmpDir: tmpDir}), styles: map[string]int{}}
	b.f.SetZipWriter(fastZip)
	stamp := when.UTC().Format(time.RFC3339)
	if creator == "" {
		creator = "incent"
	}
	b.check(b.f.SetDocProps(&excelize.DocProperties{
		Created:        stamp,
		Modified:       stamp,
		Creator:        creator,
		LastModifiedBy: creator,
		Title:          title,
		Language:       "en-US",
	}))
	return b
}

// fastZip packs a workbook with deflate at its fastest level, from
// writers that are reused: the default level spent about as long
// squeezing the sheets' XML as writing it. A part of up to 4 KB
// (properties, relationships, a short sheet) is stored in deflate's
// uncompressed blocks: building Huffman tables for a dozen small parts
// was a third of a small workbook's time. A salesperson's workbook grows
// from about 16 KB to 23 KB, a large dealer's by a sixth.
func fastZip(w io.Writer) excelize.ZipWriter {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return &zipPart{out: out}, nil
	})
	return zw
}

// smallPart is the size up to which a part is stored, not compressed.
const smallPart = 4 << 10

// zipPart holds a part's first bytes until it is known to be small or not.
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

func (b *workbook) check(err error) {
	if err != nil && b.err == nil {
		b.err = err
	}
}

// first renames the sheet every new file starts with.
func (b *workbook) first(name string) {
	b.check(b.f.SetSheetName(b.f.GetSheetName(0), name))
}

func (b *workbook) add(name string) *sheet {
	_, err := b.f.NewSheet(name)
	b.check(err)
	return b.sheet(name)
}

func (b *workbook) sheet(name string) *sheet { return &sheet{b: b, name: name} }

func (b *workbook) write(w io.Writer) error {
	if b.err != nil {
		return b.err
	}
	_, err := b.f.WriteTo(w)
	return err
}

// style returns the id of a named style, creating it on first use.
func (b *workbook) style(name string) int {
	if id, ok := b.styles[name]; ok {
		return id
	}
	var s excelize.Style
	border := []excelize.Border{{Type: "bottom", Color: "1F3A5F", Style: 1}}
	switch {
	case name == "header":
		s = excelize.Style{
			Font:      &excelize.Font{Bold: true, Color: "FFFFFF"},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F3A5F"}},
			Alignment: &excelize.Alignment{Vertical: "center"},
		}
	case name == "title":
		s = excelize.Style{Font: &excelize.Font{Bold: true, Size: 14, Color: "1F3A5F"}}
	case name == "bold":
		s = excelize.Style{Font: &excelize.Font{Bold: true}}
	case name == "alert":
		s = excelize.Style{Font: &excelize.Font{Bold: true, Color: "B3261E"}}
	case name == "date":
		f := "yyyy-mm-dd"
		s = excelize.Style{CustomNumFmt: &f}
	case strings.HasPrefix(name, "money:"), strings.HasPrefix(name, "moneybold:"):
		_, format, _ := strings.Cut(name, ":")
		s = excelize.Style{CustomNumFmt: &format}
		if strings.HasPrefix(name, "moneybold:") {
			s.Font = &excelize.Font{Bold: true}
			s.Border = border
		}
	case name == "totallabel":
		s = excelize.Style{Font: &excelize.Font{Bold: true}, Border: border}
	}
	id, err := b.f.NewStyle(&s)
	b.check(err)
	b.styles[name] = id
	return id
}

// Cell values understood by sheet.row besides string, int and nil.
type (
	moneyCell struct {
		v    decimal.Decimal
		c    incent.Currency
		bold bool
	}
	numberCell struct{ v decimal.Decimal }
	dateCell   struct{ d incent.Date }
	styled     struct {
		s     string
		style string
	}
)

func money(v decimal.Decimal, c incent.Currency) moneyCell { return moneyCell{v: v, c: c} }

// moneyStyle names the style of an amount in c.
func moneyStyle(c incent.Currency, bold bool) string {
	if bold {
		return "moneybold:" + numberFormat(c)
	}
	return "money:" + numberFormat(c)
}

// sheet writes rows one after another, through the cell API or, for a big
// sheet, through a stream writer.
type sheet struct {
	b    *workbook
	name string
	r    int                    // last row written
	sw   *excelize.StreamWriter // nil: cell API
}

// stream switches the sheet to a stream writer. Column widths and panes must
// then be set before the first row, and flush called after the last.
// A workbook may stream one sheet only: excelize writes streamed sheets in
// map order, so a second one would make the bytes vary.
func (s *sheet) stream() {
	sw, err := s.b.f.NewStreamWriter(s.name)
	s.b.check(err)
	s.sw = sw
}

func (s *sheet) flush() {
	if s.sw != nil {
		s.b.check(s.sw.Flush())
	}
}

func (s *sheet) skip() { s.r++ }

// cell converts a row value to what excelize stores and the name of its
// style: strings become neutralised text, ints numbers, money numbers with
// the currency's format, dates date serials.
func (s *sheet) cell(v any) (any, string) {
	switch x := v.(type) {
	case nil:
		return nil, ""
	case string:
		if x == "" {
			return nil, ""
		}
		return NeutraliseCell(x), ""
	case styled:
		return NeutraliseCell(x.s), x.style
	case int:
		return x, ""
	case numberCell:
		return x.v.InexactFloat64(), ""
	case moneyCell:
		return x.v.InexactFloat64(), moneyStyle(x.c, x.bold)
	case dateCell:
		if x.d.IsZero() {
			return nil, ""
		}
		return excelSerial(x.d), "date"
	}
	s.b.check(fmt.Errorf("sheet %s row %d: unsupported value %T", s.name, s.r, v))
	return nil, ""
}

// row writes the next row.
func (s *sheet) row(cells ...any) {
	s.r++
	if s.sw != nil {
		vals := make([]any, len(cells))
		for i, c := range cells {
			v, style := s.cell(c)
			if style != "" {
				v = excelize.Cell{StyleID: s.b.style(style), Value: v}
			}
			vals[i] = v
		}
		ref, err := excelize.CoordinatesToCellName(1, s.r)
		s.b.check(err)
		s.b.check(s.sw.SetRow(ref, vals))
		return
	}
	f := s.b.f
	for i, c := range cells {
		v, style := s.cell(c)
		if v == nil {
			continue
		}
		ref, err := excelize.CoordinatesToCellName(i+1, s.r)
		if err != nil {
			s.b.check(err)
			return
		}
		switch x := v.(type) {
		case string:
			s.b.check(f.SetCellStr(s.name, ref, x))
		case int:
			s.b.check(f.SetCellInt(s.name, ref, int64(x)))
		case float64:
			s.b.check(f.SetCellFloat(s.name, ref, x, -1, 64))
		}
		if style != "" {
			s.b.check(f.SetCellStyle(s.name, ref, ref, s.b.style(style)))
		}
	}
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
func (s *sheet) widths(w ...float64) {
	for i, x := range w {
		if s.sw != nil {
			s.b.check(s.sw.SetColWidth(i+1, i+1, x))
			continue
		}
		col, err := excelize.ColumnNumberToName(i + 1)
		s.b.check(err)
		s.b.check(s.b.f.SetColWidth(s.name, col, col, x))
	}
}

// freezeHeader keeps the first row visible while scrolling.
func (s *sheet) freezeHeader() {
	panes := &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}
	if s.sw != nil {
		s.b.check(s.sw.SetPanes(panes))
		return
	}
	s.b.check(s.b.f.SetPanes(s.name, panes))
}

// filter adds filter buttons to a table that starts at A1 and has cols
// columns; a streamed sheet gets an Excel table, which carries them.
func (s *sheet) filter(cols int) {
	if s.r < 2 {
		return
	}
	last, err := excelize.CoordinatesToCellName(cols, s.r)
	s.b.check(err)
	if s.sw != nil {
		s.b.check(s.sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: s.name + "Table", StyleName: "TableStyleLight1"}))
		return
	}
	s.b.check(s.b.f.AutoFilter(s.name, "A1:"+last, nil))
}

func writeStatementSummary(s *sheet, st *Statement) {
	s.widths(24, 34, 24, 14, 14, 14, 26, 48, 12, 12, 10, 16)
	s.row(styled{"Incentive statement", "title"})
	if st.Maker != "" {
		s.row("Issuer", st.Maker)
	}
	s.row("Payee", st.Payee.Name)
	s.row("Payee code", st.Payee.Code)
	s.row("Payee type", st.Payee.Type)
	if st.Payee.Group != "" {
		s.row("Group", st.Payee.Group)
	}
	if st.Payee.Region != "" {
		s.row("Region", st.Payee.Region)
	}
	if len(st.Payee.Address) > 0 {
		s.row("Address", strings.Join(nonEmpty(st.Payee.Address), ", "))
	}
	s.row("Period", st.Period.Code)
	s.row("Period from", dateCell{st.Period.From})
	s.row("Period to", dateCell{st.Period.To})
	s.row("Run", st.RunID)
	if st.Provisional {
		s.row("Status", styled{statusText(true, st.AsOf), "alert"})
	} else {
		s.row("Status", statusText(false, st.AsOf))
	}
	s.skip()
	s.header("Program", "Name", "Type", "Version", "Measure kind", "Measure", "Tier reached", "Next tier",
		"Counted sales", "Not counted", "Currency", "Amount")
	for i := range st.Programs {
		p := &st.Programs[i]
		s.row(p.ProgramID, p.Name, p.Type, p.ProgramVersion, p.MeasureKind, numberCell{p.Measure}, p.Tier, p.NextTier,
			p.CountedSales, p.ExcludedSales, p.Currency.Code, money(p.Amount, p.Currency))
	}
	for _, a := range st.Adjustments {
		s.row(a.ProgramID, a.Reason, "adjustment: "+a.Kind, nil, nil, nil, nil, nil, nil, nil, a.Currency.Code, money(a.Amount, a.Currency))
	}
	for _, t := range st.Totals {
		s.row(styled{"Total " + t.Currency.Code, "totallabel"}, nil, nil, nil, nil, nil, nil, nil, nil, nil,
			styled{t.Currency.Code, "totallabel"}, moneyCell{v: t.Amount, c: t.Currency, bold: true})
	}
	if len(st.Flags) > 0 {
		s.skip()
		s.row(styled{"Notes", "bold"})
		for _, fl := range st.Flags {
			s.row(fl)
		}
	}
}

func writePrograms(s *sheet, st *Statement) {
	s.widths(22, 30, 8, 12, 100, 16, 10, 16)
	s.header("Program", "Name", "Version", "Step", "Formula", "Unrounded", "Currency", "Amount")
	for i := range st.Programs {
		p := &st.Programs[i]
		for j, f := range p.Formula {
			s.row(p.ProgramID, p.Name, p.ProgramVersion, j+1, f)
		}
		rounding := p.Rounding
		if rounding == "" {
			rounding = "half_up"
		}
		s.row(p.ProgramID, p.Name, p.ProgramVersion, "result",
			fmt.Sprintf("unrounded %s rounded %s to %s", p.Unrounded.String(), rounding, moneyText(p.Amount, p.Currency)),
			numberCell{p.Unrounded}, p.Currency.Code, money(p.Amount, p.Currency))
	}
	s.freezeHeader()
}

// writeSales writes one row per sale: its facts, then one column per
// program in effect holding the sale's credit where it counted (so a
// column's sum is the payee's credited units), then the programs it did not
// count for, grouped under their reasons.
func writeSales(s *sheet, st *Statement) {
	k := newSaleKey(st)
	s.stream()
	widths := []float64{12, 12, 20, 10, 10, 10, 10, 6, 14}
	titles := []string{"Date", "Deal", "VIN", "Model", "Model year", "Sale type", "Condition", "Qty", "Sale amount"}
	lead := len(titles)
	for _, id := range k.programs {
		widths = append(widths, max(10, float64(len(id))+2))
		titles = append(titles, id)
	}
	s.widths(append(widths, 60, 44)...)
	s.freezeHeader()
	s.header(append(titles, "Not counted", "Flag")...)
	row := make([]any, lead+len(k.programs)+2)
	for i := range st.Sales {
		sl := &st.Sales[i]
		clear(row)
		row[0], row[1], row[2], row[3] = dateCell{sl.Date}, sl.DealID, sl.VIN, sl.Model
		if sl.ModelYear != 0 {
			row[4] = sl.ModelYear
		}
		row[5], row[6], row[7] = sl.SaleType, sl.Condition, sl.Quantity
		if !sl.Amount.IsZero() {
			row[8] = money(sl.Amount, incent.Currency{Minor: k.minor})
		}
		for _, o := range sl.Outcomes {
			if o.Counted {
				row[lead+k.progNum[o.ProgramID]-1] = numberCell{o.Credit}
			}
		}
		switch {
		case len(sl.Outcomes) == 0:
			row[len(row)-2] = "no program in effect"
		default:
			row[len(row)-2] = notCountedText(sl)
		}
		row[len(row)-1] = sl.Flag
		s.row(row...)
	}
	s.filter(len(row))
	s.flush()
}

// notCountedText lists the programs a sale did not count for under their
// reasons, in order of first appearance: "condition used not in [new]:
// COOP-Q3, VOL-Q3; family ev not in [truck]: TRK-Q3".
func notCountedText(sl *SaleLine) string {
	// A sale has a handful of reasons: a list searched in order beats a map.
	type group struct {
		reason string
		first  int // outcome index of the group's first program
		n      int
	}
	var groups [8]group
	gs := groups[:0]
	size := 0
	for i, o := range sl.Outcomes {
		if o.Counted {
			continue
		}
		found := false
		for g := range gs {
			if gs[g].reason == o.Reason {
				gs[g].n++
				found = true
				break
			}
		}
		if !found {
			gs = append(gs, group{reason: o.Reason, first: i, n: 1})
			size += len(o.Reason) + 4
		}
		size += len(o.ProgramID) + 2
	}
	b := make([]byte, 0, size)
	for g, gr := range gs {
		if g > 0 {
			b = append(b, "; "...)
		}
		b = append(b, gr.reason...)
		b = append(b, ": "...)
		k := 0
		for _, o := range sl.Outcomes[gr.first:] {
			if o.Counted || o.Reason != gr.reason {
				continue
			}
			if k > 0 {
				b = append(b, ", "...)
			}
			b = append(b, o.ProgramID...)
			if k++; k == gr.n {
				break
			}
		}
	}
	return string(b)
}

// saleAmountMinor is the number of decimals sale amounts are shown with: the
// currency of the statement's programs when they agree, else 2.
func saleAmountMinor(st *Statement) int32 {
	minor := int32(-1)
	for i := range st.Programs {
		m := st.Programs[i].Currency.Minor
		if minor >= 0 && m != minor {
			return 2
		}
		minor = m
	}
	if minor < 0 {
		return 2
	}
	return minor
}

func writeAdjustments(s *sheet, st *Statement) {
	s.widths(12, 22, 10, 16, 80)
	s.header("Kind", "Program", "Currency", "Amount", "Reason")
	for _, a := range st.Adjustments {
		s.row(a.Kind, a.ProgramID, a.Currency.Code, money(a.Amount, a.Currency), a.Reason)
	}
	s.freezeHeader()
}

func writeClaims(s *sheet, st *Statement) {
	s.widths(14, 22, 12, 12, 10, 16, 16, 14, 60)
	s.header("Claim", "Program", "Invoice date", "Submitted", "Currency", "Spend", "Paid", "Outcome", "Reason")
	for _, c := range st.Claims {
		s.row(c.ClaimID, c.ProgramID, dateCell{c.InvoiceDate}, dateCell{c.SubmittedDate}, c.Currency.Code,
			money(c.Spend, c.Currency), money(c.Paid, c.Currency), c.Outcome, c.Reason)
	}
	s.freezeHeader()
}

func writeDisputes(s *sheet, st *Statement) {
	s.widths(14, 22, 12, 70, 10, 16, 12)
	s.header("Dispute", "Program", "Opened", "Claim", "Currency", "Amount", "Status")
	for _, x := range st.Disputes {
		amount := any(nil)
		if x.HasAmount {
			amount = money(x.Amount, x.Currency)
		}
		s.row(x.ID, x.ProgramID, dateCell{x.Opened}, x.Claim, x.Currency.Code, amount, x.Status)
	}
	s.freezeHeader()
}

func nonEmpty(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}
