package gen

import (
	"strconv"
	"strings"
)

// region is a sales region with its share of dealers and its places.
type region struct {
	code, currency string
	weight         int64
	places         []place
}

// place is a city with its state or province and a postal code prefix.
type place struct{ city, state, postal string }

// regions lists the regions; CA dealers are paid in CAD, and PR is the
// region the sample expressions leave out.
var regions = []region{
	{"EAST", "USD", 30, []place{{"Baltimore", "MD", "212"}, {"Cleveland", "OH", "441"}, {"Hartford", "CT", "061"}, {"Albany", "NY", "122"}, {"Richmond", "VA", "232"}, {"Pittsburgh", "PA", "152"}, {"Newark", "NJ", "071"}, {"Portland", "ME", "041"}}},
	{"CENTRAL", "USD", 24, []place{{"Salina", "KS", "674"}, {"Omaha", "NE", "681"}, {"Des Moines", "IA", "503"}, {"Madison", "WI", "537"}, {"Springfield", "IL", "627"}, {"Fargo", "ND", "581"}, {"Tulsa", "OK", "741"}}},
	{"SOUTH", "USD", 24, []place{{"Austin", "TX", "787"}, {"Birmingham", "AL", "352"}, {"Knoxville", "TN", "379"}, {"Savannah", "GA", "314"}, {"Tampa", "FL", "336"}, {"Baton Rouge", "LA", "708"}, {"Charlotte", "NC", "282"}}},
	{"WEST", "USD", 17, []place{{"Denver", "CO", "802"}, {"Fresno", "CA", "937"}, {"Boise", "ID", "837"}, {"Spokane", "WA", "992"}, {"Reno", "NV", "895"}, {"Tucson", "AZ", "857"}, {"Salem", "OR", "973"}}},
	{"CA", "CAD", 3, []place{{"Mississauga", "ON", "L5B"}, {"Laval", "QC", "H7T"}, {"Burnaby", "BC", "V5H"}, {"Calgary", "AB", "T2P"}}},
	{"PR", "USD", 2, []place{{"San Juan", "PR", "009"}, {"Ponce", "PR", "007"}}},
}

var (
	namePlaces = []string{"Harbor City", "Lakeside", "Prairie", "Summit", "Riverside", "Oakridge", "Maple Valley", "Granite",
		"Bayview", "Cedar Creek", "Northgate", "Sunset", "Pinecrest", "Fairview", "Highland", "Brookside", "Westfield",
		"Eastwood", "Silver Lake", "Stonebridge", "Meadowbrook", "Red Rock", "Clearwater", "Ironwood", "Foxhill",
		"Kingsway", "Liberty", "Heritage", "Crossroads", "Valley View", "Timberline", "Bluewater", "Canyon", "Parkside",
		"Redwood", "Willow Bend", "Hillcrest", "Gateway", "Lakeshore", "Mission", "Horizon", "Frontier"}
	// nameAccented are names that need more than ASCII on a statement.
	nameAccented = []string{"Peña", "Bergström", "Côté", "Müller", "Ødegaard", "Łukasz", "São Paulo", "Nuñez"}
	nameSuffixes = []string{"Motors", "Auto", "Auto Mall", "Automotive", "Motor Company", "Cars", "Auto Group",
		"Motor Sales", "Autoplex", "Auto Center", "Vehicles", "Motorworks"}
	streets = []string{"Harbor Blvd", "Lake Shore Dr", "Route 9", "Summit Ave", "Main St", "Commerce Way", "Industrial Pkwy",
		"Auto Mall Dr", "Highway 30", "Market St", "Oak St", "Veterans Memorial Hwy"}
	lastNames = []string{"Hale", "Ortiz", "Brennan", "Nakamura", "Fischer", "Okafor", "Lindqvist", "Romero", "Walsh", "Dubois"}
)

// dealer is one generated dealer.
type dealer struct {
	code, name, group string
	region            int
	segment, email    string
	address           place
	street            string
	weight            int64 // relative sales volume
	expected          int   // expected sales rows
	people            int   // salespeople
	groupIdx          int   // index into dealerSet.members, -1 when independent
}

// dealerSet is every dealer with the indexes the sales generator needs.
type dealerSet struct {
	list     []dealer
	cum      []int64 // cumulative weights, for drawing the dealer of a sale
	members  [][]int // group index -> dealers
	inRegion [][]int // region index -> dealers
	groups   int
}

// dealerCode returns the code of dealer i (0-based) among n.
func dealerCode(i, n int) string {
	width := max(3, len(strconv.Itoa(n)))
	s := strconv.Itoa(i + 1)
	return "D" + strings.Repeat("0", width-len(s)) + s
}

