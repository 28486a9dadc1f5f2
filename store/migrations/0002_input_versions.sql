-- A file put back to content it had before is a new version of it: the
-- same blob may now be recorded more than once under one name, in ingest
-- order. SQLite drops a constraint by rebuilding the table; seq values, and
-- so every run's inputs, are kept.
CREATE TABLE input_files_new (
    seq         INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    sha256      TEXT NOT NULL REFERENCES blobs (sha256),
    profile     TEXT NOT NULL,
    ingested_at TEXT NOT NULL
);
INSERT INTO input_files_new (seq, kind, name, sha256, profile, ingested_at)
    SELECT seq, kind, name, sha256, profile, ingested_at FROM input_files;
DROP TABLE input_files;
ALTER TABLE input_files_new RENAME TO input_files;
CREATE INDEX input_files_by_name ON input_files (kind, name, seq);
