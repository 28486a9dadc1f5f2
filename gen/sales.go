package gen

import (
	"strconv"

	"github.com/incent/incent"
)

// model is a vehicle model with its VIN descriptor and base price.
type model struct {
	code, family, wmi, vds string
	msrp                   int64 // base MSRP in whole currency units
	weight                 int64 // share of new sales
	ev                     bool
}

var models = []model{
	{"SED1", "sedan", "1NC", "SD1AB", 27900, 14, false},
	{"SED2", "sedan", "1NC", "SD2AC", 34500, 10, false},
	{"SUV1", "suv", "1NC", "SU1AB", 42500, 18, false},
	{"SUV2", "suv", "2NC", "SU2AB", 48900, 14, false},
	{"SUV3", "suv", "1NC", "SU3AC", 56900, 6, false},
	{"TRK1", "truck", "1NC", "TK1AB", 46500, 12, false},
	{"TRK2", "truck", "3NC", "TK2AD", 61500, 5, false},
	{"EV1", "ev", "1NC", "EV1AB", 45500, 7, true},
	{"EV2", "ev", "1NC", "EV2AC", 58900, 4, true},
	{"VAN1", "van", "2NC", "VN1AB", 39900, 4, false},
	{"HYB1", "hybrid", "1NC", "HY1AB", 33900, 6, false},
}

// modelTable returns, per region, cumulative model weights: EVs and
// hybrids sell better in the west, trucks in the centre and south.
func modelTable() [][]int64 {
	out := make([][]int64, len(regions))
	for ri, rg := range regions {
		w := make([]int64, len(models))
		for mi, m := range models {
			w[mi] = m.weight * 10
			switch {
			case rg.code == "WEST" && (m.ev || m.family == "hybrid"):
				w[mi] = m.weight * 25
			case (rg.code == "CENTRAL" || rg.code == "SOUTH") && m.family == "truck":
				w[mi] = m.weight * 16
			}
		}
		out[ri] = cumulative(w)
	}
	return out
}

// The sales columns, in the order of the header.
const salesHeader = "deal_id,vin,dealer_code,sale_date,sale_type,condition,model_code,model_year,family,msrp,sale_amount,quantity," +
	"delivering_dealer,salesperson,split,rebate_code,rebate_amount,claim_date"

const (
	colDealID = iota
	colVIN
	colDealer
	colSaleDate
	colSaleType
	colCondition
	colModel
	colModelYear
	colFamily
	colMSRP
	colSaleAmount
	colQuantity
	colDelivering
	colSalesperson
	colSplit
	colRebateCode
	colRebateAmount
	colClaimDate
	numCols
)

// saleRow is one sales row before it is written.
type saleRow struct {
	dealer     int
	deal       int
	vin        [17]byte
	date       incent.Date
	saleType   string
	condition  string
	model      int
	year       int
	yearBlank  bool
	msrp       int64 // cents; -1 when blank
	amount     int64 // cents; -1 when blank
	grouped    bool  // money written as "$45,250.00"
	qty        int
	delivering int // dealer index, -1 when none
	people     [2]int
	share      int // percent of the first salesperson when there are two
	npeople    int
	partner    int // split partner, -1 when none
	split      int // percent of the selling dealer in a split
	rebate     string
	rebateAmt  int64 // cents; -1 when blank
	claim      incent.Date

	badCol  int // column whose text is replaced by badText; -1 when none
	badText string
}

// salesGen draws sales rows.
type salesGen struct {
	r       *source
	o       Options
	ds      *dealerSet
	models  [][]int64
	dates   *dateTexts
	deals   []int // next deal number per dealer
	serial  int   // next VIN serial
	counts  *SalesCount
	last    saleRow // the last ordinary sale, for duplicates and key clashes
	hasLast bool
}

var (
	newTypes  = cumulative([]int64{66, 20, 7, 3, 2, 2})
	newNames  = []string{"retail", "lease", "fleet", "demo", "loaner", "employee"}
	usedTypes = cumulative([]int64{92, 3, 5})
	usedNames = []string{"retail", "lease", "fleet"}
)

// dayWeights weighs each day of a month: Saturdays are busy, Sundays quiet,
// the last days of a month and the last week of the period busier.
func dayWeights(first incent.Date, p incent.Period) []int64 {
	t := first.Time()
	last := incent.DateOf(t.Year(), t.Month()+1, 1) - 1
	var w []int64
	for d := first; d <= last; d++ {
		x := int64(100)
		switch (int(d)%7 + 11) % 7 { // 0 = Sunday; 1970-01-01 was a Thursday
		case 0:
			x = 35
		case 6:
			x = 150
		}
		if last-d < 3 {
			x += 60
		}
		if p.To-d < 7 {
			x += 40
		}
		w = append(w, x)
	}
	return w
}

