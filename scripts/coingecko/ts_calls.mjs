// The official TypeScript SDK (@coingecko/coingecko-typescript) against a running krispyto:
// makes the same named requests as check_clients.py and prints their answers as one JSON
// object, which check_clients.py compares with the CSV records. Errors are recorded with the
// name of the SDK's error class they raised.
//
// Usage: node ts_calls.mjs BASE_URL   (with the SDK installed in NODE_PATH's node_modules)

import Coingecko from '@coingecko/coingecko-typescript';

const base = process.argv[2];
const client = new Coingecko({ baseURL: `${base}/api/v3`, demoAPIKey: 'any-key', maxRetries: 0 });

const PCT = '1h,24h,7d,14d,30d,200d,1y';
const LATEST_PLUS_ONE = process.argv[3];

const calls = {
  ping: () => client.ping.get(),
  supported: () => client.simple.supportedVsCurrencies.get(),
  list_platform: () => client.coins.list.get({ include_platform: true }),
  markets_usd: () => client.coins.markets.get({ vs_currency: 'usd', ids: 'bitcoin,ethereum,monero,tether', price_change_percentage: PCT, sparkline: true }),
  markets_btc: () => client.coins.markets.get({ vs_currency: 'btc', per_page: 250 }),
  markets_page: () => client.coins.markets.get({ vs_currency: 'usd', order: 'id_asc', per_page: 5, page: 2 }),
  markets_names: () => client.coins.markets.get({ vs_currency: 'usd', names: 'Crypto.com Coin,TRON' }),
  markets_symbols: () => client.coins.markets.get({ vs_currency: 'usd', symbols: 'btc,miota' }),
  coin_bitcoin: () => client.coins.getID('bitcoin'),
  coin_sparkline: () => client.coins.getID('monero', { sparkline: true, tickers: false }),
  history_gap_dmy: () => client.coins.history.get('monero', { date: '06-06-2014' }),
  history_ok_dmy: () => client.coins.history.get('monero', { date: '05-06-2014' }),
  history_gap_ymd: () => client.coins.history.get('tether', { date: '2015-02-28' }),
  history_latest_ymd: () => client.coins.history.get('bitcoin', { date: LATEST_PLUS_ONE }),
  chart_eth_btc_30: () => client.coins.marketChart.get('ethereum', { days: '30', vs_currency: 'btc' }),
  range_monero: () => client.coins.marketChart.getRange('monero', { from: '1401840000', to: '1402272000', vs_currency: 'usd' }),
  range_tether_iso: () => client.coins.marketChart.getRange('tether', { from: '2015-02-25', to: '2015-03-03', vs_currency: 'usd' }),
  ohlc_daily_90: () => client.coins.ohlc.get('bitcoin', { days: '90', vs_currency: 'usd', interval: 'daily' }),
  ohlc_eth_btc_365: () => client.coins.ohlc.get('ethereum', { days: '365', vs_currency: 'btc' }),
  ohlc_range: () => client.coins.ohlc.getRange('bitcoin', { from: '2021-06-01', to: '2021-07-07', interval: 'daily', vs_currency: 'usd' }),
  price: () => client.simple.price.get({ ids: 'bitcoin,ethereum,monero', vs_currencies: 'usd,btc,eth', include_market_cap: true, include_24hr_vol: true, include_24hr_change: true, include_last_updated_at: true }),
  price_precision: () => client.simple.price.get({ ids: 'bitcoin', vs_currencies: 'usd', precision: '2' }),
  search_bit: () => client.search.get({ query: 'bit' }),
  search_xrp: () => client.search.get({ query: 'xrp' }),
  search_ripple: () => client.search.get({ query: 'ripple' }),
};
for (const days of ['1', '7', '30', '90', 'max']) {
  calls[`chart_${days}`] = () => client.coins.marketChart.get('bitcoin', { days, vs_currency: 'usd' });
  calls[`ohlc_${days}`] = () => client.coins.ohlc.get('bitcoin', { days, vs_currency: 'usd' });
}

async function error(call, expected) {
  try {
    await call();
    return { raised: null };
  } catch (e) {
    // Record the SDK's own class: NotFoundError for a 404, BadRequestError for a 400.
    return { raised: e instanceof expected ? expected.name : e.constructor.name, body: e.error };
  }
}

const out = {};
for (const [name, call] of Object.entries(calls)) {
  out[name] = await call();
}
out.err_not_found = await error(() => client.coins.getID('no-such-coin'), Coingecko.NotFoundError);
out.err_bad_vs = await error(() => client.coins.marketChart.get('bitcoin', { days: '1', vs_currency: 'eur' }), Coingecko.BadRequestError);
out.err_bad_days = await error(() => client.coins.marketChart.get('bitcoin', { days: '0', vs_currency: 'usd' }), Coingecko.BadRequestError);
process.stdout.write(JSON.stringify(out));
