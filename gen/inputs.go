package gen

import (
	"strconv"

	"github.com/incent/incent"
)

// objectives writes unit objectives for this period and the one before
// (the file keeps history, which calc ignores). Objectives are set around
// what each dealer is expected to sell, so attainment spreads over the
// tiers; about 2% of dealers have none and are excluded with that reason.
func (w *writer) objectives() error {
	r := newSource(w.o.Seed, streamObjectives)
	f, err := w.create("data/objectives.csv")
	if err != nil {
		return err
	}
	f.header("dealer_code,period,objective_key,units")
	prev := prevPeriod(w.o.Period)
	for _, per := range []incent.Period{prev, w.o.Period} {
		keys := []struct {
			key string
			pm  int // share of the dealer's rows the objective counts, per mille
		}{
			{objectiveKey(per), 540}, // new retail
			{suvObjectiveProgram(per), 270},
		}
		for i := range w.ds.list {
			d := &w.ds.list[i]
			if per.Code == w.o.Period.Code && r.permille(20) {
				continue
			}
			for _, k := range keys {
				key := k.key
				eligible := max(1, d.expected*k.pm/1000)
				units := max(1, eligible*100/r.between(80, 125))
				text := strconv.Itoa(units)
				if r.permille(3) {
					if r.permille(500) {
						text = "-" + text // rejected: negative
					} else {
						text = "about " + text // rejected: not a number
					}
				}
				f.line(func(b []byte) []byte {
					b = append(b, d.code...)
					b = append(b, ',')
					b = append(b, per.Code...)
					b = append(b, ',')
					b = append(b, key...)
					b = append(b, ',')
					return append(b, text...)
				})
				f.rows++
			}
		}
	}
	return w.close(f, true)
}

// certifications writes dealer certifications: EV, CX and TRUCK-PRO, most
// held since before the period, some gained or lost during it, and some
// expired rows kept as history.
func (w *writer) certifications() error {
	r := newSource(w.o.Seed, streamCertifications)
	f, err := w.create("data/certifications.csv")
	if err != nil {
		return err
	}
	f.header("dealer_code,certification,valid_from,valid_to")
	p := w.o.Period
	dt := newDateTexts(p)
	span := int(p.To - p.From)
	for i := range w.ds.list {
		d := &w.ds.list[i]
		truckPM := 150
		if rc := regions[d.region].code; rc == "CENTRAL" || rc == "SOUTH" {
			truckPM = 350
		}
		for _, c := range []struct {
			name string
			pm   int
		}{{"EV", 600}, {"CX", 450}, {"TRUCK-PRO", truckPM}} {
			if !r.permille(c.pm) {
				continue
			}
			from := p.From - incent.Date(r.between(30, 900))
			to := incent.NoDate
			switch x := r.intn(100); {
			case x < 5: // gained during the period
				from = p.From + incent.Date(r.between(1, max(1, span-1)))
			case x < 9: // lost during the period
				to = p.From + incent.Date(r.between(0, max(0, span-1)))
			case x < 40:
				to = p.To + incent.Date(r.between(180, 720))
			}
			if r.permille(100) { // an older, expired certification
				old := from - incent.Date(r.between(400, 800))
				oldTo := from - 1 - incent.Date(r.between(0, 60))
				f.line(func(b []byte) []byte { return certRow(b, dt, d.code, c.name, old, oldTo) })
				f.rows++
			}
			if r.permille(3) { // rejected: valid_to before valid_from
				to = from - 10
			}
			f.line(func(b []byte) []byte { return certRow(b, dt, d.code, c.name, from, to) })
			f.rows++
		}
	}
	return w.close(f, true)
}

func certRow(b []byte, dt *dateTexts, dealer, cert string, from, to incent.Date) []byte {
	b = append(b, dealer...)
	b = append(b, ',')
	b = append(b, cert...)
	b = append(b, ',')
	b = append(b, dt.of(from)...)
	b = append(b, ',')
	if to != incent.NoDate {
		b = append(b, dt.of(to)...)
	}
	return b
}

// claims writes co-op claims against the co-op programs: a few per dealer,
// sized to its fund, most pre-approved and on time; some not pre-approved,
// invoiced outside the period or submitted after the deadline.
func (w *writer) claims() error {
	r := newSource(w.o.Seed, streamClaims)
	f, err := w.create("data/coop-claims.csv")
	if err != nil {
		return err
	}
	f.header("claim_id,dealer_code,program_id,spend_amount,invoice_date,submitted_date,preapproved")
	p := w.o.Period
	dt := newDateTexts(p)
	span := int(p.To - p.From)
	all, ev, ca := coopPrograms(p)
	id := 0
	for i := range w.ds.list {
		d := &w.ds.list[i]
		type fund struct {
			prog     string
			cents    int64 // the dealer's expected fund
			reimb    int64 // per mille
			deadline int
		}
		funds := []fund{
			{all, int64(d.expected) * 60 / 100 * 15000, 500, 45},
			{ev, int64(d.expected) * 8 / 100 * 4500000 * 5 / 1000, 750, 30},
		}
		if regions[d.region].code == "CA" {
			funds = append(funds, fund{ca, int64(d.expected) * 70 / 100 * 12000, 500, 60})
		}
		for _, fd := range funds {
			if fd.cents <= 0 || r.permille(150) {
				continue
			}
			n := min(12, 1+r.intn(3)+d.expected/400)
			for k := 0; k < n; k++ {
				id++
				// Spend so that reimbursements use 40% to 130% of the fund.
				spend := fd.cents * int64(r.between(400, 1300)) / 1000 * 1000 / fd.reimb / int64(n)
				spend = max(spend/100*100, 25000)
				invoice := p.From + incent.Date(r.between(0, span))
				if r.permille(60) {
					invoice = p.From - incent.Date(r.between(1, 40)) // outside the period
				}
				submitted := invoice + incent.Date(r.between(3, 30))
				if r.permille(60) {
					submitted = p.To + incent.Date(fd.deadline+r.between(1, 30)) // late
				}
				pre := "yes"
				if r.permille(120) {
					pre = "no"
				}
				spendText := ""
				if r.permille(3) {
					spendText = "-" // rejected: negative spend
				}
				cid := id
				prog := fd.prog
				f.line(func(b []byte) []byte {
					b = append(b, "CL-"...)
					b = appendPadded(b, cid, 6)
					b = append(b, ',')
					b = append(b, d.code...)
					b = append(b, ',')
					b = append(b, prog...)
					b = append(b, ',')
					b = append(b, spendText...)
					b = appendCents(b, spend)
					b = append(b, ',')
					b = append(b, dt.of(invoice)...)
					b = append(b, ',')
					b = append(b, dt.of(submitted)...)
					b = append(b, ',')
					return append(b, pre...)
				})
				f.rows++
			}
		}
	}
	return w.close(f, true)
}

// appendPadded appends n with leading zeros to at least width digits.
func appendPadded(b []byte, n, width int) []byte {
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