func (w *writer) sales() error {
	g := &salesGen{r: newSource(w.o.Seed, streamSales), o: w.o, ds: w.ds, models: modelTable(),
		dates: newDateTexts(w.o.Period), deals: make([]int, len(w.ds.list)), counts: &w.rep.Sales}
	for i := range g.deals {
		g.deals[i] = 10000 + g.r.intn(80000)
	}
	ms := months(w.o.Period)
	// Rows per month follow the day weights; the remainder goes to the
	// months in order.
	dayCum := make([][]int64, len(ms))
	monthW := make([]int64, len(ms))
	var totalW int64
	for i, m := range ms {
		dayCum[i] = cumulative(dayWeights(m, w.o.Period))
		monthW[i] = dayCum[i][len(dayCum[i])-1]
		totalW += monthW[i]
	}
	budget := make([]int, len(ms))
	left := w.o.Sales
	for i := range ms {
		budget[i] = int(int64(w.o.Sales) * monthW[i] / totalW)
		left -= budget[i]
	}
	for i := 0; left > 0; i = (i + 1) % len(ms) {
		budget[i]++
		left--
	}
	pending := make([][]saleRow, len(ms)) // reversals due in each month
	monthOf := func(d incent.Date) int {
		for i := len(ms) - 1; i >= 0; i-- {
			if d >= ms[i] {
				return i
			}
		}
		return 0
	}
	var buf saleRow
	for mi, first := range ms {
		f, err := w.create("data/sales/" + monthCode(first) + ".csv")
		if err != nil {
			return err
		}
		f.header(salesHeader)
		g.hasLast = false // duplicates and key clashes stay within one file
		for remaining := budget[mi]; remaining > 0; remaining-- {
			// Reversals due this month are spread over its rows.
			if n := len(pending[mi]); n > 0 && g.r.intn(remaining) < n {
				buf = pending[mi][n-1]
				pending[mi] = pending[mi][:n-1]
				g.counts.Reversals++
			} else {
				ordinary := g.next(&buf, first, dayCum[mi])
				// Schedule a reversal of about 1.5% of sales, 2 to 40
				// days later, if that is still in the period and the month
				// has room for it.
				if ordinary && g.r.permille(15) {
					rd := buf.date + incent.Date(g.r.between(2, 40))
					if rd <= w.o.Period.To {
						rm := monthOf(rd)
						room := budget[rm] / 10
						if rm == mi {
							room = min(room, remaining-1-len(pending[mi]))
						}
						if len(pending[rm]) < room {
							rev := buf
							rev.qty = -1
							rev.date = rd
							pending[rm] = append(pending[rm], rev)
						}
					}
				}
			}
			f.line(func(b []byte) []byte { return g.append(b, &buf) })
			f.rows++
			g.counts.Rows++
		}
		if err := w.close(f, true); err != nil {
			return err
		}
	}
	return nil
}

// next draws the next row: mostly an ordinary sale; now and then a bad
// row, an exact duplicate or a VIN sold again by another dealer. It reports
// whether the row is an ordinary sale, which a later row may reverse.
func (g *salesGen) next(s *saleRow, month incent.Date, dayCum []int64) bool {
	r := g.r
	switch x := r.intn(10000); {
	case x < 30: // 0.3%: a row incent rejects
		g.sale(s, month, dayCum)
		g.spoil(s)
		g.counts.Bad++
		return false
	case x < 40 && g.hasLast: // 0.1%: the same row exported twice
		*s = g.last
		g.counts.Duplicates++
		return false
	case x < 42 && g.hasLast: // 0.02%: a VIN claimed by a second dealer
		vin := g.last.vin
		g.sale(s, month, dayCum)
		s.vin = vin
		s.model, s.year, s.condition = g.last.model, g.last.year, g.last.condition
		g.counts.DoubleClaims++
		return false
	}
	g.sale(s, month, dayCum)
	if s.delivering >= 0 {
		g.counts.Trades++
	}
	if s.partner >= 0 {
		g.counts.Splits++
	}
	if s.rebate != "" {
		g.counts.Rebates++
	}
	g.last, g.hasLast = *s, true
	return true
}

