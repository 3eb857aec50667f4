// The coin page's price chart (SVG): a line or candles over volume bars, a crosshair with
// the day's figures under the pointer or the keyboard, zoom by dragging or with + and −, and
// the same figures as a table for those who would rather read than look.

import { axisPrice, candleEnd, drawable, linearTicks, logTicks, MIN_ZOOM_DAYS, nearestIndex, ohlc, priceExtent, timeTicks, zoomWindow } from './chart-math.js';
import { formatDay, parseDay } from './dates.js';
import { $, el, svg } from './dom.js';
import { formatCompact, formatPercent, formatPrice, isNumber, percentChange, trendClass } from './format.js';

const NOUNS = { '1d': 'day', '1w': 'week', '1M': 'month' };
const PERIODS = { '1d': '', '1w': 'week of ', '1M': 'month of ' };

let model = null; // what was drawn: {candles, interval, kind, log, name, first, last, from, to}
let geometry = null; // what the pointer and keyboard handlers need to map x back to candles
let current = -1; // the candle under the crosshair
let focusDate = null; // the day the keyboard crosshair returns to after a redraw
let onZoom = () => {};

const noun = (count) => {
  const word = NOUNS[model.interval] || 'point';
  return count === 1 ? word : `${word}s`;
};
const chartBox = () => $('#chart');

/** Wires the chart's pointer and keyboard handlers; `zoom({from, to})` changes the range. */
export function initChart({ zoom }) {
  onZoom = zoom;
  const box = chartBox();
  box.addEventListener('pointermove', onPointerMove);
  box.addEventListener('pointerleave', () => { if (document.activeElement !== box) hideCrosshair(); });
  box.addEventListener('pointerdown', onPointerDown);
  box.addEventListener('pointerup', onPointerUp);
  box.addEventListener('pointercancel', () => {
    brushStart = null;
    if (geometry) geometry.selection.setAttribute('visibility', 'hidden');
  });
  box.addEventListener('keydown', onKeyDown);
  box.addEventListener('focus', () => { if (geometry) showCrosshair(current >= 0 ? current : geometry.candles.length - 1, { announce: true }); });
  box.addEventListener('blur', hideCrosshair);
  $('#chart-data').addEventListener('toggle', () => { if ($('#chart-data').open) renderTable(); });

  let frame = 0;
  let lastWidth = 0;
  new ResizeObserver((entries) => {
    const width = Math.round(entries[0].contentRect.width);
    if (width === lastWidth) return;
    lastWidth = width;
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => { if (model && !$('#coin-view').hidden) drawChart(model); });
  }).observe(box);
}

/** Empties the chart, with a line of text when there is something to say. */
export function clearChart(text = '') {
  model = null;
  geometry = null;
  current = -1;
  chartBox().replaceChildren(text ? el('p', { className: 'chart-empty muted', text }) : '');
  $('#chart-caption').textContent = '';
  $('#chart-tooltip').hidden = true;
  $('#chart-table').replaceChildren();
}

