// Calendar days as the API writes them (`YYYY-MM-DD`, UTC, no time). Pure functions (no
// DOM): web/test/dates.test.js.

export const DAY_MS = 86400000;
export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December'];

const dayFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC',
});

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days in a month (1-based) of a year. */
const daysInMonth = (year, month) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * The UTC midnight of a `YYYY-MM-DD` day in ms, or NaN. Impossible days are NaN too:
 * `2021-02-30` is not 2 March.
 */
export function parseDay(text) {
  const match = DAY_PATTERN.exec(typeof text === 'string' ? text : '');
  if (!match) return NaN;
  const [year, month, day] = [+match[1], +match[2], +match[3]];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  return Date.UTC(year, month - 1, day);
}

export const isDay = (text) => !Number.isNaN(parseDay(text));
export const dayString = (ms) => new Date(ms).toISOString().slice(0, 10);
export const addDays = (day, days) => dayString(parseDay(day) + days * DAY_MS);

/** The same day `months` later (or earlier), the month's last day when it is shorter. */
export function addMonths(day, months) {
  const date = new Date(parseDay(day));
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
  const lastDay = daysInMonth(target.getUTCFullYear(), target.getUTCMonth() + 1);
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return dayString(target.getTime());
}

/** Whole days from `from` to `to` (0 for the same day). */
export const daysBetween = (from, to) => Math.round((parseDay(to) - parseDay(from)) / DAY_MS);

/** `6 Jul 2021`; anything that is not a day is shown as given. */
export const formatDay = (day) => (isDay(day) ? dayFormat.format(parseDay(day)) : String(day));

/** Why `text` is not a day, in a sentence a person can act on. */
export function whyNotADay(text) {
  const match = DAY_PATTERN.exec(typeof text === 'string' ? text : '');
  if (!match) return `“${text}” is not a date: write it as year-month-day, e.g. 2021-07-06.`;
  const [year, month] = [+match[1], +match[2]];
  if (month < 1 || month > 12) return `${text} is not a date: there is no month ${month}.`;
  return `${text} is not a date: ${MONTH_NAMES[month - 1]} ${year} has ${daysInMonth(year, month)} days.`;
}
