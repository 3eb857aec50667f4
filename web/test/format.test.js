import { test } from 'node:test';
import assert from 'node:assert/strict';

import { formatCompact, formatInteger, formatPercent, formatPrice, matchesFilter, percentChange, squash, trendClass } from '../format.js';

test('prices: cents from a dollar up, four significant digits below', () => {
  assert.equal(formatPrice(34235.19345116), '$34,235.19');
  assert.equal(formatPrice(1), '$1.00');
  assert.equal(formatPrice(0.22369), '$0.2237');
  assert.equal(formatPrice(0.4), '$0.4000');
  assert.equal(formatPrice(0.00008547), '$0.00008547');
  assert.equal(formatPrice(0), '$0.00');
  assert.equal(formatPrice(null), '—');
  assert.equal(formatPrice(Number.NaN), '—');
});

test('big figures: one decimal and a unit, 0 as not reported', () => {
  assert.equal(formatCompact(641_899_935_000), '641.9 B');
  assert.equal(formatCompact(26_501_259_870), '26.5 B');
  assert.equal(formatCompact(1.5e12), '1.5 T');
  assert.equal(formatCompact(999_960_000), '1.0 B', 'never "1000.0 M"');
  assert.equal(formatCompact(12_345), '12.3 K');
  assert.equal(formatCompact(999), '999');
  assert.equal(formatCompact(-2_500_000), '-2.5 M');
  assert.equal(formatCompact(0), '—');
  assert.equal(formatCompact(undefined), '—');
});

test('percentages: a sign, two decimals, never -0.00', () => {
  assert.equal(formatPercent(1.523), '+1.52 %');
  assert.equal(formatPercent(-3.4), '-3.40 %');
  assert.equal(formatPercent(-0.004), '0.00 %');
  assert.equal(formatPercent(0), '0.00 %');
  assert.equal(formatPercent(null), '—');
  assert.equal(trendClass(1.523), 'up');
  assert.equal(trendClass(-0.01), 'down');
  assert.equal(trendClass(-0.004), 'flat', 'as the rounded figure reads');
  assert.equal(trendClass(null), 'flat');
});

test('percent change and integers', () => {
  assert.equal(percentChange(100, 150), 50);
  assert.equal(percentChange(64863.0989077, 34235.19345116).toFixed(2), '-47.22');
  assert.equal(percentChange(0, 5), null);
  assert.equal(percentChange(null, 5), null);
  assert.equal(formatInteger(2991), '2,991');
});

test('squash keeps letters and digits, lower-cased, as the server does', () => {
  assert.equal(squash('Binance Coin'), 'binancecoin');
  assert.equal(squash('binance-coin'), 'binancecoin');
  assert.equal(squash('USD//Coin 2'), 'usdcoin2');
  assert.equal(squash('Crypto.com Coin'), 'cryptocomcoin');
  assert.equal(squash('Ægir Ö'), 'ægirö', 'letters beyond ASCII are letters');
  assert.equal(squash('  -- '), '');
  assert.equal(squash(null), '');
});

test('the filter matches names and symbols, squashed', () => {
  const bnb = { name: 'Binance Coin', symbol: 'BNB' };
  assert.ok(matchesFilter(bnb, 'coin'));
  assert.ok(matchesFilter(bnb, 'ance co'));
  assert.ok(matchesFilter(bnb, 'binancecoin'));
  assert.ok(matchesFilter(bnb, 'bn'));
  assert.ok(matchesFilter(bnb, ''), 'no filter, every coin');
  assert.ok(!matchesFilter(bnb, 'bitcoin'));
  assert.ok(!matchesFilter({ name: 'Ethereum', symbol: 'ETH' }, 'coin'));
});
