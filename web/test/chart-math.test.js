import { test } from 'node:test';
import assert from 'node:assert/strict';

import { axisPrice, candleEnd, drawable, linearTicks, logTicks, nearestIndex, niceStep, ohlc, priceExtent, timeTicks, zoomWindow } from '../chart-math.js';

test('nice steps are 1, 2 or 5 times a power of ten', () => {
  assert.equal(niceStep(100, 10), 10);
  assert.equal(niceStep(100, 5), 20);
  assert.equal(niceStep(100, 2), 50);
  assert.equal(niceStep(0.03, 3), 0.01);
  assert.deepEqual(linearTicks(0, 100, 5), { ticks: [0, 20, 40, 60, 80, 100], step: 20 });
  assert.deepEqual(linearTicks(0.13, 0.29, 4).ticks, [0.15, 0.2, 0.25]);
});

test('log ticks thin out until they fit', () => {
  assert.deepEqual(logTicks(1, 100, 10).ticks, [1, 2, 5, 10, 20, 50, 100]);
  assert.deepEqual(logTicks(1, 100, 5).ticks, [1, 3, 10, 30, 100]);
  assert.deepEqual(logTicks(1, 1000, 3).ticks, [1, 10, 100, 1000]);
  assert.equal(logTicks(1, 10000, 3), null, 'not even powers of ten fit: the caller falls back on linear ticks');
  assert.equal(logTicks(2, 3, 5), null, 'fewer than two round values between');
});

test('axis prices carry the decimals their step needs', () => {
  assert.equal(axisPrice(30000, 5000), '$30,000');
  assert.equal(axisPrice(0.25, 0.05), '$0.250');
  assert.equal(axisPrice(1.5, 0.5), '$1.5');
});

test('time ticks: Mondays for weeks, months, then years', () => {
  const day = (text) => Date.parse(`${text}T00:00:00Z`);
  const weeks = timeTicks(day('2021-06-01'), day('2021-07-06'), 6);
  assert.deepEqual(weeks.map((t) => t.label), ['7 Jun', '14 Jun', '21 Jun', '28 Jun', '5 Jul']);
  assert.ok(weeks.every((t) => new Date(t.t).getUTCDay() === 1));
  const months = timeTicks(day('2020-07-07'), day('2021-07-06'), 6);
  assert.deepEqual(months.map((t) => t.label), ['Sep', 'Nov', '2021', 'Mar', 'May', 'Jul'], 'every other month, a year at January');
  const years = timeTicks(day('2013-04-29'), day('2021-07-06'), 6);
  assert.deepEqual(years.map((t) => t.label), ['2014', '2016', '2018', '2020']);
  assert.deepEqual(timeTicks(day('2020-12-01'), day('2021-02-01'), 3).map((t) => t.label), ['Dec', '2021', 'Feb']);
});

test('candles: missing figures fall back on the others', () => {
  assert.deepEqual(ohlc({ open: 1, high: 3, low: 0.5, close: 2 }), { open: 1, high: 3, low: 0.5, close: 2, up: true });
  assert.deepEqual(ohlc({ close: 2 }), { open: 2, high: 2, low: 2, close: 2, up: true });
  assert.deepEqual(ohlc({ open: 3, close: 2 }), { open: 3, high: 3, low: 2, close: 2, up: false });
  const candles = [{ date: '2021-07-05', open: 1, high: 5, low: 0.5, close: 2 }, { date: '2021-07-06', open: 2, high: 4, low: 1, close: 3 }];
  assert.deepEqual(priceExtent(candles, true), { min: 0.5, max: 5 });
  assert.deepEqual(priceExtent(candles, false), { min: 2, max: 3 });
  assert.equal(drawable([...candles, { date: '2021-02-30', close: 1 }, { date: '2021-07-07', close: null }]).length, 2);
});

test('the candle nearest a position', () => {
  const positions = [10, 20, 30, 40];
  assert.equal(nearestIndex(positions, 0), 0);
  assert.equal(nearestIndex(positions, 24), 1);
  assert.equal(nearestIndex(positions, 26), 2);
  assert.equal(nearestIndex(positions, 25), 2, 'a tie goes right');
  assert.equal(nearestIndex(positions, 99), 3);
  assert.equal(nearestIndex([5], 99), 0);
});

test('a week or a month candle runs past its start date', () => {
  assert.equal(candleEnd('2021-06-28', '1w'), '2021-07-04');
  assert.equal(candleEnd('2021-02-01', '1M'), '2021-02-28');
  assert.equal(candleEnd('2021-07-06', '1d'), '2021-07-06');
});

test('zoom windows halve or double around a day, inside the data', () => {
  const bounds = { first: '2013-04-29', last: '2021-07-06' };
  const year = { from: '2020-07-07', to: '2021-07-06' };
  assert.deepEqual(zoomWindow(year, '2021-01-01', 0.5, bounds), { from: '2020-10-02', to: '2021-04-02' });
  // Near the end the window slides back instead of leaving the data.
  assert.deepEqual(zoomWindow(year, '2021-07-06', 0.5, bounds), { from: '2021-01-05', to: '2021-07-06' });
  assert.deepEqual(zoomWindow(year, '2021-01-01', 2, bounds), { from: '2019-07-09', to: '2021-07-06' });
  // Never shorter than the minimum, never longer than the data.
  assert.deepEqual(zoomWindow({ from: '2021-07-01', to: '2021-07-06' }, '2021-07-03', 0.5, bounds, 7), { from: '2021-06-29', to: '2021-07-06' });
  assert.deepEqual(zoomWindow({ from: '2014-01-01', to: '2021-07-06' }, '2018-01-01', 2, bounds), { from: bounds.first, to: bounds.last });
});
