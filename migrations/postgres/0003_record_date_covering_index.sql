-- "All coins on a day" (the dashboard's query) reads every price column of ~13 days × every
-- coin. With the columns INCLUDEd, PostgreSQL answers from the index alone (an index-only
-- scan of a few contiguous pages) instead of visiting one heap page per row: rows of one day
-- are scattered across the heap, since imports write coin after coin.
CREATE INDEX record_date_covering_idx ON record (date, currency_id)
    INCLUDE (open, high, low, close, volume, marketcap);
DROP INDEX record_date_idx;
