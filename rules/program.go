// Package rules holds the incentive program model and its strict loader:
// one YAML file per program, decoded so that an unknown or misspelt key, a
// wrong type, unsorted tiers or a missing required field is an error naming
// file:line:col, with every error of every file reported at once.
package rules

import (
	"github.com/incent/incent"
	"github.com/shopspring/decimal"
)

// Type is a program type.
type Type string

// The program types of SPEC §4.1.
const (
	Volume            Type = "volume"
	StairStep         Type = "stair_step"
	ModelMix          Type = "model_mix"
	Commission        Type = "commission"
	Coop              Type = "coop"
	RebatePassthrough Type = "rebate_passthrough"
	Certification     Type = "certification"
)

// PayeeKind says who receives a program's money.
type PayeeKind string

// The payee kinds.
const (
	PayeeDealer      PayeeKind = "dealer"
	PayeeGroup       PayeeKind = "group"
	PayeeSalesperson PayeeKind = "salesperson"
)

// Program is one incentive rule set, loaded from one YAML file.
type Program struct {
	ID          string
	Version     int
	Name        string
	Type        Type
	Currency    incent.Currency
	From, To    incent.Date // effective window, inclusive
	Payee       PayeeKind   // dealer when absent
	Elig        Eligibility
	Cap         Cap
	CreditTo    string // selling_dealer (default) | delivering_dealer
	Multipliers []Multiplier

	// volume
	Threshold decimal.Decimal // 0 when absent
	PerUnit   decimal.Decimal // volume per_unit; certification per_unit (0 when absent)

	// stair_step and commission
	Measure      string // units | revenue | objective_pct; default units (stair_step), revenue (commission)
	Basis        string // retroactive | marginal; default retroactive (stair_step), marginal (commission)
	Base         string // sale_amount (default) | msrp: the revenue that rate tiers apply to
	Tiers        []Tier // ascending by From
	ObjectiveKey string // objective_pct: key in the objectives input (defaults to ID)

	// model_mix
	Rates   []ModelRate // sorted by model code
	Qualify *Qualify

	// commission
	FamilyRates []FamilyRate // sorted by family
	Kickers     []Kicker     // sorted by month

	// coop
	AccrualPerUnit    *decimal.Decimal
	AccrualRate       *decimal.Decimal
	Reimburse         decimal.Decimal
	ClaimDeadlineDays int // required; days after the period end to submit a claim

	// rebate_passthrough
	Rebates         []Rebate // sorted by code
	ClaimWindowDays int      // 30 when absent

	// certification
	Certification string
	Amount        *decimal.Decimal
	Require       string // period_end | whole_period

	// Provenance: the file it came from and the SHA-256 of its bytes.
	File   string
	SHA256 string
	Source []byte
	// Refusals are problems that stop a new calculation from using the
	// program (LoadDir and Parse report them as errors) but not a run
	// already stored with it from being replayed (LoadFiles does not): a
	// rule added since the run was made, such as a cap finer than the
	// currency's minor unit.
	Refusals Errors
}

// TierKind says how a tier pays.
type TierKind string

// The tier kinds; one program's tiers all share one kind.
const (
	TierPerUnit TierKind = "per_unit" // money per credited unit
	TierRate    TierKind = "rate"     // share of credited revenue
	TierAmount  TierKind = "amount"   // flat sum for reaching the tier
)

// Tier is one step of a stair-step or commission program.
type Tier struct {
	From  decimal.Decimal
	Kind  TierKind
	Value decimal.Decimal
}

// Eligibility lists the conditions a sale must meet; an empty list means any.
type Eligibility struct {
	SaleTypes      []string
	Conditions     []string
	Models         []string // exact codes, or "SUV*" for a prefix
	Families       []string
	ModelYears     []int
	Regions        []string
	Segments       []string
	Certifications []string
	When           *Expr // nil when absent
}

// Cap limits the measure counted and the payout per payee; nil fields are unlimited.
type Cap struct {
	Measure *decimal.Decimal
	Amount  *decimal.Decimal
}

// Multiplier multiplies the credit of every sale its expression matches.
type Multiplier struct {
	When   *Expr
	Factor decimal.Decimal
}

// ModelRate is a model_mix rate per credited unit of one model.
type ModelRate struct {
	Model string
	Rate  decimal.Decimal
}

// Qualify is model_mix's share condition: the listed models must be at least
// MinShare of the payee's eligible units.
type Qualify struct {
	MinShare decimal.Decimal
	Of       []string
}

// FamilyRate makes a family's revenue count at a factor in commission programs.
type FamilyRate struct {
	Family string
	Factor decimal.Decimal
}

// Kicker adds a rate on revenue dated in one month (2024-03).
type Kicker struct {
	Month   string
	AddRate decimal.Decimal
}

// Rebate is a customer rebate code and the amount the program reimburses.
type Rebate struct {
	Code   string
	Amount decimal.Decimal
}
