// The dashboard: every coin on a day, a page at a time from /api/v1/markets (so it stays
// fast with thousands of coins), sorted by the server, filtered through /api/v1/search.

import { getJson, isAbort, latestOnly, query } from './api.js';
import { addDays, formatDay, isDay, whyNotADay } from './dates.js';
import { $, $$, el, hideMessage, showMessage } from './dom.js';
import { formatCompact, formatInteger, formatPercent, formatPrice, isNumber, matchesFilter, trendClass } from './format.js';
import { coinHref, navigate, setQuery } from './router.js';

const SORT_KEYS = ['rank', 'name', 'symbol', 'price', 'change_1d', 'change_7d', 'change_30d', 'volume', 'market_cap'];
// The order names of /dashboard, which older links to this page carry.
const LEGACY_KEYS = { crypto: 'name', '24h': 'change_1d', '7d': 'change_7d', '1m': 'change_30d', '24h-volume': 'volume', 'market-cap': 'market_cap' };
// Names read naturally A→Z and ranks from 1; figures biggest first.
const ASCENDING_FIRST = new Set(['rank', 'name', 'symbol']);
const PER_PAGE_CHOICES = [25, 50, 100, 250];
const DEFAULT_PER_PAGE = 100;
// /api/v1/search answers at most this many coins: the filter shows the best of them.
const FILTER_LIMIT = 50;
const FIRST_RENDER = 'krispyto:first-rows';
const CHANGES = [['change_1d', '24h'], ['change_7d', '7d'], ['change_30d', '30d']];

const state = {
  date: null, // the day asked for; null: the latest day, as the server defines it
  badDate: null, // a `date` in the address that is not a day
  orderBy: 'market_cap',
  orderType: 'desc',
  filter: '',
  page: 1,
  perPage: DEFAULT_PER_PAGE,
  rows: [],
  total: 0,
  shownDate: null, // the day the rows are for
  latest: null, // the latest day of the data, once an answer told it
  first: null, // the first day of the data, when an answer told it
  capped: false, // the filter matched more coins than the search answers
  signal: latestOnly(),
};

const coinsWord = (count) => (count === 1 ? 'coin' : 'coins');

export function showDashboard(params) {
  document.title = 'krispyto · crypto prices';
  const date = params.get('date');
  state.date = date && isDay(date) ? date : null;
  state.badDate = date && !isDay(date) ? date : null;
  const orderBy = (params.get('order_by') || '').toLowerCase();
  state.orderBy = SORT_KEYS.includes(orderBy) ? orderBy : LEGACY_KEYS[orderBy] || 'market_cap';
  const orderType = (params.get('order_type') || '').toLowerCase();
  state.orderType = orderType === 'asc' || orderType === 'desc' ? orderType : 'desc';
  state.filter = params.get('q') || '';
  const page = Number(params.get('page'));
  state.page = Number.isInteger(page) && page >= 1 ? page : 1;
  const perPage = Number(params.get('per_page'));
  state.perPage = Number.isInteger(perPage) && perPage >= 1 && perPage <= 250 ? perPage : DEFAULT_PER_PAGE;
  $('#filter-input').value = state.filter;
  load();
}

function addressParams() {
  const params = new URLSearchParams();
  if (state.date) params.set('date', state.date);
  params.set('order_by', state.orderBy);
  params.set('order_type', state.orderType);
  if (state.filter) params.set('q', state.filter);
  if (state.page > 1) params.set('page', String(state.page));
  if (state.perPage !== DEFAULT_PER_PAGE) params.set('per_page', String(state.perPage));
  return params;
}

