// A coin's page: its key figures (/api/v1/coins/{symbol}, and the day's changes from
// /api/v1/markets) and its price chart (/api/v1/coins/{symbol}/history), whose range,
// interval and kind live in the address.

import { getJson, isAbort, latestOnly, query } from './api.js';
import { clearChart, drawChart, initChart } from './chart.js';
import { addDays, addMonths, formatDay, isDay } from './dates.js';
import { $, $$, el, hideMessage, showMessage } from './dom.js';
import { formatCompact, formatInteger, formatPercent, formatPrice, isNumber, percentChange, trendClass } from './format.js';
import { setQuery } from './router.js';

const RANGES = { '1M': [0, 1], '3M': [0, 3], '1Y': [1, 0], '3Y': [3, 0] };
const INTERVALS = ['1d', '1w', '1M'];

const coin = {
  symbol: null,
  info: null, // /api/v1/coins/{symbol}
  latest: null, // the coin's /api/v1/markets row on its last day
  latestPending: false,
  interval: '1d',
  range: '1Y', // a preset, or null when from/to were chosen
  from: null,
  to: null,
  kind: 'line',
  log: false,
  candles: [],
  infoSignal: latestOnly(),
  historySignal: latestOnly(),
};

function addressParams() {
  const params = new URLSearchParams();
  if (coin.interval !== '1d') params.set('interval', coin.interval);
  if (coin.range) {
    if (coin.range !== '1Y') params.set('range', coin.range);
  } else {
    if (coin.from) params.set('from', coin.from);
    if (coin.to) params.set('to', coin.to);
  }
  if (coin.kind !== 'line') params.set('chart', coin.kind);
  if (coin.log) params.set('scale', 'log');
  return params;
}

export async function showCoin(symbol, params) {
  const interval = params.get('interval');
  coin.interval = INTERVALS.includes(interval) ? interval : '1d';
  const range = params.get('range');
  const from = params.get('from');
  const to = params.get('to');
  if (isDay(from) || isDay(to)) {
    coin.range = null;
    coin.from = isDay(from) ? from : null;
    coin.to = isDay(to) ? to : null;
  } else {
    coin.range = range in RANGES || range === 'All' ? range : '1Y';
  }
  coin.kind = params.get('chart') === 'candles' ? 'candles' : 'line';
  coin.log = params.get('scale') === 'log';
  updateControls();

  const upper = symbol.toUpperCase();
  if (coin.symbol === upper && coin.info) {
    applyRange();
    loadHistory();
    return;
  }
  coin.symbol = upper;
  coin.info = null;
  coin.latest = null;
  coin.latestPending = false;
  coin.candles = [];
  coin.historySignal(); // a previous coin's history must not land on this page
  document.title = `${upper} · krispyto`;
  $('#coin-title').textContent = upper;
  $('#coin-subtitle').textContent = '';
  $('#coin-figures').replaceChildren();
  clearChart();
  hideMessage($('#coin-message'));
  $('#chart-panel').hidden = false;

  const signal = coin.infoSignal();
  try {
    const { body } = await getJson(`/api/v1/coins/${encodeURIComponent(upper)}`, signal);
    coin.info = body;
  } catch (error) {
    if (isAbort(error)) return;
    $('#chart-panel').hidden = true;
    showMessage($('#coin-message'), error.status === 404
      ? `No coin has the symbol ${upper}. Find it by name with the search box above, or go back to all coins.`
      : error.message);
    return;
  }
  const info = coin.info;
  document.title = `${info.name} (${info.symbol}) · krispyto`;
  $('#coin-title').replaceChildren(info.name, ' ', el('span', { className: 'muted', text: info.symbol }));
  const span = `Daily prices from ${formatDay(info.first_date)} to ${formatDay(info.last_date)} (${formatInteger(info.days)} days).`;
  $('#coin-subtitle').textContent = span;
  coin.latestPending = true;
  renderFigures();
  applyRange();
  loadHistory();
  // The day's changes and rank, as the dashboard shows them; the figures stand without them.
  try {
    const { body } = await getJson(`/api/v1/markets?${query({ ids: info.symbol, date: info.last_date })}`, signal);
    coin.latest = Array.isArray(body.data) ? body.data[0] || null : null;
  } catch (error) {
    if (isAbort(error)) return;
    coin.latest = null;
  }
  coin.latestPending = false;
  renderFigures();
  const rank = coin.latest && coin.latest.rank;
  if (isNumber(rank)) $('#coin-subtitle').textContent = `${span} Rank ${rank} by market cap on ${formatDay(info.last_date)}.`;
}

function figure(label, value, note, className) {
  // Tiny prices ($0.00008547) get a smaller font instead of spilling out of the card.
  const classes = [className, value.length > 10 ? 'long' : null].filter(Boolean).join(' ');
  return el('div', { className: 'figure' }, [
    el('dt', { text: label }),
    el('dd', { className: classes || null }, [value, note ? el('small', { className: 'muted', text: note }) : null]),
  ]);
}

