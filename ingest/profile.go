package ingest

import (
	"fmt"
	"strings"
)

// Profile maps a DMS export's headers and words to the canonical ones.
type Profile struct {
	Name         string
	Columns      map[string]string            // canonical column -> header in the file
	Values       map[string]map[string]string // canonical column -> file word -> canonical word
	DateFormat   string                       // Go layout, e.g. "01/02/2006"; "" = ISO 2006-01-02
	DecimalComma bool
	Sheet        string // XLSX sheet name; "" = first sheet
	// VINCheck is what a wrong VIN check digit does to a sales row:
	// VINCheckReject ("", the default) or VINCheckWarn. It travels with the
	// profile archived beside each file version, so a replay decides the
	// same way as the run did.
	VINCheck string `json:",omitempty"`
}

// The values of Profile.VINCheck (incent.yaml's vin_check).
const (
	VINCheckReject = "reject" // a wrong check digit rejects the row
	VINCheckWarn   = "warn"   // the row is accepted with a warning
)

// BuiltinProfile returns the canonical, cdk, reynolds or tekion profile. Each
// call returns fresh maps, so a caller may adapt the copy it gets.
func BuiltinProfile(name string) (Profile, bool) {
	switch name {
	case "canonical":
		return Profile{Name: "canonical"}, true
	case "cdk":
		return cdkProfile(), true
	case "reynolds":
		return reynoldsProfile(), true
	case "tekion":
		return tekionProfile(), true
	}
	return Profile{}, false
}

// BuiltinProfileNames lists the built-in profile names, sorted.
func BuiltinProfileNames() []string {
	return []string{"canonical", "cdk", "reynolds", "tekion"}
}

// cdkProfile follows the deal export of CDK Drive (the "F&I deal file" a
// dealership pulls from its deal/contract screens): US dates, deal types as
// one-letter codes or words. CDK has no demo/loaner/employee deal type of its
// own; stores record those as RETAIL with a sale-type column of their own,
// so only the words below are mapped. WHOLESALE and the W code are not
// incentive sales and stay unmapped, so such rows are rejected.
func cdkProfile() Profile {
	return Profile{
		Name: "cdk",
		Columns: map[string]string{
			"deal_id":           "Deal No",
			"vin":               "VIN",
			"dealer_code":       "Dealer Code",
			"sale_date":         "Contract Date",
			"sale_type":         "Deal Type",
			"condition":         "New/Used",
			"model_code":        "Model No",
			"model_year":        "Model Year",
			"family":            "Model Line",
			"msrp":              "MSRP",
			"sale_amount":       "Selling Price",
			"quantity":          "Units",
			"delivering_dealer": "Delivering Dealer",
			"salesperson":       "Salesperson ID",
			"split":             "Deal Split",
			"rebate_code":       "Rebate Code",
			"rebate_amount":     "Rebate Amt",
			"claim_date":        "Rebate Claim Date",
		},
		Values: map[string]map[string]string{
			"sale_type": {
				"R": "retail", "RETAIL": "retail", "C": "retail", "CASH": "retail",
				"B": "retail", "BALLOON": "retail", "FINANCE": "retail",
				"L": "lease", "LEASE": "lease",
				"F": "fleet", "FLEET": "fleet",
				"D": "demo", "DEMO": "demo",
				"E": "employee", "EMPLOYEE": "employee",
				"LOANER": "loaner",
			},
			"condition": {
				"N": "new", "NEW": "new",
				"U": "used", "USED": "used",
				"C": "cpo", "CPO": "cpo", "CERTIFIED": "cpo",
			},
		},
		DateFormat: "01/02/2006",
	}
}

