// Numbers and names for people: prices, big figures, percentages, and the one text squash
// the filter and the search box share. Pure functions (no DOM): web/test/format.test.js.

const usdCents = new Intl.NumberFormat('en-US', {
  style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2,
});
const usdSmall = new Intl.NumberFormat('en-US', {
  style: 'currency', currency: 'USD', minimumSignificantDigits: 4, maximumSignificantDigits: 4,
});
const integer = new Intl.NumberFormat('en-US');

export const isNumber = (value) => typeof value === 'number' && Number.isFinite(value);

/** `34,235`: a whole number with thousands separators. */
export const formatInteger = (value) => (isNumber(value) ? integer.format(value) : '—');

/** `$34,235.19`; below one dollar, four significant digits (`$0.2237`, `$0.4000`). */
export function formatPrice(value) {
  if (!isNumber(value)) return '—';
  if (value === 0) return '$0.00';
  return Math.abs(value) >= 1 ? usdCents.format(value) : usdSmall.format(value);
}

/** `641.9 B`: one decimal and a unit. 0 means "not reported" in the data, shown as a dash. */
export function formatCompact(value) {
  if (!isNumber(value) || value === 0) return '—';
  const units = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'K']];
  const magnitude = Math.abs(value);
  for (const [size, unit] of units) {
    // 999.96 M rounds to "1000.0 M": show it as "1.0 B" instead.
    if (magnitude >= size * 0.99995) return `${(value / size).toFixed(1)} ${unit}`;
  }
  return value.toFixed(0);
}

/** `+1.52 %`, `-3.40 %`; null (no reference day) as a dash. */
export function formatPercent(value) {
  if (!isNumber(value)) return '—';
  const rounded = Math.abs(value) < 0.005 ? 0 : value; // never "-0.00 %"
  const sign = rounded > 0 ? '+' : '';
  return `${sign}${rounded.toFixed(2)} %`;
}

/** up, down or flat, as the shown (rounded) percentage reads. */
export const trendClass = (value) => (!isNumber(value) || Math.abs(value) < 0.005 ? 'flat' : value > 0 ? 'up' : 'down');

/** Percent change from `first` to `last`; null when it cannot be computed. */
export const percentChange = (first, last) => (isNumber(first) && isNumber(last) && first !== 0 ? ((last - first) / first) * 100 : null);

/**
 * Lower-case letters and digits only, the way the server compares names: `Binance Coin`,
 * `binance-coin` and `binancecoin` squash alike.
 */
export const squash = (text) => String(text ?? '').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');

/** Whether a coin belongs under the filter `text`: its name or symbol holds it, squashed. */
export function matchesFilter(coin, text) {
  const needle = squash(text);
  if (!needle) return true;
  return squash(coin.name).includes(needle) || squash(coin.symbol).includes(needle);
}