export function drawChart(next) {
  model = next;
  const container = chartBox();
  const candles = drawable(model.candles);
  const caption = $('#chart-caption');
  $('#chart-tooltip').hidden = true;
  geometry = null;
  current = -1;
  if (candles.length === 0) {
    clearChart('No prices in this date range.');
    return;
  }

  const width = Math.max(280, container.clientWidth || 800);
  const height = Math.round(Math.min(480, Math.max(300, width * 0.48)));
  const margin = { top: 12, right: width < 500 ? 58 : 72, bottom: 26, left: 8 };
  const plotWidth = width - margin.left - margin.right;
  const volumeHeight = Math.round((height - margin.top - margin.bottom) * 0.2);
  const gap = 10;
  const priceHeight = height - margin.top - margin.bottom - volumeHeight - gap;
  const priceBottom = margin.top + priceHeight;
  const volumeTop = priceBottom + gap;

  const times = candles.map((c) => parseDay(c.date));
  const t0 = times[0];
  const t1 = times[times.length - 1];
  // Half a slot of room on each side, so the first and last candles are not cut in half.
  const slot = candles.length > 1 ? plotWidth / candles.length : plotWidth;
  const innerLeft = margin.left + slot / 2;
  const innerWidth = Math.max(0, plotWidth - slot);
  const x = (t) => (t1 === t0 ? margin.left + plotWidth / 2 : innerLeft + ((t - t0) / (t1 - t0)) * innerWidth);

  const candlesMode = model.kind === 'candles';
  let { min, max } = priceExtent(candles, candlesMode);
  const lowest = min;
  const useLog = model.log && min > 0;
  let y;
  let ticks;
  if (useLog) {
    const pad = (Math.log10(max) - Math.log10(min)) * 0.06 || 0.02;
    const lo = Math.log10(min) - pad;
    const hi = Math.log10(max) + pad;
    y = (value) => priceBottom - ((Math.log10(value) - lo) / (hi - lo)) * priceHeight;
    ticks = logTicks(10 ** lo, 10 ** hi, Math.max(3, Math.floor(priceHeight / 45)));
    min = 10 ** lo;
    max = 10 ** hi;
  } else {
    const pad = (max - min) * 0.06 || Math.abs(max) * 0.02 || 1;
    min -= pad;
    max += pad;
    if (min < 0 && lowest >= 0) min = 0;
    y = (value) => priceBottom - ((value - min) / (max - min)) * priceHeight;
  }
  if (!ticks) ticks = linearTicks(min, max, Math.max(3, Math.floor(priceHeight / 45)));

  const firstDay = candles[0].date;
  const lastDay = candles[candles.length - 1].date;
  const root = svg('svg', {
    class: 'chart-svg',
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-label': `${model.name} price, ${candles.length} ${noun(candles.length)} from ${formatDay(firstDay)} to ${formatDay(lastDay)}`,
    'data-testid': 'price-chart',
    'data-points': String(candles.length),
    'data-interval': model.interval,
    'data-kind': candlesMode ? 'candles' : 'line',
    'data-from': firstDay,
    'data-to': lastDay,
  });

  // Grid and axes.
  const grid = svg('g', { class: 'grid' });
  for (const value of ticks.ticks) {
    const ty = y(value);
    if (ty < margin.top - 1 || ty > priceBottom + 1) continue;
    grid.append(svg('line', { x1: margin.left, x2: margin.left + plotWidth, y1: ty, y2: ty }));
    const label = svg('text', { x: margin.left + plotWidth + 6, y: ty, 'dominant-baseline': 'middle', class: 'axis-label' });
    label.textContent = axisPrice(value, useLog ? value : ticks.step);
    grid.append(label);
  }
  const dateTicks = t1 === t0 ? [{ t: t0, label: formatDay(firstDay) }] : timeTicks(t0, t1, Math.max(3, Math.floor(plotWidth / 60)));
  for (const tick of dateTicks) {
    const tx = x(tick.t);
    grid.append(svg('line', { x1: tx, x2: tx, y1: margin.top, y2: volumeTop + volumeHeight, class: 'vertical' }));
    const label = svg('text', { x: tx, y: height - 8, 'text-anchor': 'middle', class: 'axis-label' });
    label.textContent = tick.label;
    grid.append(label);
  }
  root.append(grid);

  // Volume bars, under the price.
  const volumes = candles.map((c) => (isNumber(c.volume) ? c.volume : 0));
  const maxVolume = Math.max(...volumes) || 1;
  const barWidth = Math.max(1, Math.min(14, slot * 0.7));
  const volumeGroup = svg('g', { class: 'volume', 'data-points': String(candles.length) });
  candles.forEach((candle, index) => {
    const barHeight = Math.max(volumes[index] > 0 ? 1 : 0, (volumes[index] / maxVolume) * volumeHeight);
    volumeGroup.append(svg('rect', {
      x: (x(times[index]) - barWidth / 2).toFixed(2),
      y: (volumeTop + volumeHeight - barHeight).toFixed(2),
      width: barWidth.toFixed(2),
      height: barHeight.toFixed(2),
      class: ohlc(candle).up ? 'up' : 'down',
    }));
  });
  root.append(volumeGroup);
  const volumeLabel = svg('text', { x: margin.left + 4, y: volumeTop + 8, class: 'axis-label', 'dominant-baseline': 'middle' });
  volumeLabel.textContent = `Volume (max ${formatCompact(maxVolume)})`;
  root.append(volumeLabel);

  // Prices.
  const first = candles[0].close;
  const last = candles[candles.length - 1].close;
  const trend = last >= first ? 'up' : 'down';
  if (candlesMode) {
    const group = svg('g', { class: 'candles', 'data-points': String(candles.length) });
    candles.forEach((candle, index) => {
      const cx = x(times[index]);
      const { open, high, low, close, up } = ohlc(candle);
      const g = svg('g', { class: `candle ${up ? 'up' : 'down'}`, 'data-date': candle.date });
      g.append(svg('line', { x1: cx, x2: cx, y1: y(high).toFixed(2), y2: y(low).toFixed(2) }));
      g.append(svg('rect', {
        x: (cx - barWidth / 2).toFixed(2),
        y: Math.min(y(open), y(close)).toFixed(2),
        width: barWidth.toFixed(2),
        height: Math.max(1, Math.abs(y(open) - y(close))).toFixed(2),
      }));
      group.append(g);
    });
    root.append(group);
  } else {
    const points = candles.map((candle, index) => `${x(times[index]).toFixed(2)},${y(candle.close).toFixed(2)}`);
    const line = `M${points.join('L')}`;
    const area = `${line}L${x(t1).toFixed(2)},${priceBottom}L${x(t0).toFixed(2)},${priceBottom}Z`;
    root.append(svg('path', { d: area, class: `price-area ${trend}` }));
    root.append(svg('path', { d: line, class: `price-line ${trend}`, 'data-points': String(candles.length) }));
    if (candles.length === 1) root.append(svg('circle', { cx: x(t0), cy: y(first), r: 4, class: `price-dot ${trend}` }));
  }

  // Crosshair, zoom selection, and the transparent layer that receives the pointer.
  const crosshair = svg('g', { class: 'crosshair', visibility: 'hidden' });
  crosshair.append(svg('line', { y1: margin.top, y2: volumeTop + volumeHeight }));
  crosshair.append(svg('circle', { r: 4 }));
  root.append(crosshair);
  const selection = svg('rect', { class: 'selection', y: margin.top, height: volumeTop + volumeHeight - margin.top, width: 0, visibility: 'hidden' });
  root.append(selection);
  root.append(svg('rect', { class: 'overlay', x: margin.left, y: margin.top, width: plotWidth, height: volumeTop + volumeHeight - margin.top }));

  container.replaceChildren(root);
  geometry = { candles, positions: times.map(x), y, width, margin, plotWidth, crosshair, selection, root };

  const change = percentChange(first, last);
  caption.replaceChildren(
    `${formatDay(firstDay)} – ${formatDay(lastDay)}: ${candles.length} ${noun(candles.length)}, `,
    el('span', { className: `change ${trendClass(change)}`, text: formatPercent(change) }),
    '. Drag across the chart to zoom in; from the keyboard, arrows move between days and + or − zoom.',
  );
  if ($('#chart-data').open) renderTable();
  // The keyboard's crosshair stays on its day through a zoom.
  if (document.activeElement === container) {
    const index = focusDate ? nearestIndex(times, parseDay(focusDate)) : candles.length - 1;
    showCrosshair(index, { announce: true });
  }
}

