// A stand-in for /api/v1, answered inside the browser (Playwright routing) in exactly the
// shapes of CONTRACT.md, computed from the same Kaggle CSV files the server imported.
//
// Used ONLY when the server under test answers 404 to /api/v1/coins, i.e. before the api
// branch is merged: it lets the coin page be tested against the agreed shapes. Once the server
// serves /api/v1, the test talks to the real routes and this file is not used.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const DAY_MS = 86400000;

/** Every coin of the data directory: {symbol, name, records (ascending by date)}. */
export function loadCoins(dir) {
  const coins = new Map();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.csv')).sort()) {
    const lines = readFileSync(path.join(dir, file), 'utf8').trim().split(/\r?\n/).slice(1);
    const records = lines.map((line) => {
      const [, name, symbol, date, high, low, open, close, volume, marketCap] = line.split(',');
      return {
        name,
        symbol: symbol.toUpperCase(),
        date: date.slice(0, 10),
        open: Number(open),
        high: Number(high),
        low: Number(low),
        close: Number(close),
        volume: Number(volume),
        market_cap: Number(marketCap),
      };
    });
    records.sort((a, b) => a.date.localeCompare(b.date));
    if (records.length > 0) {
      coins.set(records[0].symbol, { symbol: records[0].symbol, name: records[0].name, records });
    }
  }
  return coins;
}

const day = ({ date, open, high, low, close, volume, market_cap }) => ({ date, open, high, low, close, volume, market_cap });

function summary(coin) {
  const { records } = coin;
  return {
    symbol: coin.symbol,
    name: coin.name,
    first_date: records[0].date,
    last_date: records[records.length - 1].date,
    days: records.length,
  };
}

function detail(coin) {
  let ath = coin.records[0];
  let atl = coin.records[0];
  for (const record of coin.records) {
    if (record.high > ath.high) ath = record;
    if (record.low < atl.low) atl = record;
  }
  return {
    ...summary(coin),
    latest: day(coin.records[coin.records.length - 1]),
    ath: { price: ath.high, date: ath.date },
    atl: { price: atl.low, date: atl.date },
  };
}

function periodStart(date, interval) {
  if (interval === '1M') return `${date.slice(0, 7)}-01`;
  if (interval === '1w') {
    const t = Date.parse(`${date}T00:00:00Z`);
    const weekday = (new Date(t).getUTCDay() + 6) % 7; // Monday = 0
    return new Date(t - weekday * DAY_MS).toISOString().slice(0, 10);
  }
  return date;
}

function history(coin, interval, from, to) {
  const candles = [];
  for (const record of coin.records) {
    if ((from && record.date < from) || (to && record.date > to)) continue;
    const start = periodStart(record.date, interval);
    const last = candles[candles.length - 1];
    if (last && last.date === start) {
      last.high = Math.max(last.high, record.high);
      last.low = Math.min(last.low, record.low);
      last.close = record.close;
      last.volume += record.volume;
      last.market_cap = record.market_cap;
      last.days += 1;
    } else {
      candles.push({ ...day(record), date: start, days: 1 });
    }
  }
  return { symbol: coin.symbol, interval, candles };
}

function search(coins, query, limit) {
  const needle = query.trim().toLowerCase();
  const results = [];
  for (const coin of coins.values()) {
    const name = coin.name.toLowerCase();
    const symbol = coin.symbol.toLowerCase();
    let match = null;
    if (name === needle || symbol === needle) match = 'exact';
    else if (name.startsWith(needle) || symbol.startsWith(needle)) match = 'prefix';
    else if (name.includes(needle) || symbol.includes(needle)) match = 'substring';
    if (match) results.push({ symbol: coin.symbol, name: coin.name, match });
  }
  const rank = { exact: 0, prefix: 1, substring: 2 };
  results.sort((a, b) => rank[a.match] - rank[b.match] || a.name.localeCompare(b.name));
  return { query, results: results.slice(0, limit) };
}

/** Answers one /api/v1 URL: {status, body}. */
export function answer(coins, url) {
  const parts = url.pathname.replace(/^\/api\/v1\//, '').split('/').map(decodeURIComponent);
  const params = url.searchParams;
  const notFound = (message) => ({ status: 404, body: { error: message } });
  if (parts[0] === 'coins' && parts.length === 1) {
    return { status: 200, body: [...coins.values()].map(summary).sort((a, b) => a.symbol.localeCompare(b.symbol)) };
  }
  if (parts[0] === 'coins' && (parts.length === 2 || (parts.length === 3 && parts[2] === 'history'))) {
    const coin = coins.get(parts[1].toUpperCase());
    if (!coin) return notFound(`No currency with symbol '${parts[1]}'.`);
    if (parts.length === 2) return { status: 200, body: detail(coin) };
    const interval = params.get('interval') || '1d';
    if (!['1d', '1w', '1M'].includes(interval)) {
      return { status: 400, body: { error: "The 'interval' parameter must be 1d, 1w or 1M." } };
    }
    return { status: 200, body: history(coin, interval, params.get('from'), params.get('to')) };
  }
  if (parts[0] === 'search' && parts.length === 1) {
    return { status: 200, body: search(coins, params.get('q') || '', Number(params.get('limit')) || 10) };
  }
  return notFound(`There is no route GET ${url.pathname}.`);
}

/** Routes the page's /api/v1 requests to the stand-in. */
export async function installStub(page, coins) {
  await page.route('**/api/v1/**', (route) => {
    const { status, body } = answer(coins, new URL(route.request().url()));
    return route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
  });
}
