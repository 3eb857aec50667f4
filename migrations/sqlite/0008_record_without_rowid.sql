-- `record` keyed by (currency_id, date) itself: a WITHOUT ROWID table is one b-tree in that
-- order, so one coin's days (history, stats, every range read) sit together on ~75 pages of
-- 4 KB, whatever order they were written in. With a rowid and a separate UNIQUE index, each
-- row of a range was an index entry plus a probe of the table in rowid (write) order: fine
-- after an import, which writes coin after coin, but a database grown by daily syncs writes
-- day after day, one row of a coin per page: measured at 6.9 M rows, one coin's 3,650 rows
-- read in 7.5-11.5 ms so laid out, 0.9 ms as imported, 0.78 ms in this table written
-- either way (p50, docs/benchmarks.md). It also leaves an import one b-tree to fill instead
-- of two. Nothing read the rowid `id`.
--
-- SQLite cannot change a table's key in place: the rows are copied (values as stored, REAL
-- bits unchanged) into the new table in key order, the old table dropped (its indexes with
-- it; no foreign key refers to `record`), the new one renamed, and the by-date covering
-- index of migration 0003 built again, as it was.
CREATE TABLE record_by_key (
    currency_id INTEGER NOT NULL REFERENCES currency (id) ON DELETE CASCADE,
    date        TEXT    NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    open        REAL    NOT NULL,
    high        REAL    NOT NULL,
    low         REAL    NOT NULL,
    close       REAL    NOT NULL,
    volume      REAL    NOT NULL,
    marketcap   REAL    NOT NULL,
    PRIMARY KEY (currency_id, date)
) WITHOUT ROWID;

INSERT INTO record_by_key (currency_id, date, open, high, low, close, volume, marketcap)
SELECT currency_id, date, open, high, low, close, volume, marketcap
FROM record
ORDER BY currency_id, date;

DROP TABLE record;
ALTER TABLE record_by_key RENAME TO record;

CREATE INDEX record_date_covering_idx
    ON record (date, currency_id, open, high, low, close, volume, marketcap);