// newDealers draws the dealers. Sizes are long-tailed: a dealer's volume
// doubles with probability 0.4 per step, up to six steps, so most dealers
// are small and a few sell dozens of times the median; the segment follows
// the size.
func newDealers(o Options) *dealerSet {
	r := newSource(o.Seed, streamDealers)
	ds := &dealerSet{list: make([]dealer, o.Dealers), inRegion: make([][]int, len(regions))}
	regionCum := make([]int64, len(regions))
	var t int64
	for i, rg := range regions {
		t += rg.weight
		regionCum[i] = t
	}
	var total int64
	for i := range ds.list {
		d := &ds.list[i]
		d.code = dealerCode(i, o.Dealers)
		k := 0
		for k < 6 && r.permille(400) {
			k++
		}
		d.weight = int64(1<<k) * int64(50+r.intn(150))
		total += d.weight
		switch {
		case k >= 3:
			d.segment = "metro"
		case k >= 1:
			d.segment = "suburban"
		default:
			d.segment = "rural"
		}
		switch {
		case r.permille(20):
			d.name = nameAccented[r.intn(len(nameAccented))] + " " + nameSuffixes[r.intn(len(nameSuffixes))]
		case r.permille(15):
			d.name = lastNames[r.intn(len(lastNames))] + ", " + lastNames[r.intn(len(lastNames))] + " & Sons " + nameSuffixes[r.intn(len(nameSuffixes))]
		default:
			d.name = namePlaces[r.intn(len(namePlaces))] + " " + nameSuffixes[r.intn(len(nameSuffixes))]
		}
		d.email = "accounts@" + strings.ToLower(d.code) + ".example"
		d.street = strconv.Itoa(r.between(1, 9899)) + " " + streets[r.intn(len(streets))]
		d.groupIdx = -1
	}
	// Groups of 4 to 10 rooftops in one region; about one dealer in twelve
	// is independent.
	for i := 0; i < len(ds.list); {
		rg := r.pick(regionCum)
		if r.permille(80) {
			ds.place(r, i, rg, -1)
			i++
			continue
		}
		size := min(r.between(4, 10), len(ds.list)-i)
		g := len(ds.members)
		ds.members = append(ds.members, nil)
		for j := 0; j < size; j++ {
			ds.place(r, i+j, rg, g)
		}
		i += size
	}
	ds.groups = len(ds.members)
	weights := make([]int64, len(ds.list))
	for i := range ds.list {
		d := &ds.list[i]
		weights[i] = d.weight
		d.expected = int(int64(o.Sales) * d.weight / total)
		d.people = min(max(2, d.expected/30), 99)
	}
	ds.cum = cumulative(weights)
	return ds
}

// place puts dealer i in a region and a group (-1: independent).
func (ds *dealerSet) place(r *source, i, rg, g int) {
	d := &ds.list[i]
	d.region = rg
	d.address = regions[rg].places[r.intn(len(regions[rg].places))]
	ds.inRegion[rg] = append(ds.inRegion[rg], i)
	if g >= 0 {
		d.groupIdx = g
		d.group = "G" + strconv.Itoa(1000+g)
		ds.members[g] = append(ds.members[g], i)
	}
}

func (ds *dealerSet) salespeople() int {
	n := 0
	for _, d := range ds.list {
		n += d.people
	}
	return n
}

// partner returns another dealer for a trade or a split: one of the same
// group, else of the same region; -1 when there is none.
func (ds *dealerSet) partner(r *source, i int) int {
	d := &ds.list[i]
	pool := ds.inRegion[d.region]
	if d.groupIdx >= 0 && len(ds.members[d.groupIdx]) > 1 {
		pool = ds.members[d.groupIdx]
	}
	if len(pool) < 2 {
		return -1
	}
	j := pool[r.intn(len(pool))]
	if j == i {
		j = pool[(indexOf(pool, i)+1)%len(pool)]
	}
	return j
}

func indexOf(xs []int, x int) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

func (w *writer) dealers() error {
	f, err := w.create("data/dealers.csv")
	if err != nil {
		return err
	}
	f.header("dealer_code,name,group,region,segment,currency,email,address,city,state,postal_code")
	for i := range w.ds.list {
		d := &w.ds.list[i]
		rg := regions[d.region]
		f.line(func(b []byte) []byte {
			b = append(b, d.code...)
			b = append(b, ',')
			b = appendField(b, d.name)
			b = append(b, ',')
			b = append(b, d.group...)
			b = append(b, ',')
			b = append(b, rg.code...)
			b = append(b, ',')
			b = append(b, d.segment...)
			b = append(b, ',')
			b = append(b, rg.currency...)
			b = append(b, ',')
			b = append(b, d.email...)
			b = append(b, ',')
			b = append(b, d.street...)
			b = append(b, ',')
			b = append(b, d.address.city...)
			b = append(b, ',')
			b = append(b, d.address.state...)
			b = append(b, ',')
			b = append(b, d.address.postal...)
			if rg.code == "CA" {
				b = append(b, ' ', '1', 'A', '1')
			} else {
				b = append(b, d.code[len(d.code)-2:]...)
			}
			return b
		})
		f.rows++
	}
	return w.close(f, true)
}