// reynoldsProfile follows the Reynolds & Reynolds ERA-IGNITE deal export
// (the "Vehicle Sales" report): stores are numbered, dates are US style,
// sale types are words or their first letter.
func reynoldsProfile() Profile {
	return Profile{
		Name: "reynolds",
		Columns: map[string]string{
			"deal_id":           "Deal Number",
			"vin":               "Vehicle VIN",
			"dealer_code":       "Store",
			"sale_date":         "Delivery Date",
			"sale_type":         "Sale Type",
			"condition":         "Vehicle Type",
			"model_code":        "Model Code",
			"model_year":        "Year",
			"family":            "Model Family",
			"msrp":              "MSRP",
			"sale_amount":       "Cash Price",
			"quantity":          "Unit Count",
			"delivering_dealer": "Delivering Store",
			"salesperson":       "Salesperson",
			"split":             "Store Split",
			"rebate_code":       "Rebate Code",
			"rebate_amount":     "Rebate Amount",
			"claim_date":        "Rebate Submitted",
		},
		Values: map[string]map[string]string{
			"sale_type": {
				"R": "retail", "RETAIL": "retail",
				"L": "lease", "LEASE": "lease",
				"F": "fleet", "FLEET": "fleet",
				"D": "demo", "DEMO": "demo",
				"LOANER": "loaner", "SERVICE LOANER": "loaner",
				"EMP": "employee", "EMPLOYEE": "employee",
			},
			"condition": {
				"N": "new", "NEW": "new",
				"U": "used", "USED": "used",
				"C": "cpo", "CPO": "cpo", "CERTIFIED": "cpo",
			},
		},
		DateFormat: "01/02/2006",
	}
}

// tekionProfile follows Tekion ARC's deal export, which names columns in
// camelCase, writes ISO dates and upper-case enum words. RETAIL, CASH and
// FINANCE are all retail deliveries; ONE_PAY_LEASE is a lease; WHOLESALE is
// left unmapped and rejected.
func tekionProfile() Profile {
	return Profile{
		Name: "tekion",
		Columns: map[string]string{
			"deal_id":           "dealId",
			"vin":               "vin",
			"dealer_code":       "dealerId",
			"sale_date":         "deliveryDate",
			"sale_type":         "dealType",
			"condition":         "vehicleType",
			"model_code":        "modelCode",
			"model_year":        "modelYear",
			"family":            "modelFamily",
			"msrp":              "msrp",
			"sale_amount":       "sellingPrice",
			"quantity":          "quantity",
			"delivering_dealer": "deliveringDealerId",
			"salesperson":       "salespersonIds",
			"split":             "dealerSplit",
			"rebate_code":       "rebateCode",
			"rebate_amount":     "rebateAmount",
			"claim_date":        "rebateClaimDate",
		},
		Values: map[string]map[string]string{
			"sale_type": {
				"RETAIL": "retail", "CASH": "retail", "FINANCE": "retail",
				"LEASE": "lease", "ONE_PAY_LEASE": "lease",
				"FLEET":    "fleet",
				"DEMO":     "demo",
				"LOANER":   "loaner",
				"EMPLOYEE": "employee",
			},
			"condition": {
				"NEW": "new", "USED": "used",
				"CPO": "cpo", "CERTIFIED_PRE_OWNED": "cpo",
			},
		},
	}
}

// colSpec is one canonical column of an input kind.
type colSpec struct {
	name     string
	required bool
}

// schema lists an input kind's canonical columns; readers refer to them by
// index.
type schema struct {
	cols []colSpec
	// rejectKey gives a rejected record's Reject.Key; nil: none.
	rejectKey func(lay *layout, rec []string) string
}

