-- Everything that reads records by date now reads `market_day` (migration 0007), whose key is
-- (date, currency_id) and which holds each record's columns: the dashboard, both markets
-- routes, v3 simple price and history, search's market caps, and the first and last day held.
-- That makes two structures redundant, and both cost every import:
--
-- * `record_date_covering_idx` (migration 0003) was a full copy of `record` in date order:
--   ~480 MB at 6.9 M rows, and a sort of every row at the end of a bulk load.
-- * `ath_step` and `ath_month` (migration 0005) kept each coin's all-time high through time
--   for /api/v1/markets, which takes it from `market_day.ath` since 0007; no route reads them.
--
-- `close_step` and `close_month` stay: the pages of /api/v3/coins/markets other than the
-- default one (other timeframes, sparklines) read them.
DROP INDEX record_date_covering_idx;
DROP TABLE ath_step;
DROP TABLE ath_month;
