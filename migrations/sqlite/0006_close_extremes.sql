-- What /api/v3/coins/markets needs to give every coin's highest and lowest close up to a day
-- (its `ath` and `atl`) without two index probes per coin (4,000 probes of
-- record_currency_close_*_idx at 2,000 coins), the same way migration 0005 keeps the all-time
-- high by daily high: the days the highest close rose or the lowest fell (a later equal close
-- is not a step: an extreme's date is the earliest day it was reached), and both extremes as
-- of the first of every month. The extremes of every coin on D are
-- `close_month WHERE month = first(D)` plus the steps of D's month up to D. Kept exact by
-- every write (src/store/write.rs, CloseHistory) with ath_step.
CREATE TABLE close_step (
    currency_id INTEGER NOT NULL REFERENCES currency (id) ON DELETE CASCADE,
    date        TEXT    NOT NULL,
    close       REAL    NOT NULL,
    highest     INTEGER NOT NULL CHECK (highest IN (0, 1)),
    lowest      INTEGER NOT NULL CHECK (lowest IN (0, 1)),
    PRIMARY KEY (currency_id, date)
) WITHOUT ROWID;

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

CREATE INDEX close_step_date_idx ON close_step (date, currency_id, close, highest, lowest);

CREATE TABLE close_month (
    month        TEXT    NOT NULL,
    currency_id  INTEGER NOT NULL REFERENCES currency (id) ON DELETE CASCADE,
    highest      REAL    NOT NULL,
    highest_date TEXT    NOT NULL,
    lowest       REAL    NOT NULL,
    lowest_date  TEXT    NOT NULL,
    PRIMARY KEY (month, currency_id)
) WITHOUT ROWID;
CREATE INDEX close_month_currency_idx ON close_month (currency_id);

INSERT INTO close_month (month, currency_id, highest, highest_date, lowest, lowest_date)
WITH RECURSIVE months(currency_id, month, last) AS (
    SELECT currency_id, date(MIN(date), 'start of month', '+1 month'), MAX(date)
    FROM record GROUP BY currency_id
    UNION ALL
    SELECT currency_id, date(month, '+1 month'), last FROM months WHERE date(month, '+1 month') <= last
)
SELECT m.month, m.currency_id, hi.close, hi.date, lo.close, lo.date
FROM months m
JOIN close_step hi ON hi.currency_id = m.currency_id
    AND hi.date = (SELECT MAX(date) FROM close_step
                   WHERE currency_id = m.currency_id AND highest AND date < m.month)
JOIN close_step lo ON lo.currency_id = m.currency_id
    AND lo.date = (SELECT MAX(date) FROM close_step
                   WHERE currency_id = m.currency_id AND lowest AND date < m.month)
WHERE m.month <= m.last;

-- Their only reader was the per-coin probe these tables replace; without them every import
-- builds two indexes fewer (each as large as a third of `record`) and every write maintains
-- two fewer.
DROP INDEX record_currency_close_desc_idx;
DROP INDEX record_currency_close_asc_idx;
