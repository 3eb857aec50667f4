-- What /api/v1/markets needs to give every coin's all-time high up to a day without reading
-- the coin's history: the days the all-time high rose. A row is a record whose high is above
-- every earlier high of its coin (a later equal high is not a step: the ATH's date is the
-- earliest day it was reached). The ATH on a day D is the coin's latest step on or before D:
-- one primary-key probe per coin. A random walk sets a new high rarely (tens to a few hundred
-- steps in 3,650 days), so the table is a few percent of `record`.
--
-- Kept exact by every write (src/store/write.rs recomputes a written coin's steps from its
-- merged history in the write's transaction), so imports, the write API and syncs keep it.
CREATE TABLE ath_step (
    currency_id BIGINT NOT NULL REFERENCES currency (id) ON DELETE CASCADE,
    date        DATE   NOT NULL,
    high        DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (currency_id, date)
);

INSERT INTO ath_step (currency_id, date, high)
SELECT currency_id, date, high FROM (
    SELECT currency_id, date, high,
           MAX(high) OVER (PARTITION BY currency_id ORDER BY date
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
    FROM record
) r
WHERE before IS NULL OR high > before;

-- Markets reads the steps of one month for every coin at once (a range of this index), ...
CREATE INDEX ath_step_date_idx ON ath_step (date) INCLUDE (currency_id, high);

-- ... and each coin's ATH as of the first day of that month: the latest step before it. With
-- both, the ATH of every coin on a day D is two index ranges (2,000 rows here, the few steps
-- of D's month up to D there), instead of a probe per coin (2,000 probes: 7-16 ms on our
-- loaded machine). A row per coin and month from the month after its first record to the
-- month of its last; kept by every write with ath_step.
CREATE TABLE ath_month (
    month       DATE   NOT NULL,
    currency_id BIGINT NOT NULL REFERENCES currency (id) ON DELETE CASCADE,
    high        DOUBLE PRECISION NOT NULL,
    date        DATE   NOT NULL,
    PRIMARY KEY (month, currency_id)
);
CREATE INDEX ath_month_currency_idx ON ath_month (currency_id);

INSERT INTO ath_month (month, currency_id, high, date)
SELECT m.month::date, s.currency_id, s.high, s.date
FROM (SELECT currency_id, MIN(date) AS first, MAX(date) AS last FROM record GROUP BY currency_id) span
CROSS JOIN LATERAL generate_series(date_trunc('month', span.first) + interval '1 month',
                                   date_trunc('month', span.last), interval '1 month') AS m(month)
CROSS JOIN LATERAL (SELECT currency_id, high, date FROM ath_step
                    WHERE currency_id = span.currency_id AND date < m.month::date
                    ORDER BY date DESC LIMIT 1) s;

-- Its only reader was the per-coin ATH probe this table replaces; without it every import
-- builds one index fewer (a third of the 7 M-row bulk load's index builds).
DROP INDEX record_currency_high_idx;

-- What an import needs to skip a coin whose records it would leave unchanged without reading
-- them back (a re-import of 7 M unchanged rows read every one: 34-59 s): the number and the
-- SHA-256 of the coin's records (src/store/write.rs, CoinDigest), stamped with the data
-- generation it was computed at. Only a digest stamped with the current generation is
-- trusted: a write that does not maintain this table still bumps the generation, which
-- retires every digest at once.
CREATE TABLE coin_digest (
    currency_id BIGINT PRIMARY KEY REFERENCES currency (id) ON DELETE CASCADE,
    records     BIGINT NOT NULL,
    sha256      BYTEA  NOT NULL,
    generation  BIGINT NOT NULL
);