async function load() {
  const signal = state.signal();
  const table = $('#coins-table');
  const message = $('#dashboard-message');
  table.setAttribute('aria-busy', 'true');
  updateSortHeaders();
  updateDateControls();
  state.capped = false;
  if (state.badDate) {
    state.rows = [];
    state.total = 0;
    state.shownDate = null;
    showMessage(message, `${whyNotADay(state.badDate)} Pick a day with the calendar, or see the latest day.`);
    finish();
    return;
  }
  try {
    let ids = null;
    const filter = state.filter.trim();
    if (filter) {
      const { body } = await getJson(`/api/v1/search?${query({ q: filter, limit: FILTER_LIMIT })}`, signal);
      const results = Array.isArray(body.results) ? body.results : [];
      state.capped = results.length >= FILTER_LIMIT;
      ids = results.filter((coin) => matchesFilter(coin, filter)).map((coin) => coin.symbol);
      if (ids.length === 0) {
        state.rows = [];
        state.total = 0;
        state.shownDate = state.date || state.latest;
        showMessage(message, `No coin matches “${filter}”.`, 'info');
        finish();
        return;
      }
    }
    const { body } = await getJson(`/api/v1/markets?${query({
      date: state.date,
      ids: ids && ids.join(','),
      order_by: state.orderBy,
      order_type: state.orderType,
      page: state.page,
      per_page: state.perPage,
    })}`, signal);
    state.rows = Array.isArray(body.data) ? body.data : [];
    state.total = body.total || 0;
    state.shownDate = body.date || state.date;
    if (!state.date) state.latest = body.date;
    if (state.rows.length === 0 && state.total > 0 && state.page > 1) {
      // A page past the last (a shorter list than when the address was made): the last one.
      state.page = Math.ceil(state.total / state.perPage);
      setQuery(addressParams());
      load();
      return;
    }
    hideMessage(message);
    if (!state.latest) learnLatestDay();
  } catch (error) {
    if (isAbort(error)) return;
    state.rows = [];
    state.total = 0;
    state.shownDate = null;
    if (error.status === 404 && !state.date && !state.filter.trim()) {
      // Without a day or a filter, only an empty database has no rows.
      showMessage(message, 'No data yet: run `krispyto import <the Kaggle CSV files>` (or start the server with --data), then reload this page.', 'info');
    } else if (error.status === 404 && state.filter.trim()) {
      showMessage(message, `No coin matching “${state.filter.trim()}” has prices on ${state.date ? formatDay(state.date) : 'the latest day'}.`, 'info');
    } else if (error.status === 404 && state.date) {
      showMessage(message, noPricesOn(state.date, error.message));
    } else {
      showMessage(message, error.message);
    }
  }
  finish();
}

/**
 * "No prices on that day", with the days that have some when the server's message names
 * them ("... The data covers 2013-04-28 to 2021-07-06.").
 */
function noPricesOn(date, serverMessage) {
  const covers = /covers (\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})/.exec(serverMessage);
  if (!covers) return `There are no prices for ${formatDay(date)}: pick another day, or see the latest day.`;
  [, state.first, state.latest] = covers;
  return `There are no prices for ${formatDay(date)}: the data covers ${formatDay(state.first)} to ${formatDay(state.latest)}.`;
}

function finish() {
  $('#coins-table').setAttribute('aria-busy', 'false');
  render();
  updateDateControls();
  // For e2e/run.sh's timing: how long until the first rows are on screen.
  if (state.rows.length && performance.getEntriesByName(FIRST_RENDER).length === 0) performance.mark(FIRST_RENDER);
}

/** The latest day bounds the date picker; a page opened on an older day asks for it once. */
async function learnLatestDay() {
  try {
    const { body } = await getJson('/api/v1/markets?per_page=1');
    state.latest = body.date;
    updateDateControls();
  } catch {
    // The picker works without its upper bound.
  }
}

function render() {
  const fragment = document.createDocumentFragment();
  for (const row of state.rows) {
    const href = coinHref(row.symbol);
    fragment.append(el('tr', { 'data-symbol': row.symbol }, [
      el('td', { className: 'num col-rank', text: isNumber(row.rank) ? String(row.rank) : '—' }),
      el('td', { className: 'col-name' }, el('a', { href, 'data-link': true }, [
        el('span', { className: 'coin-name', text: row.name }),
        el('span', { className: 'coin-symbol-inline', text: row.symbol }),
      ])),
      el('td', { className: 'col-symbol', text: row.symbol }),
      el('td', { className: 'num', text: formatPrice(row.price), title: isNumber(row.price) ? String(row.price) : null }),
      ...CHANGES.map(([key]) => el('td', { className: `num change ${trendClass(row[key])}`, text: formatPercent(row[key]) })),
      el('td', { className: 'num', text: formatCompact(row.volume), title: row.volume ? formatPrice(row.volume) : null }),
      el('td', { className: 'num', text: formatCompact(row.market_cap), title: row.market_cap ? formatPrice(row.market_cap) : 'not reported' }),
    ]));
  }
  $('#coins-table tbody').replaceChildren(fragment);
  $('#table-summary').textContent = summary();
  renderPager();
}