// sale draws an ordinary sale in the month.
func (g *salesGen) sale(s *saleRow, month incent.Date, dayCum []int64) {
	r := g.r
	*s = saleRow{delivering: -1, partner: -1, badCol: -1, qty: 1, msrp: -1, amount: -1, rebateAmt: -1, claim: incent.NoDate}
	di := r.pick(g.ds.cum)
	d := &g.ds.list[di]
	s.dealer = di
	s.deal = g.deals[di]
	g.deals[di]++
	s.date = month + incent.Date(r.pick(dayCum))
	s.model = r.pick(g.models[d.region])
	m := &models[s.model]
	py := g.o.Period.From.Year()

	switch x := r.intn(100); {
	case x < 82:
		s.condition = "new"
	case x < 95:
		s.condition = "used"
	default:
		s.condition = "cpo"
	}
	base := m.msrp * 100
	if s.condition == "new" {
		s.saleType = newNames[r.pick(newTypes)]
		// The next model year arrives over the summer and autumn.
		calMonth := int(month.Time().Month())
		switch {
		case r.intn(1000) < max(0, calMonth-5)*90:
			s.year = py + 1
			base += base * 3 / 100
		case r.permille(30):
			s.year = py - 1
		default:
			s.year = py
		}
		msrp := (base/100 + 250*int64(r.intn(13))) * 100
		s.msrp = msrp
		pm := int64(0)
		switch s.saleType {
		case "retail", "lease":
			pm = int64(r.between(900, 990))
		case "fleet":
			pm = int64(r.between(800, 880))
		case "employee":
			pm = int64(r.between(850, 900))
		default:
			pm = int64(r.between(850, 950))
		}
		s.amount = msrp * pm / 1000 / 100 * 100
	} else {
		s.saleType = usedNames[r.pick(usedTypes)]
		age := 1 + r.intn(6)
		if s.condition == "cpo" {
			age = 1 + r.intn(4)
		}
		s.year = py - age
		pm := int64(850 - 70*age + r.between(-50, 50))
		s.amount = base * pm / 1000 / 100 * 100
	}
	g.serial++
	s.vin = makeVIN(m.wmi, m.vds, s.year, g.serial)
	s.yearBlank = r.permille(20)
	if r.permille(5) {
		s.amount = -1 // no sale amount in the export
	}
	s.grouped = r.permille(10)

	// Salespeople: one, two sharing the deal, or none (house and fleet deals).
	none := 70
	if s.saleType == "fleet" {
		none = 300
	}
	switch x := r.intn(1000); {
	case x < none:
	case x < none+80:
		s.npeople = 2
		s.people[0] = r.intn(d.people)
		s.people[1] = (s.people[0] + 1 + r.intn(max(1, d.people-1))) % d.people
		s.share = []int{50, 60, 70}[r.intn(3)]
		if s.people[0] == s.people[1] {
			s.npeople = 1
		}
	default:
		s.npeople = 1
		s.people[0] = r.intn(d.people)
	}

	if s.condition == "new" && (s.saleType == "retail" || s.saleType == "lease" || s.saleType == "fleet") {
		switch x := r.intn(1000); {
		case x < 30: // dealer trade: another dealer delivered the car
			s.delivering = g.ds.partner(r, di)
		case x < 42: // co-sold deal split between two rooftops
			if p := g.ds.partner(r, di); p >= 0 {
				s.partner = p
				s.split = []int{50, 60, 70}[r.intn(3)]
			}
		}
	}

	// Customer rebates.
	switch {
	case m.ev && s.condition == "new" && r.permille(350):
		if m.code == "EV2" || r.permille(500) {
			s.rebate = "CR-EV-1000"
		} else {
			s.rebate = "CR-EV-500"
		}
	case m.family == "truck" && s.condition == "new" && r.permille(100):
		s.rebate = "CR-TRK-1500"
	case s.condition == "new" && r.permille(50):
		s.rebate = "CR-LOYAL-750"
	case s.condition == "new" && r.permille(30):
		s.rebate = "CR-CONQ-1000"
	case s.condition == "new" && r.permille(5):
		s.rebate = "CR-SUMMER-250" // a code no program pays
	}
	if s.rebate != "" {
		amt := rebateCents(s.rebate)
		if r.permille(30) {
			amt -= 10000 // claimed at a different amount
		}
		s.rebateAmt = amt
		switch x := r.intn(100); {
		case x < 15: // claim date left empty: the sale date
		case x < 93:
			s.claim = s.date + incent.Date(r.between(0, 25))
		default: // late
			s.claim = s.date + incent.Date(r.between(31, 70))
		}
	}
}

func rebateCents(code string) int64 {
	switch code {
	case "CR-EV-1000", "CR-CONQ-1000":
		return 100000
	case "CR-EV-500":
		return 50000
	case "CR-LOYAL-750":
		return 75000
	case "CR-TRK-1500":
		return 150000
	}
	return 25000
}

