-- Everything /dashboard, /api/v1/markets and /api/v3/coins/markets need of a coin on a day, in
-- one row: the day's record, the close of the as-of reference record (analytics::percent::as_of:
-- the latest record on or before the reference day, at most 3 days older; NULL when none) of
-- the 1, 7, 30, 90 and 365-day changes, the record of the day before (close and market cap,
-- NULL when that day has none: CoinGecko's 24h figures compare exact days), and the all-time
-- high and the highest and lowest close up to the day, each with the first day it was reached.
-- A route reads one key range (its day's rows, one per coin) instead of 4 to 6 days of
-- records plus the all-time tables (analytics/market_day.rs).
--
-- Kept exact by every write (src/store/write.rs): a changed coin's rows from its earliest
-- changed day on are recomputed from its history in the write's transaction (the rows before
-- cannot change). Filled for existing data by the server after this migration
-- (Store::migrate: the table is empty while `record` is not).
CREATE TABLE market_day (
    date               TEXT    NOT NULL,
    currency_id        INTEGER NOT NULL REFERENCES currency (id) ON DELETE CASCADE,
    open               REAL    NOT NULL,
    high               REAL    NOT NULL,
    low                REAL    NOT NULL,
    close              REAL    NOT NULL,
    volume             REAL    NOT NULL,
    marketcap          REAL    NOT NULL,
    close_1d           REAL,
    close_7d           REAL,
    close_30d          REAL,
    close_90d          REAL,
    close_365d         REAL,
    previous_close     REAL,
    previous_marketcap REAL,
    ath                REAL    NOT NULL,
    ath_date           TEXT    NOT NULL,
    highest_close      REAL    NOT NULL,
    highest_close_date TEXT    NOT NULL,
    lowest_close       REAL    NOT NULL,
    lowest_close_date  TEXT    NOT NULL,
    PRIMARY KEY (date, currency_id)
) WITHOUT ROWID;

-- A write replaces a coin's rows from a day on (and a deleted coin cascades): by coin.
CREATE INDEX market_day_currency_idx ON market_day (currency_id, date);
