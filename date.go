package incent

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Date is a calendar date without time or zone, counted in days since
// 1970-01-01. It is compact (sales carry several) and cannot leak a time zone
// into a result.
type Date int32

// NoDate is the zero value used for an absent optional date.
const NoDate Date = -1 << 31

// DateOf returns the date for a year, month and day; out-of-range parts
// normalise as time.Date does.
func DateOf(y int, m time.Month, d int) Date {
	return Date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// DateFromTime returns the calendar date of t in t's own location.
func DateFromTime(t time.Time) Date {
	y, m, d := t.Date()
	return DateOf(y, m, d)
}

// ParseDate parses an ISO date (2006-01-02).
func ParseDate(s string) (Date, error) {
	return ParseDateLayout(s, "2006-01-02")
}

// ParseDateLayout parses a date in a Go time layout, such as "01/02/2006".
func ParseDateLayout(s, layout string) (Date, error) {
	t, err := time.ParseInLocation(layout, strings.TrimSpace(s), time.UTC)
	if err != nil {
		return NoDate, fmt.Errorf("%q is not a date in the form %s", s, layoutHint(layout))
	}
	return DateFromTime(t), nil
}

func layoutHint(layout string) string {
	r := strings.NewReplacer("2006", "YYYY", "01", "MM", "02", "DD", "1", "M", "2", "D", "06", "YY")
	return r.Replace(layout)
}

// Time returns midnight UTC of the date.
func (d Date) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// IsZero reports whether the date is absent.
func (d Date) IsZero() bool { return d == NoDate }

// AddDays returns the date n days later.
func (d Date) AddDays(n int) Date { return d + Date(n) }

// String formats the date as 2006-01-02, or "" when absent.
func (d Date) String() string {
	if d == NoDate {
		return ""
	}
	var b [10]byte
	return string(d.Append(b[:0]))
}

// Append appends the date as String writes it.
func (d Date) Append(b []byte) []byte {
	if d == NoDate {
		return b
	}
	y, m, day := d.Time().Date()
	if y < 0 || y > 9999 {
		return append(b, d.Time().Format("2006-01-02")...)
	}
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+int(m)/10), byte('0'+int(m)%10), '-', byte('0'+day/10), byte('0'+day%10))
}

// Month returns the date's month as 2006-01.
func (d Date) Month() string { return d.Time().Format("2006-01") }

// Year returns the date's year.
func (d Date) Year() int { return d.Time().Year() }

// Period is an inclusive range of calendar dates named by its code:
// 2024Q3 (quarter), 2024-08 (month) or 2024 (year).
type Period struct {
	Code string
	From Date
	To   Date
}

// ParsePeriod parses a period code.
func ParsePeriod(s string) (Period, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("period %q is not a quarter (2024Q3), a month (2024-08) or a year (2024)", s)
	switch {
	case len(s) == 6 && (s[4] == 'Q' || s[4] == 'q'):
		y, err := strconv.Atoi(s[:4])
		q := int(s[5] - '0')
		if err != nil || q < 1 || q > 4 || y < 1900 {
			return Period{}, bad
		}
		from := DateOf(y, time.Month(3*q-2), 1)
		to := DateOf(y, time.Month(3*q+1), 1) - 1
		return Period{Code: fmt.Sprintf("%04dQ%d", y, q), From: from, To: to}, nil
	case len(s) == 7 && s[4] == '-':
		y, err1 := strconv.Atoi(s[:4])
		m, err2 := strconv.Atoi(s[5:])
		if err1 != nil || err2 != nil || m < 1 || m > 12 || y < 1900 {
			return Period{}, bad
		}
		return Period{Code: fmt.Sprintf("%04d-%02d", y, m), From: DateOf(y, time.Month(m), 1), To: DateOf(y, time.Month(m+1), 1) - 1}, nil
	case len(s) == 4:
		y, err := strconv.Atoi(s)
		if err != nil || y < 1900 {
			return Period{}, bad
		}
		return Period{Code: s, From: DateOf(y, 1, 1), To: DateOf(y+1, 1, 1) - 1}, nil
	}
	return Period{}, bad
}

// Contains reports whether d falls in the period.
func (p Period) Contains(d Date) bool { return d >= p.From && d <= p.To }

// String returns the period code.
func (p Period) String() string { return p.Code }
