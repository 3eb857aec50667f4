-- The schema of shared/SPEC.md.
CREATE TABLE currency (
    id     BIGSERIAL PRIMARY KEY,
    name   TEXT NOT NULL UNIQUE,
    symbol TEXT NOT NULL UNIQUE CHECK (symbol = upper(symbol))
);

CREATE TABLE record (
    id          BIGSERIAL PRIMARY KEY,
    currency_id BIGINT NOT NULL REFERENCES currency (id) ON DELETE CASCADE,
    date        DATE   NOT NULL,
    open        DOUBLE PRECISION NOT NULL,
    high        DOUBLE PRECISION NOT NULL,
    low         DOUBLE PRECISION NOT NULL,
    close       DOUBLE PRECISION NOT NULL,
    volume      DOUBLE PRECISION NOT NULL,
    marketcap   DOUBLE PRECISION NOT NULL,
    -- "one coin over a date range" is served by this unique index.
    CONSTRAINT record_currency_date_key UNIQUE (currency_id, date)
);

-- "all coins on a day".
CREATE INDEX record_date_idx ON record (date, currency_id);

-- Bumped in the same transaction as every change to the data, so caches keyed by it
-- can never serve an answer computed before an acknowledged write.
CREATE TABLE data_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO data_generation (id, generation) VALUES (1, 0);
