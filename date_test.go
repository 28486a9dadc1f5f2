package incent

import "testing"

// TestDateString spells dates by hand, and holds every day from 1899 to
// 2101 and a few far ones to time's own formatting.
func TestDateString(t *testing.T) {
	for _, tc := range []struct {
		d    Date
		want string
	}{
		{NoDate, ""},
		{DateOf(2024, 7, 1), "2024-07-01"},
		{DateOf(2024, 12, 31), "2024-12-31"},
		{DateOf(2000, 2, 29), "2000-02-29"},
		{DateOf(1970, 1, 1), "1970-01-01"},
		{DateOf(1969, 12, 31), "1969-12-31"},
		{DateOf(999, 3, 4), "0999-03-04"},
	} {
		if got := tc.d.String(); got != tc.want {
			t.Errorf("%d: String() = %q, want %q", tc.d, got, tc.want)
		}
		if got := string(tc.d.Append([]byte("x"))); got != "x"+tc.want {
			t.Errorf("%d: Append = %q, want %q", tc.d, got, "x"+tc.want)
		}
	}
	for d := DateOf(1899, 1, 1); d <= DateOf(2101, 12, 31); d++ {
		if got, want := d.String(), d.Time().Format("2006-01-02"); got != want {
			t.Fatalf("%d: String() = %q, want %q", d, got, want)
		}
	}
	for _, d := range []Date{DateOf(10000, 1, 1), DateOf(-1, 6, 1), DateOf(0, 1, 1), DateOf(9999, 12, 31)} {
		if got, want := d.String(), d.Time().Format("2006-01-02"); got != want {
			t.Errorf("%d: String() = %q, want %q", d, got, want)
		}
	}
}