// cellAt is column col of record rec under lay, trimmed; "" when the
// record has no such field.
func cellAt(lay *layout, rec []string, col int) string {
	i := lay.idx[col]
	if i < 0 || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// schemaOf returns the columns of an input kind, or nil for an unknown one.
func schemaOf(k Kind) *schema {
	switch k {
	case KindSales:
		return &salesSchema
	case KindDealers:
		return &dealersSchema
	case KindObjectives:
		return &objectivesSchema
	case KindCertifications:
		return &certificationsSchema
	case KindClaims:
		return &claimsSchema
	}
	return nil
}

// CanonicalColumns lists an input kind's canonical columns in their usual
// order, split into required and optional ones, for help texts and
// templates; both are nil for an unknown kind.
func CanonicalColumns(k Kind) (required, optional []string) {
	sc := schemaOf(k)
	if sc == nil {
		return nil, nil
	}
	for _, c := range sc.cols {
		if c.required {
			required = append(required, c.name)
		} else {
			optional = append(optional, c.name)
		}
	}
	return required, optional
}

// layout is a file's header resolved against a schema and a profile.
type layout struct {
	idx    []int               // per schema column: field index in the record, or -1
	values []map[string]string // per schema column: lower-cased file word -> canonical word
	header []string            // the file's header row
}

// column names field i of a record: its schema column, or for a column
// the schema does not read, the file's own header; "" past the header.
func (l *layout) column(sc *schema, i int) string {
	for c, at := range l.idx {
		if at == i {
			return sc.cols[c].name
		}
	}
	if i >= 0 && i < len(l.header) {
		return strings.TrimSpace(l.header[i])
	}
	return ""
}

// resolveHeader matches a header row to the schema's columns. It returns
// the layout and the indexes of the required columns it could not find, or
// an error when one column is named twice.
func resolveHeader(sc *schema, p *Profile, header []string) (*layout, []int, error) {
	norm := make([]string, len(header))
	for i, h := range header {
		norm[i] = NormHeader(h)
	}
	lay := &layout{idx: make([]int, len(sc.cols)), values: make([]map[string]string, len(sc.cols)), header: header}
	var missing []int
	for c, col := range sc.cols {
		lay.idx[c] = -1
		for _, want := range headerNames(p, col.name) {
			at := -1
			for i, h := range norm {
				if h != want {
					continue
				}
				if at >= 0 {
					return nil, nil, fmt.Errorf("header %q appears in columns %d and %d; expected it once", strings.TrimSpace(header[i]), at+1, i+1)
				}
				at = i
			}
			if at >= 0 {
				lay.idx[c] = at
				break
			}
		}
		if lay.idx[c] < 0 && col.required {
			missing = append(missing, c)
		}
		if m := p.Values[col.name]; len(m) > 0 {
			lm := make(map[string]string, len(m))
			for k, v := range m {
				lm[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
			}
			lay.values[c] = lm
		}
	}
	return lay, missing, nil
}

// headerNames lists the normalised headers that may hold a canonical
// column: the profile's header first, then the canonical name itself.
func headerNames(p *Profile, canonical string) []string {
	own := NormHeader(canonical)
	if h, ok := p.Columns[canonical]; ok && NormHeader(h) != own && NormHeader(h) != "" {
		return []string{NormHeader(h), own}
	}
	return []string{own}
}

// missingColumnsError describes required columns absent from a header row.
func missingColumnsError(file string, row int, sc *schema, p *Profile, header []string, missing []int) *FileError {
	var found []string
	for _, h := range header {
		if h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")); h != "" {
			found = append(found, fmt.Sprintf("%q", h))
		}
	}
	foundText := "headers found: " + strings.Join(found, ", ")
	if len(found) == 0 {
		foundText = "the header row is empty"
	}
	if len(missing) == 1 {
		c := sc.cols[missing[0]].name
		msg := "required column is missing"
		if names := headerNames(p, c); len(names) > 1 {
			msg += fmt.Sprintf(" (looked for %q or %q)", p.Columns[c], c)
		}
		return &FileError{File: file, Row: row, Column: c, Msg: msg + "; " + foundText}
	}
	names := make([]string, len(missing))
	for i, c := range missing {
		names[i] = sc.cols[c].name
		if h := p.Columns[names[i]]; h != "" && NormHeader(h) != NormHeader(names[i]) {
			names[i] += fmt.Sprintf(" (%q)", h)
		}
	}
	return &FileError{File: file, Row: row, Msg: fmt.Sprintf("required columns %s are missing; %s", strings.Join(names, ", "), foundText)}
}
