-- Content-addressed archive: every input file and program text a run used.
-- Files are stored in chunks so a large sales export streams in and out.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size   INTEGER NOT NULL,
    chunks INTEGER NOT NULL
);
CREATE TABLE blob_chunks (
    sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    n      INTEGER NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (sha256, n)
) WITHOUT ROWID;

-- Every version of every input file ever ingested, in ingest order. How
-- its rows were counted depends on the versions before it, so that is
-- recorded per run (manifest.json), not here.
CREATE TABLE input_files (
    seq         INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    sha256      TEXT NOT NULL REFERENCES blobs (sha256),
    profile     TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    UNIQUE (kind, name, sha256)
);

-- Runs are immutable once written. Money is TEXT holding an exact decimal.
CREATE TABLE runs (
    id           TEXT PRIMARY KEY,
    period       TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    as_of        TEXT NOT NULL,
    status       TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT NOT NULL,
    user         TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    digest       TEXT NOT NULL,
    manifest     TEXT NOT NULL,
    UNIQUE (period, seq)
);
CREATE TABLE run_inputs (
    run_id TEXT NOT NULL REFERENCES runs (id),
    seq    INTEGER NOT NULL REFERENCES input_files (seq),
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE run_programs (
    run_id     TEXT NOT NULL REFERENCES runs (id),
    program_id TEXT NOT NULL,
    version    INTEGER NOT NULL,
    file       TEXT NOT NULL,
    sha256     TEXT NOT NULL REFERENCES blobs (sha256),
    PRIMARY KEY (run_id, program_id)
);
CREATE TABLE payout_lines (
    run_id          TEXT NOT NULL REFERENCES runs (id),
    n               INTEGER NOT NULL,
    payee_type      TEXT NOT NULL,
    payee           TEXT NOT NULL,
    program_id      TEXT NOT NULL,
    program_version INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    currency        TEXT NOT NULL,
    measure         TEXT NOT NULL,
    tier            TEXT NOT NULL,
    amount          TEXT NOT NULL,
    PRIMARY KEY (run_id, n)
);

-- Append-only event log; each event's hash covers the previous event's hash.
CREATE TABLE events (
    seq     INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    kind    TEXT NOT NULL,
    actor   TEXT NOT NULL,
    subject TEXT NOT NULL,
    body    TEXT NOT NULL,
    prev    TEXT NOT NULL,
    hash    TEXT NOT NULL
);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER runs_no_update BEFORE UPDATE ON runs BEGIN SELECT RAISE(ABORT, 'runs are immutable'); END;
CREATE TRIGGER payout_lines_no_update BEFORE UPDATE ON payout_lines BEGIN SELECT RAISE(ABORT, 'payout lines are immutable'); END;
CREATE TRIGGER runs_no_delete BEFORE DELETE ON runs BEGIN SELECT RAISE(ABORT, 'runs are immutable'); END;
CREATE TRIGGER blobs_no_delete BEFORE DELETE ON blob_chunks BEGIN SELECT RAISE(ABORT, 'archived blobs cannot be deleted'); END;
