-- CoinGecko-style coin ids (/api/v3): a unique slug per coin. The 23 coins of the Kaggle data
-- set get their real CoinGecko ids here; any other coin gets a slug of its name, assigned by
-- the server right after the migrations run (Store::migrate), because a slug needs string
-- functions SQLite lacks, and new coins get theirs when they are written (the same code).
-- Nullable only because SQLite cannot add a NOT NULL column without a default; every row
-- holds an id once `migrate` has returned.
ALTER TABLE currency ADD COLUMN coin_id TEXT;
CREATE UNIQUE INDEX currency_coin_id_idx ON currency (coin_id);

UPDATE currency SET coin_id = CASE name
    WHEN 'Bitcoin' THEN 'bitcoin'
    WHEN 'Ethereum' THEN 'ethereum'
    WHEN 'Tether' THEN 'tether'
    WHEN 'USD Coin' THEN 'usd-coin'
    WHEN 'Binance Coin' THEN 'binancecoin'
    WHEN 'Cardano' THEN 'cardano'
    WHEN 'XRP' THEN 'ripple'
    WHEN 'Dogecoin' THEN 'dogecoin'
    WHEN 'Polkadot' THEN 'polkadot'
    WHEN 'Uniswap' THEN 'uniswap'
    WHEN 'Solana' THEN 'solana'
    WHEN 'Litecoin' THEN 'litecoin'
    WHEN 'Chainlink' THEN 'chainlink'
    WHEN 'Wrapped Bitcoin' THEN 'wrapped-bitcoin'
    WHEN 'Stellar' THEN 'stellar'
    WHEN 'TRON' THEN 'tron'
    WHEN 'EOS' THEN 'eos'
    WHEN 'Monero' THEN 'monero'
    WHEN 'Crypto.com Coin' THEN 'crypto-com-chain'
    WHEN 'Aave' THEN 'aave'
    WHEN 'Cosmos' THEN 'cosmos'
    WHEN 'IOTA' THEN 'iota'
    WHEN 'NEM' THEN 'nem'
END;

-- All-time high and low of the daily close (/api/v3 ath/atl), each reached earliest: one index
-- probe per coin, as record_currency_high_idx does for the daily high. Two indexes, because
-- "highest, then earliest" and "lowest, then earliest" are opposite orders of close alone.
CREATE INDEX record_currency_close_desc_idx ON record (currency_id, close DESC, date);
CREATE INDEX record_currency_close_asc_idx ON record (currency_id, close, date);