function summary() {
  if (state.rows.length === 0) return '';
  const day = state.shownDate ? ` on ${formatDay(state.shownDate)}` : '';
  const filter = state.filter.trim();
  if (filter) {
    const more = state.capped ? ` Only the ${FILTER_LIMIT} best matches are shown: type more to narrow it down.` : '';
    return `${formatInteger(state.total)} ${coinsWord(state.total)} match “${filter}”${day}.${more}`;
  }
  const what = state.total <= state.rows.length
    ? `${formatInteger(state.total)} ${coinsWord(state.total)}`
    : `Coins ${formatInteger(firstShown())}–${formatInteger(firstShown() + state.rows.length - 1)} of ${formatInteger(state.total)}`;
  return `${what}${day}. Prices in US dollars at the day's close; changes against 1, 7 and 30 days before.`;
}

const firstShown = () => (state.page - 1) * state.perPage + 1;
const pageCount = () => Math.max(1, Math.ceil(state.total / state.perPage));

function renderPager() {
  const pages = pageCount();
  const pager = $('#pager');
  pager.hidden = state.rows.length === 0 || (pages === 1 && state.total <= PER_PAGE_CHOICES[0] && state.perPage === DEFAULT_PER_PAGE);
  $('#page-label').textContent = `Page ${formatInteger(state.page)} of ${formatInteger(pages)}`;
  $('#prev-page').disabled = state.page <= 1;
  $('#next-page').disabled = state.page >= pages;
  const select = $('#per-page');
  const choices = [...new Set([...PER_PAGE_CHOICES, state.perPage])].sort((a, b) => a - b);
  select.replaceChildren(...choices.map((n) => el('option', { value: String(n), text: String(n), selected: n === state.perPage })));
}

function updateSortHeaders() {
  for (const th of $$('#coins-table th[data-order]')) {
    const active = th.dataset.order === state.orderBy;
    th.setAttribute('aria-sort', active ? (state.orderType === 'asc' ? 'ascending' : 'descending') : 'none');
    th.classList.toggle('sorted', active);
  }
}

function updateDateControls() {
  const input = $('#date-input');
  const shown = state.badDate ? '' : state.shownDate || state.date || state.latest || '';
  if (document.activeElement !== input) input.value = shown;
  if (state.latest) input.max = state.latest;
  if (state.first) input.min = state.first;
  $('#prev-day').disabled = !shown || Boolean(state.first && shown <= state.first);
  $('#next-day').disabled = !shown || Boolean(state.latest && shown >= state.latest);
  $('#latest-day').disabled = !state.date && !state.badDate;
  $('#dashboard-date-label').textContent = shown ? `on ${formatDay(shown)}` : '';
}

function setDate(date) {
  state.date = date && date !== state.latest ? date : null;
  state.badDate = null;
  state.page = 1;
  setQuery(addressParams(), { push: true });
  load();
}

/** Re-reads the table after a change of order, page or filter (no new history entry). */
function reload() {
  setQuery(addressParams());
  load();
}

const shownDay = () => state.shownDate || state.date || state.latest;

$('#date-input').addEventListener('change', (event) => {
  if (isDay(event.target.value)) setDate(event.target.value);
});
$('#prev-day').addEventListener('click', () => shownDay() && setDate(addDays(shownDay(), -1)));
$('#next-day').addEventListener('click', () => shownDay() && setDate(addDays(shownDay(), 1)));
$('#latest-day').addEventListener('click', () => setDate(null));

let filterTimer = 0;
$('#filter-input').addEventListener('input', (event) => {
  clearTimeout(filterTimer);
  const value = event.target.value;
  filterTimer = setTimeout(() => {
    state.filter = value;
    state.page = 1;
    reload();
  }, 150);
});

$('#coins-table thead').addEventListener('click', (event) => {
  const th = event.target.closest('th[data-order]');
  if (!th) return;
  const key = th.dataset.order;
  if (key === state.orderBy) {
    state.orderType = state.orderType === 'desc' ? 'asc' : 'desc';
  } else {
    state.orderBy = key;
    state.orderType = ASCENDING_FIRST.has(key) ? 'asc' : 'desc';
  }
  state.page = 1;
  reload();
});

$('#prev-page').addEventListener('click', () => {
  state.page = Math.max(1, state.page - 1);
  reload();
});
$('#next-page').addEventListener('click', () => {
  state.page = Math.min(pageCount(), state.page + 1);
  reload();
});
$('#per-page').addEventListener('change', (event) => {
  // Keep the first coin shown on the new page.
  const first = firstShown();
  state.perPage = Number(event.target.value);
  state.page = Math.floor((first - 1) / state.perPage) + 1;
  reload();
});

// A whole row opens its coin, not only the name.
$('#coins-table tbody').addEventListener('click', (event) => {
  if (event.target.closest('a')) return;
  const tr = event.target.closest('tr[data-symbol]');
  if (tr && !window.getSelection().toString()) navigate(coinHref(tr.dataset.symbol));
});
