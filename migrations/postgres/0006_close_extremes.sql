-- What /api/v3/coins/markets needs to give every coin's highest and lowest close up to a day
-- (its `ath` and `atl`) without two index probes per coin (4,000 probes of
-- record_currency_close_*_idx at 2,000 coins: 220 ms with the pages read from the page cache),
-- the same way migration 0005 keeps the all-time high by daily high: the days the highest
-- close rose or the lowest fell (a later equal close is not a step: an extreme's date is the
-- earliest day it was reached), and both extremes as of the first of every month. The
-- extremes of every coin on D are `close_month WHERE month = first(D)` plus the steps of D's
-- month up to D. Kept exact by every write (src/store/write.rs, CloseHistory) with ath_step.
CREATE TABLE close_step (
    currency_id BIGINT  NOT NULL REFERENCES currency (id) ON DELETE CASCADE,
    date        DATE    NOT NULL,
    close       DOUBLE PRECISION NOT NULL,
    highest     BOOLEAN NOT NULL,
    lowest      BOOLEAN NOT NULL,
    PRIMARY KEY (currency_id, date)
);

INSERT INTO close_step (currency_id, date, close, highest, lowest)
SELECT currency_id, date, close, above IS NULL OR close > above, below IS NULL OR close < below
FROM (
    SELECT currency_id, date, close,
           MAX(close) OVER earlier AS above, MIN(close) OVER earlier AS below
    FROM record
    WINDOW earlier AS (PARTITION BY currency_id ORDER BY date
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
) r
WHERE above IS NULL OR close > above OR close < below;

CREATE INDEX close_step_date_idx ON close_step (date) INCLUDE (currency_id, close, highest, lowest);

CREATE TABLE close_month (
    month        DATE   NOT NULL,
    currency_id  BIGINT NOT NULL REFERENCES currency (id) ON DELETE CASCADE,
    highest      DOUBLE PRECISION NOT NULL,
    highest_date DATE   NOT NULL,
    lowest       DOUBLE PRECISION NOT NULL,
    lowest_date  DATE   NOT NULL,
    -- The month's rows of every coin are scattered over the table (written coin after coin):
    -- with the values in the key's index, reading them is an index-only range (after the
    -- VACUUM that follows a large write), not a heap page per coin (a bitmap heap scan of
    -- 2,000 pages: 18-56 ms at 2,000 coins on our loaded machine).
    PRIMARY KEY (month, currency_id) INCLUDE (highest, highest_date, lowest, lowest_date)
);
CREATE INDEX close_month_currency_idx ON close_month (currency_id);

INSERT INTO close_month (month, currency_id, highest, highest_date, lowest, lowest_date)
SELECT m.month::date, span.currency_id, hi.close, hi.date, lo.close, lo.date
FROM (SELECT currency_id, MIN(date) AS first, MAX(date) AS last FROM record GROUP BY currency_id) span
CROSS JOIN LATERAL generate_series(date_trunc('month', span.first) + interval '1 month',
                                   date_trunc('month', span.last), interval '1 month') AS m(month)
CROSS JOIN LATERAL (SELECT close, date FROM close_step
                    WHERE currency_id = span.currency_id AND highest AND date < m.month::date
                    ORDER BY date DESC LIMIT 1) hi
CROSS JOIN LATERAL (SELECT close, date FROM close_step
                    WHERE currency_id = span.currency_id AND lowest AND date < m.month::date
                    ORDER BY date DESC LIMIT 1) lo;

-- Their only reader was the per-coin probe these tables replace; without them every import
-- builds two indexes fewer (each as large as a third of `record`) and every write maintains
-- two fewer.
DROP INDEX record_currency_close_desc_idx;
DROP INDEX record_currency_close_asc_idx;

-- /api/v1/markets reads ath_month the same way: its key's index now holds the values too.
ALTER TABLE ath_month DROP CONSTRAINT ath_month_pkey,
    ADD CONSTRAINT ath_month_pkey PRIMARY KEY (month, currency_id) INCLUDE (high, date);

-- Statistics now (VACUUM cannot run in the migration's transaction; a large write runs it).
ANALYZE close_step, close_month, ath_month;
