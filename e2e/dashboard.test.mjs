// End-to-end test of the web dashboard in headless Chromium, against a krispyto server that
// imported the real Kaggle data. Started by e2e/run.sh, which passes:
//   KRISPYTO_E2E_URL          the server, e.g. http://127.0.0.1:40123
//   KRISPYTO_E2E_EMPTY_URL    a second server, on an empty database
//   KRISPYTO_E2E_DATA         the data directory the server imported (for the /api/v1 stand-in)
//   KRISPYTO_E2E_SCREENSHOTS  where to save screenshots
//   CHROMIUM                  the browser (default /usr/bin/chromium)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { installStub, loadCoins } from './v1-stub.mjs';

const BASE = process.env.KRISPYTO_E2E_URL;
const EMPTY = process.env.KRISPYTO_E2E_EMPTY_URL;
const DATA = process.env.KRISPYTO_E2E_DATA;
const SCREENSHOTS = process.env.KRISPYTO_E2E_SCREENSHOTS || path.resolve('../target/e2e-screenshots');
if (!BASE || !EMPTY || !DATA) {
  throw new Error('Run this through e2e/run.sh (it sets KRISPYTO_E2E_URL, KRISPYTO_E2E_EMPTY_URL and KRISPYTO_E2E_DATA).');
}

const DESKTOP = { width: 1440, height: 900 };
const MOBILE = { width: 390, height: 844 };

let browser;
let serverHasV1;
let coins;

before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  serverHasV1 = (await fetch(`${BASE}/api/v1/coins`)).status !== 404;
  if (!serverHasV1) {
    coins = loadCoins(DATA);
    console.log('# this server has no /api/v1 yet: the coin page is tested against a stand-in with the CONTRACT.md shapes');
  }
});

after(async () => {
  await browser?.close();
});

/**
 * A fresh page that records every console error and uncaught exception. `expectedFailures`
 * matches URLs a test makes fail on purpose (the browser logs each failed load as an error).
 */
async function openPage(viewport, { stubV1 = true } = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push({ text: message.text(), url: message.location().url || '' });
  });
  page.on('pageerror', (error) => errors.push({ text: `uncaught: ${error.message}`, url: '' }));
  if (stubV1 && !serverHasV1) await installStub(page, coins);
  page.assertNoConsoleErrors = (expectedFailures = null) => {
    const unexpected = errors.filter((error) => !(
      expectedFailures
      && error.text.startsWith('Failed to load resource')
      && expectedFailures.test(error.url)
    ));
    assert.deepEqual(unexpected, [], 'no console errors');
  };
  return page;
}

const rowSymbols = (page) => page.$$eval('#coins-table tbody tr[data-symbol]', (rows) => rows.map((row) => row.dataset.symbol));

/** Waits until the table's request settled (rows drawn or a message shown). */
async function tableSettled(page) {
  await page.waitForFunction(() => {
    const table = document.querySelector('#coins-table');
    return table.getAttribute('aria-busy') === 'false'
      && (table.querySelector('tbody tr') || !document.querySelector('#dashboard-message').hidden);
  });
}

/** Clicks and waits for the /dashboard answer the click asks for, then for the table. */
async function clickAndLoad(page, selector, expectedQuery) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/dashboard?') && expectedQuery.every((part) => r.url().includes(part))),
    page.click(selector),
  ]);
  await tableSettled(page);
  return response;
}

async function chartSettled(page) {
  await page.waitForFunction(() => {
    const chart = document.querySelector('#chart');
    return chart.getAttribute('aria-busy') === 'false' && chart.querySelector('svg[data-points], .chart-empty');
  });
  return page.$eval('#chart', (chart) => {
    const svg = chart.querySelector('svg[data-points]');
    return svg && {
      points: Number(svg.dataset.points),
      from: svg.dataset.from,
      to: svg.dataset.to,
      interval: svg.dataset.interval,
      kind: svg.dataset.kind,
      volumeBars: svg.querySelectorAll('.volume rect').length,
      candles: svg.querySelectorAll('.candle').length,
      lineVertices: (svg.querySelector('.price-line')?.getAttribute('d').match(/[ML]/g) || []).length,
    };
  });
}

