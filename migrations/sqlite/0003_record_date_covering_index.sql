-- "All coins on a day" (the dashboard's query) reads every price column of ~13 days × every
-- coin. With them in the index, SQLite answers from the index alone instead of one table
-- b-tree lookup per row: rows of one day are scattered across the table, since imports write
-- coin after coin.
CREATE INDEX record_date_covering_idx
    ON record (date, currency_id, open, high, low, close, volume, marketcap);
DROP INDEX record_date_idx;
