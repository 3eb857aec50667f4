// The chart's arithmetic: axis ticks, candle shapes, the candle under a position, zoom
// windows. Pure functions (no DOM): web/test/chart-math.test.js.

import { DAY_MS, MONTHS, addDays, addMonths, daysBetween, isDay } from './dates.js';
import { isNumber } from './format.js';

/** A step of 1, 2 or 5 × 10^k giving about `count` ticks over `span`. */
export function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normal = raw / magnitude;
  return (normal < 1.5 ? 1 : normal < 3 ? 2 : normal < 7 ? 5 : 10) * magnitude;
}

/** Round values from `min` to `max`, about `count` of them, and their step. */
export function linearTicks(min, max, count) {
  const step = niceStep(max - min, count);
  const ticks = [];
  for (let value = Math.ceil(min / step) * step; value <= max + step * 1e-9; value += step) {
    ticks.push(Number(value.toPrecision(12)));
  }
  return { ticks, step };
}

/** 1, 2, 5 × 10^k (or sparser) between `min` and `max`; null when fewer than two fit. */
export function logTicks(min, max, count) {
  for (const multiples of [[1, 2, 5], [1, 3], [1]]) {
    const ticks = [];
    for (let power = Math.floor(Math.log10(min)); power <= Math.ceil(Math.log10(max)); power += 1) {
      for (const multiple of multiples) {
        const value = Number((multiple * 10 ** power).toPrecision(12));
        if (value >= min && value <= max) ticks.push(value);
      }
    }
    if (ticks.length <= count + 1) return ticks.length >= 2 ? { ticks, step: ticks[0] } : null;
  }
  return null;
}

/** A price axis label with as many decimals as the step between labels needs. */
export function axisPrice(value, step) {
  const digits = Math.min(8, Math.max(0, -Math.floor(Math.log10(step)) + (value < 1 ? 1 : 0)));
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** Date ticks (ms, label): days, weeks, months or years, whichever fits about `count`. */
export function timeTicks(start, end, count) {
  const spanDays = (end - start) / DAY_MS;
  const steps = [
    { days: 1 }, { days: 2 }, { days: 7 }, { days: 14 },
    { months: 1 }, { months: 2 }, { months: 3 }, { months: 6 },
    { years: 1 }, { years: 2 }, { years: 5 },
  ];
  const length = (step) => step.days || (step.months ? step.months * 30.44 : step.years * 365.25);
  const step = steps.find((candidate) => spanDays / length(candidate) <= count) || steps[steps.length - 1];
  const ticks = [];
  const first = new Date(start);
  if (step.days) {
    let t = Math.ceil(start / DAY_MS) * DAY_MS;
    if (step.days >= 7) while (new Date(t).getUTCDay() !== 1) t += DAY_MS; // Mondays
    for (; t <= end; t += step.days * DAY_MS) {
      ticks.push({ t, label: `${new Date(t).getUTCDate()} ${MONTHS[new Date(t).getUTCMonth()]}` });
    }
  } else if (step.months) {
    let year = first.getUTCFullYear();
    let month = first.getUTCMonth();
    while (Date.UTC(year, month, 1) < start || month % step.months !== 0) {
      month += 1;
      if (month === 12) { month = 0; year += 1; }
    }
    for (let t = Date.UTC(year, month, 1); t <= end; t = Date.UTC(year, month, 1)) {
      ticks.push({ t, label: month === 0 ? String(year) : MONTHS[month] });
      month += step.months;
      if (month >= 12) { month -= 12; year += 1; }
    }
  } else {
    let year = first.getUTCFullYear();
    while (Date.UTC(year, 0, 1) < start || year % step.years !== 0) year += 1;
    for (; Date.UTC(year, 0, 1) <= end; year += step.years) ticks.push({ t: Date.UTC(year, 0, 1), label: String(year) });
  }
  return ticks;
}

/** The candles a chart can draw: a day and a close. */
export const drawable = (candles) => candles.filter((c) => c && isDay(c.date) && isNumber(c.close));

/**
 * A candle's open, high, low and close, each falling back on what the others say when the
 * data lacks it: a candle always has a body and a wick that holds it.
 */
export function ohlc(candle) {
  const close = candle.close;
  const open = isNumber(candle.open) ? candle.open : close;
  const high = isNumber(candle.high) ? candle.high : Math.max(open, close);
  const low = isNumber(candle.low) ? candle.low : Math.min(open, close);
  return { open, high, low, close, up: close >= open };
}

/** The lowest and highest price drawn: wicks for candles, closes for a line. */
export function priceExtent(candles, candlesMode) {
  let min = Infinity;
  let max = -Infinity;
  for (const candle of candles) {
    const { high, low, close } = ohlc(candle);
    min = Math.min(min, candlesMode ? low : close);
    max = Math.max(max, candlesMode ? high : close);
  }
  return { min, max };
}

/** The index of the value nearest `target` in ascending `values` (binary search). */
export function nearestIndex(values, target) {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(values[lo - 1] - target) < Math.abs(values[lo] - target)) lo -= 1;
  return lo;
}

/** The last day a candle starting on `date` covers: a week or a month runs past its start. */
export function candleEnd(date, interval) {
  if (interval === '1w') return addDays(date, 6);
  if (interval === '1M') return addDays(addMonths(date, 1), -1);
  return date;
}

/** The fewest days a zoom may show, per interval: a few candles at least. */
export const MIN_ZOOM_DAYS = { '1d': 7, '1w': 56, '1M': 183 };

/**
 * The window `factor` times as long as `from`..`to` (0.5 zooms in, 2 out) around `center`,
 * inside `first`..`last` and at least `minDays` long. Days are `YYYY-MM-DD`.
 */
export function zoomWindow({ from, to }, center, factor, { first, last }, minDays = 7) {
  const bounds = daysBetween(first, last);
  const span = Math.max(0, daysBetween(from, to));
  const wanted = Math.min(bounds, Math.max(minDays, Math.round(span * factor)));
  let start = addDays(center, -Math.round(wanted / 2));
  if (start < first) start = first;
  let end = addDays(start, wanted);
  if (end > last) {
    end = last;
    start = addDays(last, -wanted);
    if (start < first) start = first;
  }
  return { from: start, to: end };
}
