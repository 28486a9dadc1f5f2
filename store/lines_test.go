package store

import (
	"context"
	"strings"
	"testing"
)

// TestDecodeLines reads texts as SQLite's JSON functions may write them
// (whitespace, every escape) and refuses what is not a list of lines.
func TestDecodeLines(t *testing.T) {
	line := func(payee, amount string, version int) Line {
		return Line{PayeeType: "dealer", Payee: payee, ProgramID: "P", ProgramVersion: version, Kind: "calc", Currency: "USD", Measure: "3", Tier: "1", Amount: amount}
	}
	tests := []struct {
		name string
		text string
		want []Line
		err  string
	}{
		{"empty", `[]`, nil, ""},
		{"empty with spaces", " [ \n] \t", nil, ""},
		{"one", `[["dealer","D001","P",1,"calc","USD","3","1","300.00"]]`, []Line{line("D001", "300.00", 1)}, ""},
		{"two with whitespace", "[ [\"dealer\" , \"D001\",\"P\",\n2,\"calc\",\"USD\",\"3\",\"1\",\"1.00\"] ,\r\n[\"dealer\",\"D002\",\"P\",-1,\"calc\",\"USD\",\"3\",\"1\",\"2.00\"] ]",
			[]Line{line("D001", "1.00", 2), line("D002", "2.00", -1)}, ""},
		{"escapes", `[["dealer","a\"b\\c\/d\b\f\n\r\t\u0000\u001f","P",1,"calc","USD","3","1","x"]]`, []Line{line("a\"b\\c/d\b\f\n\r\t\x00\x1f", "x", 1)}, ""},
		{"unicode escapes", `[["dealer","\u00fc\u65e5\ud83d\ude00","P",1,"calc","USD","3","1","x"]]`, []Line{line("ü日😀", "x", 1)}, ""},
		{"lone surrogate", `[["dealer","\ud83dx","P",1,"calc","USD","3","1","x"]]`, []Line{line("\uFFFDx", "x", 1)}, ""},
		{"raw bytes", "[[\"dealer\",\"\xff\xfe日\",\"P\",1,\"calc\",\"USD\",\"3\",\"1\",\"x\"]]", []Line{line("\xff\xfe日", "x", 1)}, ""},
		{"not an array", `{}`, nil, `byte 0 is '{' where '[' was expected`},
		{"short line", `[["dealer","D001","P",1]]`, nil, `byte 23 is ']' where ',' was expected`},
		{"version as text", `[["dealer","D001","P","1","calc","USD","3","1","x"]]`, nil, `where a version number was expected`},
		{"unclosed string", `[["dealer","D001`, nil, `the text ends where '"' was expected`},
		{"bad escape", `[["dealer","D\x01","P",1,"calc","USD","3","1","x"]]`, nil, `where an escape was expected`},
		{"short unicode escape", `[["dealer","\u00","P",1,"calc","USD","3","1","x"]]`, nil, `where four hexadecimal digits was expected`},
		{"unclosed list", `[["dealer","D001","P",1,"calc","USD","3","1","x"]`, nil, `the text ends where ',' or ']' was expected`},
		{"trailing text", `[]x`, nil, `byte 2 is 'x' where the end of the text was expected`},
		{"trailing comma", `[["dealer","D001","P",1,"calc","USD","3","1","x"],]`, nil, `where '[' was expected`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeLines(nil, tt.text)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d lines, want %d: %#v", len(got), len(tt.want), got)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("line %d = %#v, want %#v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestRowLinesStillRead reads a run stored one row per line, as every run
// was before migration 0003: GetRun, the view and verify see its lines.
func TestRowLinesStillRead(t *testing.T) {
	db := MustOpenDB(t)
	tx := mustBegin(t, db)
	lines := []Line{
		{PayeeType: "dealer", Payee: "D001", ProgramID: "P", ProgramVersion: 1, Kind: "calc", Currency: "USD", Measure: "3", Tier: "1", Amount: "300.00"},
		{PayeeType: "salesperson", Payee: "D001-S1", ProgramID: "Q", ProgramVersion: 2, Kind: "calc", Currency: "USD", Measure: "1.5", Tier: "", Amount: "15.00"},
	}
	r := &Run{ID: "2024Q2-R001", Period: "2024Q2", Seq: 1, Status: "final", Digest: Digest("2024Q2", lines), Manifest: "{}"}
	if err := tx.AddRunHead(r); err != nil {
		t.Fatal(err)
	}
	for i, l := range lines {
		if _, err := tx.tx.Exec(`INSERT INTO payout_lines (run_id, n, payee_type, payee, program_id, program_version, kind, currency, measure, tier, amount)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, i+1, l.PayeeType, l.Payee, l.ProgramID, l.ProgramVersion, l.Kind, l.Currency, l.Measure, l.Tier, l.Amount); err != nil {
			t.Fatal(err)
		}
	}
	got, err := tx.GetRun(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	viewed := viewLines(t, tx, r.ID)
	for _, read := range [][]Line{got.Lines, viewed} {
		if len(read) != len(lines) || read[0] != lines[0] || read[1] != lines[1] {
			t.Fatalf("read back %#v, want %#v", read, lines)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, broken, err := db.Verify(context.Background()); err != nil || broken != "" {
		t.Errorf("verify: %q, %v", broken, err)
	}
}

// FuzzDecodeLines decodes arbitrary texts without panicking, and reads back
// every text appendLinesJSON writes as the lines it was written from.
func FuzzDecodeLines(f *testing.F) {
	f.Add(`[["dealer","D001","P",1,"calc","USD","3","1","300.00"]]`, "D\"0\\01\x00", -7)
	f.Add(`[ ["a","\u00e9\ud83d\ude00",  "P", 2 ,"k","c","m","t","a"] ]`, "\xff", 0)
	f.Fuzz(func(t *testing.T, text, payee string, version int) {
		if _, err := decodeLines(nil, text); err != nil && !strings.Contains(err.Error(), "expected") {
			t.Fatalf("error %q names nothing expected", err)
		}
		want := []Line{{PayeeType: "dealer", Payee: payee, ProgramID: text, ProgramVersion: version, Kind: payee, Currency: "USD", Measure: text, Tier: payee, Amount: "1.00"}, {}}
		got, err := decodeLines(nil, string(appendLinesJSON(nil, want)))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Fatalf("read back %#v, want %#v", got, want)
		}
	})
}
