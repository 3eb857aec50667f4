-- The schema of shared/SPEC.md. Dates are ISO-8601 text (YYYY-MM-DD), which sorts and
-- compares like a date; prices are IEEE doubles, as in the source data.
CREATE TABLE currency (
    id     INTEGER PRIMARY KEY,
    name   TEXT NOT NULL UNIQUE,
    symbol TEXT NOT NULL UNIQUE CHECK (symbol = upper(symbol))
);

CREATE TABLE record (
    id          INTEGER PRIMARY KEY,
    currency_id INTEGER NOT NULL REFERENCES currency (id) ON DELETE CASCADE,
    date        TEXT    NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    open        REAL    NOT NULL,
    high        REAL    NOT NULL,
    low         REAL    NOT NULL,
    close       REAL    NOT NULL,
    volume      REAL    NOT NULL,
    marketcap   REAL    NOT NULL,
    -- "one coin over a date range" is served by this unique index.
    UNIQUE (currency_id, date)
);

-- "all coins on a day".
CREATE INDEX record_date_idx ON record (date, currency_id);

-- Bumped in the same transaction as every change to the data, so caches keyed by it
-- can never serve an answer computed before an acknowledged write.
CREATE TABLE data_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO data_generation (id, generation) VALUES (1, 0);