/** The figures of a candle, as label/value pairs. */
function figures(candle) {
  return [
    ['Open', formatPrice(candle.open)], ['High', formatPrice(candle.high)],
    ['Low', formatPrice(candle.low)], ['Close', formatPrice(candle.close)],
    ['Volume', formatCompact(candle.volume)],
  ];
}

function showCrosshair(index, { announce = false } = {}) {
  if (!geometry) return;
  current = Math.max(0, Math.min(geometry.candles.length - 1, index));
  const candle = geometry.candles[current];
  const cx = geometry.positions[current];
  const cy = geometry.y(candle.close);
  const [line, dot] = geometry.crosshair.children;
  geometry.crosshair.setAttribute('visibility', 'visible');
  line.setAttribute('x1', cx);
  line.setAttribute('x2', cx);
  dot.setAttribute('cx', cx);
  dot.setAttribute('cy', cy);

  const tooltip = $('#chart-tooltip');
  const title = `${PERIODS[model.interval] || ''}${formatDay(candle.date)}`;
  const rows = figures(candle);
  tooltip.replaceChildren(
    el('strong', { text: title }),
    el('dl', {}, rows.flatMap(([label, value]) => [el('dt', { text: label }), el('dd', { text: value })])),
  );
  tooltip.hidden = false;
  const scale = geometry.root.getBoundingClientRect().width / geometry.width;
  const left = cx * scale;
  const tooltipWidth = tooltip.offsetWidth;
  const boxWidth = chartBox().clientWidth;
  tooltip.style.left = `${left + 14 + tooltipWidth > boxWidth ? Math.max(0, left - 14 - tooltipWidth) : left + 14}px`;
  tooltip.style.top = `${Math.max(4, cy * scale - 40)}px`;
  if (announce) {
    focusDate = candle.date;
    $('#chart-status').textContent = `${title}: ${rows.map(([label, value]) => `${label.toLowerCase()} ${value}`).join(', ')}.`;
  }
}

function hideCrosshair() {
  if (geometry) geometry.crosshair.setAttribute('visibility', 'hidden');
  $('#chart-tooltip').hidden = true;
}