describe('dashboard', () => {
  test('shows every coin of 2021-07-06, sorts through the API, filters, formats', async () => {
    const page = await openPage(DESKTOP);
    await page.goto(`${BASE}/`);
    await tableSettled(page);
    // The default day is the latest day of the data.
    assert.equal(await page.inputValue('#date-input'), '2021-07-06');

    // Another day through the picker, then back to 2021-07-06.
    const [earlier] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/dashboard?') && r.url().includes('date=2017-01-01')),
      page.fill('#date-input', '2017-01-01'),
    ]);
    assert.equal(earlier.status(), 200);
    await tableSettled(page);
    const coinsIn2017 = (await rowSymbols(page)).length;
    assert.ok(coinsIn2017 > 0 && coinsIn2017 < 23, `fewer coins traded on 2017-01-01 (${coinsIn2017})`);
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('/dashboard?') && !r.url().includes('date=2017')),
      page.fill('#date-input', '2021-07-06'),
    ]);
    await tableSettled(page);
    assert.equal((await rowSymbols(page)).length, 23, '23 rows on 2021-07-06');

    // Sorting asks the API: price descending puts Bitcoin first, ascending last.
    await clickAndLoad(page, 'th[data-order="price"] button', ['order_by=price', 'order_type=desc']);
    let symbols = await rowSymbols(page);
    assert.equal(symbols.length, 23);
    assert.equal(symbols[0], 'BTC');
    assert.equal(await page.textContent('#coins-table tbody tr:first-child .coin-name'), 'Bitcoin');
    assert.equal(await page.getAttribute('th[data-order="price"]', 'aria-sort'), 'descending');
    await clickAndLoad(page, 'th[data-order="price"] button', ['order_by=price', 'order_type=asc']);
    symbols = await rowSymbols(page);
    assert.equal(symbols[symbols.length - 1], 'BTC');
    assert.equal(await page.getAttribute('th[data-order="price"]', 'aria-sort'), 'ascending');
    assert.match(page.url(), /order_by=price&order_type=asc/);

    // Every column sorts both ways.
    for (const key of ['crypto', 'symbol', '24h', '7d', '1m', '24h-volume', 'market-cap']) {
      const first = await clickAndLoad(page, `th[data-order="${key}"] button`, [`order_by=${key}`]);
      assert.equal(first.status(), 200, key);
      const second = await clickAndLoad(page, `th[data-order="${key}"] button`, [`order_by=${key}`]);
      assert.equal(second.status(), 200, key);
      assert.notEqual(new URL(first.url()).searchParams.get('order_type'), new URL(second.url()).searchParams.get('order_type'), key);
    }
    await clickAndLoad(page, 'th[data-order="crypto"] button', ['order_by=crypto', 'order_type=asc']);
    symbols = await rowSymbols(page);
    assert.equal(symbols[0], 'AAVE', 'names A→Z start with Aave');

    // Numbers for people.
    const btc = page.locator('#coins-table tbody tr[data-symbol="BTC"] td');
    assert.equal(await btc.nth(2).textContent(), '$34,235.19');
    assert.equal(await btc.nth(7).textContent(), '641.9 B');
    assert.equal(await btc.nth(6).textContent(), '26.5 B');
    assert.match(await btc.nth(3).getAttribute('class'), /\b(up|down|flat)\b/);

    // Market cap descending for the screenshot, then the filter (in the page only).
    await clickAndLoad(page, 'th[data-order="market-cap"] button', ['order_by=market-cap', 'order_type=desc']);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-desktop-1440.png'), fullPage: true });
    await page.fill('#filter-input', 'coin');
    symbols = await rowSymbols(page);
    const names = await page.$$eval('#coins-table tbody .coin-name', (cells) => cells.map((cell) => cell.textContent));
    assert.ok(names.length > 0 && names.every((name) => /coin/i.test(name)), names.join());
    assert.ok(symbols.includes('BNB') && symbols.includes('DOGE') && !symbols.includes('ETH'), symbols.join());
    assert.match(await page.textContent('#table-summary'), new RegExp(`^${symbols.length} of 23 coins`));
    page.assertNoConsoleErrors();
    await page.context().close();
  });

  test('shows the API error message, not a blank page', async () => {
    const page = await openPage(DESKTOP);
    await page.goto(`${BASE}/?date=2030-01-01`);
    await tableSettled(page);
    const message = await page.textContent('#dashboard-message');
    const apiError = (await (await fetch(`${BASE}/dashboard?id=all&date=2030-01-01`)).json()).error;
    assert.equal(message, apiError);
    assert.ok(await page.isVisible('#dashboard-message'));
    assert.ok(await page.isVisible('#coins-table thead'));
    page.assertNoConsoleErrors(/\/dashboard\?/);
    await page.context().close();
  });

  test('an empty database reads "no data yet"', async () => {
    // A second server, on a database nothing was imported into: /dashboard answers 204.
    const page = await openPage(DESKTOP, { stubV1: false });
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(`${EMPTY}/dashboard?`)),
      page.goto(`${EMPTY}/`),
    ]);
    assert.equal(response.status(), 204);
    await tableSettled(page);
    assert.match(await page.textContent('#dashboard-message'), /No data yet: run `krispyto import/);
    assert.equal((await rowSymbols(page)).length, 0);
    // Only an older server without /api/v1 answers its coin list with 404.
    page.assertNoConsoleErrors(/\/api\/v1\/coins$/);
    await page.context().close();
  });

  test('is usable 390 px wide', async () => {
    const page = await openPage(MOBILE);
    await page.goto(`${BASE}/`);
    await tableSettled(page);
    assert.equal((await rowSymbols(page)).length, 23);
    // The page itself never scrolls sideways; only the table does, inside its box.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page wider than the screen by ${overflow}px`);
    assert.ok(await page.isVisible('#search-input'));
    assert.ok(await page.isVisible('#date-input'));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-mobile-390.png'), fullPage: true });
    page.assertNoConsoleErrors();
    await page.context().close();
  });
});

