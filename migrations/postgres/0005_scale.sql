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