// spoil turns an ordinary sale into one of the bad rows a DMS export holds.
func (g *salesGen) spoil(s *saleRow) {
	r := g.r
	kind := r.intn(14)
	if kind == 11 && !g.hasLast {
		kind = 0
	}
	switch kind {
	case 0: // a mistyped VIN: the check digit no longer matches
		s.vin = breakCheckDigit(s.vin)
	case 1:
		s.badCol, s.badText = colVIN, string(s.vin[:16]) // 16 characters
	case 2:
		s.badCol, s.badText = colDealer, "X"+g.ds.list[s.dealer].code // no such dealer
	case 3:
		if r.permille(500) {
			s.badCol, s.badText = colSaleDate, s.date.Time().Format("01/02/2006")
		} else {
			s.badCol, s.badText = colSaleDate, s.date.Time().Format("2006-01")+"-32"
		}
	case 4:
		s.badCol, s.badText = colSaleType, "rental"
	case 5:
		s.badCol, s.badText = colCondition, "certified"
	case 6:
		s.badCol, s.badText = colSaleAmount, "42.500,00"
	case 7:
		s.partner = g.ds.partner(r, s.dealer)
		if s.partner < 0 {
			s.partner = s.dealer
		}
		s.badCol = colSplit
		s.badText = g.ds.list[s.dealer].code + ":60;" + g.ds.list[s.partner].code + ":50"
		s.partner = -1
	case 8:
		s.badCol, s.badText = colQuantity, "2"
	case 9:
		s.badCol, s.badText = colModel, ""
	case 10: // a reversal of a sale that is in no export
		s.qty = -1
	case 11: // the last sale again, with a different amount
		*s = g.last
		if s.amount < 0 {
			s.amount = 1000000
		} else {
			s.amount += 50000
		}
	case 12:
		s.badCol, s.badText = colDelivering, "Z"+g.ds.list[s.dealer].code
	default:
		s.badCol, s.badText = colModelYear, strconv.Itoa(s.year%100)
	}
}

// append writes a row's cells.
func (g *salesGen) append(b []byte, s *saleRow) []byte {
	d := &g.ds.list[s.dealer]
	m := &models[s.model]
	for c := 0; c < numCols; c++ {
		if c > 0 {
			b = append(b, ',')
		}
		if c == s.badCol {
			b = appendField(b, s.badText)
			continue
		}
		switch c {
		case colDealID:
			b = append(b, d.code...)
			b = append(b, '-')
			b = strconv.AppendInt(b, int64(s.deal), 10)
		case colVIN:
			b = append(b, s.vin[:]...)
		case colDealer:
			b = append(b, d.code...)
		case colSaleDate:
			b = append(b, g.dates.of(s.date)...)
		case colSaleType:
			b = append(b, s.saleType...)
		case colCondition:
			b = append(b, s.condition...)
		case colModel:
			b = append(b, m.code...)
		case colModelYear:
			if !s.yearBlank {
				b = strconv.AppendInt(b, int64(s.year), 10)
			}
		case colFamily:
			b = append(b, m.family...)
		case colMSRP:
			b = g.money(b, s.msrp, s.grouped)
		case colSaleAmount:
			b = g.money(b, s.amount, false)
		case colQuantity:
			b = strconv.AppendInt(b, int64(s.qty), 10)
		case colDelivering:
			if s.delivering >= 0 {
				b = append(b, g.ds.list[s.delivering].code...)
			}
		case colSalesperson:
			switch s.npeople {
			case 1:
				b = appendPerson(b, d.code, s.people[0])
			case 2:
				b = appendPerson(b, d.code, s.people[0])
				b = append(b, ':')
				b = strconv.AppendInt(b, int64(s.share), 10)
				b = append(b, ';')
				b = appendPerson(b, d.code, s.people[1])
				b = append(b, ':')
				b = strconv.AppendInt(b, int64(100-s.share), 10)
			}
		case colSplit:
			if s.partner >= 0 {
				b = append(b, d.code...)
				b = append(b, ':')
				b = strconv.AppendInt(b, int64(s.split), 10)
				b = append(b, ';')
				b = append(b, g.ds.list[s.partner].code...)
				b = append(b, ':')
				b = strconv.AppendInt(b, int64(100-s.split), 10)
			}
		case colRebateCode:
			b = append(b, s.rebate...)
		case colRebateAmount:
			b = g.money(b, s.rebateAmt, false)
		case colClaimDate:
			if s.claim != incent.NoDate {
				b = append(b, g.dates.of(s.claim)...)
			}
		}
	}
	return b
}

func (g *salesGen) money(b []byte, cents int64, grouped bool) []byte {
	switch {
	case cents < 0:
		return b
	case grouped:
		return appendGroupedCents(b, cents)
	}
	return appendCents(b, cents)
}

// appendPerson appends a salesperson id: the dealer code and a number.
func appendPerson(b []byte, dealer string, n int) []byte {
	b = append(b, dealer...)
	b = append(b, '-', 'S')
	n++
	return append(b, byte('0'+n/10), byte('0'+n%10))
}