describe('search', () => {
  test('suggests coins and opens the one picked', async () => {
    const page = await openPage(DESKTOP);
    await page.goto(`${BASE}/`);
    await tableSettled(page);
    await page.fill('#search-input', 'bitc');
    await page.waitForSelector('#search-suggestions li[data-symbol="BTC"]');
    const suggested = await page.$$eval('#search-suggestions li', (items) => items.map((item) => item.dataset.symbol));
    assert.ok(suggested.includes('WBTC'), suggested.join());
    await page.click('#search-suggestions li[data-symbol="BTC"]');
    await page.waitForURL(`${BASE}/coins/BTC`);
    await chartSettled(page);

    // From one coin to another with the keyboard: the first suggestion, then Enter.
    await page.fill('#search-input', 'ethereum');
    await page.waitForSelector('#search-suggestions li[data-symbol="ETH"]');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getAttribute('#search-suggestions li:first-child', 'aria-selected'), 'true');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${BASE}/coins/ETH`);
    await page.waitForFunction(() => document.querySelector('#coin-title').textContent === 'Ethereum ETH');
    const chart = await chartSettled(page);
    assert.ok(chart.points > 0);
    assert.equal(await page.title(), 'Ethereum (ETH) · krispyto');
    page.assertNoConsoleErrors();
    await page.context().close();
  });

  test('Enter looks the name up exactly through /search, and says when nothing matches', async () => {
    const page = await openPage(DESKTOP);
    await page.goto(`${BASE}/`);
    await tableSettled(page);
    await page.fill('#search-input', 'Binance Coin');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${BASE}/coins/BNB`);
    await page.fill('#search-input', 'nosuchcoin');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#search-message:not([hidden])');
    assert.equal(await page.textContent('#search-message'), "No currency found with name or symbol 'nosuchcoin'.");
    page.assertNoConsoleErrors(/\/search\?name=nosuchcoin/);
    await page.context().close();
  });
});

