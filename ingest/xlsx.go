package ingest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// headerSearchRows is how many rows of a sheet may hold titles above the
// header row.
const headerSearchRows = 20

// xlsxSource streams a sheet's rows. The workbook itself is read into memory
// (a zip needs random access); rows are then parsed one at a time.
type xlsxSource struct {
	file     string
	f        *excelize.File
	rows     *excelize.Rows
	row      int
	date1904 bool
}

// rawCells asks for cells as stored: numbers and date serials as their
// plain text, not formatted for display.
func rawCells() excelize.Options { return excelize.Options{RawCellValue: true} }

// openXLSX opens the profile's sheet (or the first) and finds the header
// row: the first of the top rows that holds every required column.
func openXLSX(file string, r io.Reader, sc *schema, p *Profile) (src *xlsxSource, lay *layout, err error) {
	var s *xlsxSource
	defer func() {
		// A damaged workbook must be a clear error, never a crash of the run.
		if v := recover(); v != nil {
			if s != nil {
				s.close()
			}
			src, lay, err = nil, nil, &FileError{File: file, Msg: fmt.Sprintf("the workbook is damaged (%v); expected an .xlsx file saved by a spreadsheet program", v)}
		}
	}()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, &FileError{File: file, Msg: "cannot read the file: " + err.Error()}
	}
	unzipped, err := unzippedSize(data)
	if err != nil {
		return nil, nil, &FileError{File: file, Msg: "not a readable XLSX workbook (" + err.Error() + "); expected .xlsx, or CSV saved as UTF-8"}
	}
	opts := rawCells()
	opts.UnzipSizeLimit = unzipped + 1
	// Sheets stay in memory: above this limit the spreadsheet library
	// would unpack them into the system's temporary folder, and a command
	// writes nothing outside the database and out/. It costs about the
	// sheet's unpacked size, some 600 bytes a row.
	opts.UnzipXMLSizeLimit = opts.UnzipSizeLimit
	f, err := excelize.OpenReader(bytes.NewReader(data), opts)
	if err != nil {
		return nil, nil, &FileError{File: file, Msg: "not a readable XLSX workbook (" + err.Error() + "); expected .xlsx, or CSV saved as UTF-8"}
	}
	s = &xlsxSource{file: file, f: f}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		s.date1904 = *props.Date1904
	}
	sheets := f.GetSheetList()
	sheet := ""
	if p.Sheet == "" {
		if len(sheets) > 0 {
			sheet = sheets[0]
		}
	} else {
		for _, name := range sheets {
			if name == p.Sheet {
				sheet = name
				break
			}
		}
		if sheet == "" {
			for _, name := range sheets {
				if strings.EqualFold(strings.TrimSpace(name), strings.TrimSpace(p.Sheet)) {
					sheet = name
					break
				}
			}
		}
	}
	if sheet == "" {
		s.close()
		return nil, nil, &FileError{File: file, Msg: fmt.Sprintf("sheet %q not found; sheets: %s", p.Sheet, strings.Join(sheets, ", "))}
	}
	s.rows, err = f.Rows(sheet)
	if err != nil {
		s.close()
		return nil, nil, &FileError{File: file, Msg: fmt.Sprintf("sheet %q cannot be read: %v", sheet, err)}
	}
	var (
		bestHeader  []string
		bestRow     int
		bestMissing []int
		seen        bool
	)
	for s.row < headerSearchRows && s.rows.Next() {
		s.row++
		cells, err := s.rows.Columns(rawCells())
		if err != nil {
			s.close()
			return nil, nil, &FileError{File: file, Row: s.row, Msg: "row cannot be read: " + err.Error()}
		}
		if isBlank(cells) {
			continue
		}
		lay, missing, err := resolveHeader(sc, p, cells)
		if err != nil {
			s.close()
			return nil, nil, &FileError{File: file, Row: s.row, Msg: err.Error()}
		}
		if len(missing) == 0 {
			return s, lay, nil
		}
		if !seen || len(missing) < len(bestMissing) {
			bestHeader, bestRow, bestMissing, seen = cells, s.row, missing, true
		}
	}
	if err := s.rows.Error(); err != nil {
		s.close()
		return nil, nil, &FileError{File: file, Row: s.row + 1, Msg: "row cannot be read: " + err.Error()}
	}
	s.close()
	if !seen {
		return nil, nil, &FileError{File: file, Msg: fmt.Sprintf("sheet %q is empty; expected a header row and data rows", sheet)}
	}
	return nil, nil, missingColumnsError(file, bestRow, sc, p, bestHeader, bestMissing)
}

// Limits on what a workbook may unpack to. Deflate cannot expand data more
// than about 1032 times, so a larger claim in a zip header is damage (or a
// zip bomb); without this check the reader would reserve memory for the
// claimed size before finding out.
const (
	maxDeflateRatio  = 1100
	maxWorkbookBytes = 4 << 30
)

// unzippedSize checks the sizes a workbook's zip directory claims and
// returns their total.
func unzippedSize(data []byte) (int64, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return 0, err
	}
	var total uint64
	for _, zf := range zr.File {
		if zf.UncompressedSize64 > maxDeflateRatio*zf.CompressedSize64+4096 {
			return 0, fmt.Errorf("part %s claims to unpack %d bytes from %d: the zip is damaged", zf.Name, zf.UncompressedSize64, zf.CompressedSize64)
		}
		total += zf.UncompressedSize64
		if total > maxWorkbookBytes {
			return 0, fmt.Errorf("the workbook unpacks to more than %d GB; export it as CSV instead", maxWorkbookBytes>>30)
		}
	}
	return int64(total), nil
}

func (s *xlsxSource) next() (rec []string, row int, err error) {
	defer func() {
		if v := recover(); v != nil {
			rec, err = nil, &FileError{File: s.file, Row: s.row, Msg: fmt.Sprintf("the workbook is damaged (%v)", v)}
		}
	}()
	for s.rows.Next() {
		s.row++
		cells, err := s.rows.Columns(rawCells())
		if err != nil {
			return nil, s.row, &FileError{File: s.file, Row: s.row, Msg: "row cannot be read: " + err.Error()}
		}
		if isBlank(cells) {
			continue
		}
		return cells, s.row, nil
	}
	if err := s.rows.Error(); err != nil {
		return nil, s.row, &FileError{File: s.file, Row: s.row + 1, Msg: "row cannot be read: " + err.Error()}
	}
	return nil, 0, io.EOF
}

func (s *xlsxSource) close() {
	if s.rows != nil {
		_ = s.rows.Close()
	}
	_ = s.f.Close()
}