// Keys: arrows a candle, Page Up/Down ten, Home/End the ends, + and − zoom around the
// crosshair, Escape hides it.
function onKeyDown(event) {
  if (!geometry || event.altKey || event.ctrlKey || event.metaKey) return;
  const last = geometry.candles.length - 1;
  const at = current >= 0 ? current : last;
  const moves = { ArrowLeft: at - 1, ArrowRight: at + 1, PageUp: at - 10, PageDown: at + 10, Home: 0, End: last };
  if (event.key in moves) {
    showCrosshair(moves[event.key], { announce: true });
  } else if (event.key === '+' || event.key === '=') {
    zoomAround(at, 0.5);
  } else if (event.key === '-' || event.key === '_' || event.key === '−') {
    zoomAround(at, 2);
  } else if (event.key === 'Escape') {
    hideCrosshair();
  } else {
    return;
  }
  event.preventDefault();
}

function zoomAround(index, factor) {
  const candles = geometry.candles;
  const center = candles[index].date;
  const shown = { from: candles[0].date, to: candleEnd(candles[candles.length - 1].date, model.interval) };
  const next = zoomWindow(shown, center, factor, { first: model.first, last: model.last }, MIN_ZOOM_DAYS[model.interval]);
  if (next.from === shown.from && next.to === shown.to) {
    $('#chart-status').textContent = factor < 1 ? 'The chart is zoomed in as far as it goes.' : 'The chart shows every day already.';
    return;
  }
  focusDate = center;
  $('#chart-status').textContent = `Showing ${formatDay(next.from)} to ${formatDay(next.to)}.`;
  onZoom(next);
}

// Pointer: hover shows a day; a drag with a mouse or pen zooms into the dates under it.
let brushStart = null;

function pointerX(event) {
  const box = geometry.root.getBoundingClientRect();
  return ((event.clientX - box.left) / box.width) * geometry.width;
}

function onPointerMove(event) {
  if (!geometry) return;
  const px = pointerX(event);
  showCrosshair(nearestIndex(geometry.positions, px));
  if (brushStart !== null) {
    const { margin, plotWidth, selection } = geometry;
    const clamped = Math.min(margin.left + plotWidth, Math.max(margin.left, px));
    selection.setAttribute('x', Math.min(brushStart, clamped));
    selection.setAttribute('width', Math.abs(clamped - brushStart));
    selection.setAttribute('visibility', 'visible');
  }
}

// On touch screens a tap shows the day and a drag scrolls the page.
function onPointerDown(event) {
  if (!geometry) return;
  if (event.pointerType === 'touch') {
    showCrosshair(nearestIndex(geometry.positions, pointerX(event)));
    return;
  }
  if (event.button !== 0) return;
  brushStart = pointerX(event);
  chartBox().setPointerCapture(event.pointerId);
  event.preventDefault();
}

function onPointerUp(event) {
  if (brushStart === null || !geometry) return;
  const start = brushStart;
  brushStart = null;
  geometry.selection.setAttribute('visibility', 'hidden');
  const end = pointerX(event);
  if (Math.abs(end - start) < 8) return;
  const a = nearestIndex(geometry.positions, Math.min(start, end));
  const b = nearestIndex(geometry.positions, Math.max(start, end));
  if (a === b && model.interval === '1d') return;
  // A weekly or monthly candle covers days after its start date: keep them.
  const to = candleEnd(geometry.candles[b].date, model.interval);
  onZoom({ from: geometry.candles[a].date, to: model.last && to > model.last ? model.last : to });
}

/** The drawn candles as a table, newest first: built only while its box is open. */
function renderTable() {
  if (!model) return;
  const candles = drawable(model.candles).slice().reverse();
  const period = { '1d': 'Day', '1w': 'Week of', '1M': 'Month of' }[model.interval] || 'Day';
  const head = el('tr', {}, [period, 'Open', 'High', 'Low', 'Close', 'Volume'].map((label, i) => el('th', { scope: 'col', className: i ? 'num' : null, text: label })));
  const body = document.createDocumentFragment();
  for (const candle of candles) {
    body.append(el('tr', {}, [
      el('th', { scope: 'row', text: formatDay(candle.date) }),
      ...figures(candle).map(([, value]) => el('td', { className: 'num', text: value })),
    ]));
  }
  $('#chart-table').replaceChildren(
    el('caption', { className: 'visually-hidden', text: `${model.name}: ${candles.length} ${noun(candles.length)}, newest first` }),
    el('thead', {}, head),
    el('tbody', {}, body),
  );
}