describe('coin page', () => {
  test('draws the price chart with volume, zooms, changes interval and kind', async () => {
    const page = await openPage(DESKTOP);
    await page.goto(`${BASE}/coins/BTC`);
    let chart = await chartSettled(page);
    assert.ok(chart.points > 0, 'the chart has points');
    // The default range is the last year of the coin's data, one point a day.
    assert.equal(chart.interval, '1d');
    assert.equal(chart.to, '2021-07-06');
    assert.equal(chart.from, '2020-07-07');
    assert.equal(chart.points, 365);
    assert.equal(chart.lineVertices, chart.points);
    assert.equal(chart.volumeBars, chart.points);
    assert.equal(await page.textContent('#coin-title'), 'Bitcoin BTC');
    const figures = await page.textContent('#coin-figures');
    assert.match(figures, /\$34,235\.19/, 'latest close');
    assert.match(figures, /\$64,863\.10/, 'all-time high');
    assert.match(figures, /-47\.22 %/, 'drawdown from the high');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'coin-desktop-1440.png'), fullPage: true });

    // Hovering shows the day's figures.
    let box = await page.locator('#chart svg').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector('#chart-tooltip:not([hidden])');
    assert.match(await page.textContent('#chart-tooltip'), /Close\$[\d,]+\.\d\d/);

    // All, then weekly candles.
    await page.click('#range-buttons button[data-range="All"]');
    await page.waitForFunction(() => document.querySelector('#chart svg')?.dataset.from === '2013-04-29');
    chart = await chartSettled(page);
    assert.equal(chart.points, 2991, 'every day of Bitcoin');
    await page.click('#interval-buttons button[data-interval="1w"]');
    await page.waitForFunction(() => document.querySelector('#chart svg')?.dataset.interval === '1w');
    chart = await chartSettled(page);
    assert.ok(chart.points > 420 && chart.points < 440, `about 428 weeks (${chart.points})`);
    assert.equal(chart.from, '2013-04-29', 'a Monday');
    await page.click('#kind-buttons button[data-kind="candles"]');
    chart = await chartSettled(page);
    assert.equal(chart.kind, 'candles');
    assert.equal(chart.candles, chart.points);
    assert.match(page.url(), /interval=1w/);
    assert.match(page.url(), /chart=candles/);

    // Monthly, then a drag across the chart zooms into the dates under it.
    await page.click('#interval-buttons button[data-interval="1M"]');
    await page.waitForFunction(() => document.querySelector('#chart svg')?.dataset.interval === '1M');
    chart = await chartSettled(page);
    assert.ok(chart.points >= 98 && chart.points <= 100, `99 months (${chart.points})`);
    box = await page.locator('#chart svg').boundingBox();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.4);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.4, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => new URL(location.href).searchParams.has('from'));
    chart = await chartSettled(page);
    assert.ok(chart.from > '2013-04-29' && chart.to < '2021-07-06', `zoomed to ${chart.from}..${chart.to}`);
    assert.ok(chart.points > 5 && chart.points < 40, `${chart.points} months`);
    assert.equal(await page.inputValue('#from-input'), new URL(page.url()).searchParams.get('from'));

    // The range inputs.
    await page.click('#interval-buttons button[data-interval="1d"]');
    await page.fill('#from-input', '2021-06-01');
    await page.fill('#to-input', '2021-06-30');
    await page.waitForFunction(() => {
      const svg = document.querySelector('#chart svg');
      return svg && svg.dataset.from === '2021-06-01' && svg.dataset.to === '2021-06-30' && svg.dataset.interval === '1d';
    });
    chart = await chartSettled(page);
    assert.equal(chart.points, 30);
    page.assertNoConsoleErrors();
    await page.context().close();
  });

  test('is usable 390 px wide', async () => {
    const page = await openPage(MOBILE);
    await page.goto(`${BASE}/coins/ETH`);
    const chart = await chartSettled(page);
    assert.ok(chart.points > 0);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page wider than the screen by ${overflow}px`);
    const svgWidth = (await page.locator('#chart svg').boundingBox()).width;
    assert.ok(svgWidth > 300 && svgWidth <= 390, `chart ${svgWidth}px wide`);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'coin-mobile-390.png'), fullPage: true });
    page.assertNoConsoleErrors();
    await page.context().close();
  });

  test('an unknown coin reads the API error', async () => {
    const page = await openPage(DESKTOP);
    await page.goto(`${BASE}/coins/NOPE`);
    await page.waitForSelector('#coin-message:not([hidden])');
    assert.ok((await page.textContent('#coin-message')).length > 10);
    assert.ok(await page.isHidden('#chart-panel'));
    page.assertNoConsoleErrors(/\/api\/v1\/coins\/NOPE/);
    await page.context().close();
  });
});

describe('without /api/v1 (an older server)', () => {
  test('the dashboard, search and coin page degrade instead of breaking', async () => {
    const page = await openPage(DESKTOP, { stubV1: false });
    await page.route('**/api/v1/**', (route) => route.fulfill({
      status: 404, contentType: 'application/json', body: JSON.stringify({ error: 'There is no route.' }),
    }));
    await page.goto(`${BASE}/`);
    await tableSettled(page);
    assert.equal((await rowSymbols(page)).length, 23);
    await page.fill('#search-input', 'ether');
    await page.waitForSelector('#search-suggestions li[data-symbol="ETH"]');
    await page.click('#search-suggestions li[data-symbol="ETH"]');
    await page.waitForURL(`${BASE}/coins/ETH`);
    await page.waitForSelector('#coin-message:not([hidden])');
    assert.match(await page.textContent('#coin-message'), /needs \/api\/v1/);
    assert.match(await page.textContent('#coin-figures'), /\$2,324\.68/);
    page.assertNoConsoleErrors(/\/api\/v1\//);
    await page.context().close();
  });
});
