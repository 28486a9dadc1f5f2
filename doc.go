// Package incent holds the domain types shared by every part of the
// calculator: calendar dates and periods, currencies and rounding, dealers,
// sales and objectives. It imports nothing from the rest of the module, so
// every package can see it (rules, ingest, calc, statements, store).
package incent