function renderFigures() {
  const { info, latest: row } = coin;
  if (!info) return;
  const figures = [];
  const latest = info.latest;
  const price = latest ? latest.close : null;
  if (isNumber(price)) {
    figures.push(figure('Price', formatPrice(price), `close on ${formatDay(latest.date)}`));
  }
  // Until the day's changes arrive, placeholders keep the layout from jumping.
  if (row || coin.latestPending) {
    for (const [key, label] of [['change_1d', '24h change'], ['change_7d', '7d change'], ['change_30d', '30d change']]) {
      figures.push(row
        ? figure(label, formatPercent(row[key]), null, `change ${trendClass(row[key])}`)
        : figure(label, '…', null, 'change flat'));
    }
  }
  if (info.ath && isNumber(info.ath.price)) {
    figures.push(figure('All-time high', formatPrice(info.ath.price), `on ${formatDay(info.ath.date)}`));
    const drawdown = percentChange(info.ath.price, price);
    if (drawdown !== null) figures.push(figure('From the high', formatPercent(drawdown), 'drawdown', `change ${trendClass(drawdown)}`));
  }
  if (info.atl && isNumber(info.atl.price)) {
    figures.push(figure('All-time low', formatPrice(info.atl.price), `on ${formatDay(info.atl.date)}`));
  }
  const marketCap = latest ? latest.market_cap : null;
  figures.push(figure('Market cap', formatCompact(marketCap), marketCap ? null : 'not reported'));
  figures.push(figure('24h volume', formatCompact(latest ? latest.volume : null)));
  $('#coin-figures').replaceChildren(...figures);
}

/** Turns a range preset into from/to, counted back from the coin's last day. */
function applyRange() {
  const info = coin.info;
  if (!info || !coin.range) return;
  if (coin.range === 'All') {
    coin.from = info.first_date;
    coin.to = info.last_date;
    return;
  }
  const [years, months] = RANGES[coin.range];
  const from = addDays(addMonths(info.last_date, -(years * 12 + months)), 1);
  coin.from = from < info.first_date ? info.first_date : from;
  coin.to = info.last_date;
}

async function loadHistory() {
  const info = coin.info;
  if (!info) return;
  const signal = coin.historySignal();
  updateControls();
  const chart = $('#chart');
  chart.setAttribute('aria-busy', 'true');
  try {
    const path = `/api/v1/coins/${encodeURIComponent(info.symbol)}/history?${query({ interval: coin.interval, from: coin.from, to: coin.to })}`;
    const { body } = await getJson(path, signal);
    coin.candles = Array.isArray(body.candles) ? body.candles : [];
    hideMessage($('#coin-message'));
  } catch (error) {
    if (isAbort(error)) return;
    coin.candles = [];
    showMessage($('#coin-message'), error.message);
  }
  chart.setAttribute('aria-busy', 'false');
  draw();
}

function draw() {
  const info = coin.info;
  drawChart({
    candles: coin.candles,
    interval: coin.interval,
    kind: coin.kind,
    log: coin.log,
    name: info ? info.name : coin.symbol,
    first: info && info.first_date,
    last: info && info.last_date,
  });
}

function updateControls() {
  for (const button of $$('#range-buttons button')) button.setAttribute('aria-pressed', String(button.dataset.range === coin.range));
  for (const button of $$('#interval-buttons button')) button.setAttribute('aria-pressed', String(button.dataset.interval === coin.interval));
  for (const button of $$('#kind-buttons button')) button.setAttribute('aria-pressed', String(button.dataset.kind === coin.kind));
  $('#log-scale').checked = coin.log;
  const info = coin.info;
  for (const input of [$('#from-input'), $('#to-input')]) {
    if (info) {
      input.min = info.first_date;
      input.max = info.last_date;
    }
  }
  $('#from-input').value = coin.from || '';
  $('#to-input').value = coin.to || '';
}

function changeChart(change) {
  Object.assign(coin, change);
  setQuery(addressParams());
  if ('range' in change) applyRange();
  if ('kind' in change || 'log' in change) {
    updateControls();
    draw();
  } else {
    loadHistory();
  }
}

initChart({ zoom: ({ from, to }) => changeChart({ range: null, from, to }) });

$('#range-buttons').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-range]');
  if (button) changeChart({ range: button.dataset.range });
});
$('#interval-buttons').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-interval]');
  if (button) changeChart({ interval: button.dataset.interval });
});
$('#kind-buttons').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-kind]');
  if (button) changeChart({ kind: button.dataset.kind });
});
$('#log-scale').addEventListener('change', (event) => changeChart({ log: event.target.checked }));

/** A start after the end moves the end to the last day, and an end before the start
 * moves the start to the first day: the field just edited is what the person meant. */
function onRangeInput(event) {
  const info = coin.info;
  let from = $('#from-input').value || null;
  let to = $('#to-input').value || null;
  if (from && to && from > to) {
    if (event.target.id === 'from-input') to = info ? info.last_date : null;
    else from = info ? info.first_date : null;
  }
  changeChart({ range: null, from, to });
}
$('#from-input').addEventListener('change', onRangeInput);
$('#to-input').addEventListener('change', onRangeInput);
