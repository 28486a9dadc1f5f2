-- A run's payout lines are stored as JSON texts of up to 4,096 lines each,
-- rather than a row per line: a large maker's quarter has about 150,000
-- lines, and SQLite took about half a second of CPU to take them apart
-- into rows and index them, in every calc, for lines that are only ever
-- read back whole. Each text is an array with one array per line: payee
-- type, payee, program, version, kind, currency, measure, tier, amount,
-- each a string but the version. first is the number of the text's first
-- line (from 1). Runs stored before keep their rows in payout_lines; the
-- view all_payout_lines shows both alike, one row per line.
CREATE TABLE run_lines (
    run_id TEXT NOT NULL REFERENCES runs (id),
    first  INTEGER NOT NULL,
    lines  TEXT NOT NULL,
    PRIMARY KEY (run_id, first)
);
CREATE TRIGGER run_lines_no_update BEFORE UPDATE ON run_lines BEGIN SELECT RAISE(ABORT, 'payout lines are immutable'); END;
CREATE TRIGGER run_lines_no_delete BEFORE DELETE ON run_lines BEGIN SELECT RAISE(ABORT, 'payout lines are immutable'); END;
CREATE VIEW all_payout_lines AS
    SELECT run_id, n, payee_type, payee, program_id, program_version, kind, currency, measure, tier, amount FROM payout_lines
    UNION ALL
    SELECT r.run_id, r.first + j.key, j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, j.value->>5, j.value->>6, j.value->>7, j.value->>8
    FROM run_lines r, json_each(r.lines) j;
