// End-to-end test of the web dashboard in headless Chromium, against a krispyto server that
// imported the real Kaggle data. Started by e2e/run.sh, which passes:
//   KRISPYTO_E2E_URL          the server, e.g. http://127.0.0.1:40123
//   KRISPYTO_E2E_EMPTY_URL    a second server, on an empty database
//   KRISPYTO_E2E_SCALE_URL    (optional) a third, on generated data with thousands of coins
//   KRISPYTO_E2E_SCREENSHOTS  where to save screenshots
//   CHROMIUM                  the browser (default /usr/bin/chromium)
// Timings (first rows on screen) are printed as `# timing:` lines, never asserted.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.KRISPYTO_E2E_URL;
const EMPTY = process.env.KRISPYTO_E2E_EMPTY_URL;
const SCALE = process.env.KRISPYTO_E2E_SCALE_URL;
const SCREENSHOTS = process.env.KRISPYTO_E2E_SCREENSHOTS || path.resolve('../target/e2e-screenshots');
if (!BASE || !EMPTY) {
  throw new Error('Run this through e2e/run.sh (it sets KRISPYTO_E2E_URL and KRISPYTO_E2E_EMPTY_URL).');
}

const DESKTOP = { width: 1440, height: 900 };
const MOBILE = { width: 390, height: 844 };

let browser;

before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
});

/**
 * A fresh page that records every console error and uncaught exception. `expectedFailures`
 * matches URLs a test makes fail on purpose (the browser logs each failed load as an error).
 */
async function openPage(viewport) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push({ text: message.text(), url: message.location().url || '' });
  });
  page.on('pageerror', (error) => errors.push({ text: `uncaught: ${error.message}`, url: '' }));
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

const isMarkets = (r) => r.url().includes('/api/v1/markets?');

/** Clicks and waits for the /api/v1/markets answer the click asks for, then for the table. */
async function clickAndLoad(page, selector, expectedQuery) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => isMarkets(r) && expectedQuery.every((part) => r.url().includes(part))),
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

/**
 * Opens `url` in a fresh browser context (nothing cached) and returns the ms from the start
 * of navigation to the first rows on screen (the page's own performance mark).
 */
async function firstRender(url) {
  const page = await openPage(DESKTOP);
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName('krispyto:first-rows').length > 0, null, { timeout: 60000 });
  const { ms, api } = await page.evaluate(() => ({
    ms: performance.getEntriesByName('krispyto:first-rows')[0].startTime,
    // The wait for the server's answer, of that time.
    api: performance.getEntriesByType('resource').find((entry) => entry.name.includes('/api/v1/markets?'))?.duration ?? Number.NaN,
  }));
  const rows = (await rowSymbols(page)).length;
  page.assertNoConsoleErrors();
  await page.context().close();
  return { ms, api, rows };
}

const timingText = (timing) => `${timing.ms.toFixed(0)} ms (/api/v1/markets ${timing.api.toFixed(0)} ms of it)`;

describe('timing (printed, not asserted)', () => {
  // First in the file: the server's cache is cold for the first load.
  test('first rows on screen, real data', async () => {
    const cold = await firstRender(`${BASE}/`);
    const warm = await firstRender(`${BASE}/`);
    console.log(`# timing: first render of / on the real data (${cold.rows} rows): ${timingText(cold)} with the server's cache cold, ${timingText(warm)} warm`);
  });

  test('first rows on screen, thousands of generated coins', { skip: !SCALE && 'KRISPYTO_E2E_SCALE_URL is not set' }, async () => {
    const total = (await (await fetch(`${SCALE}/api/v1/markets?per_page=1`)).json()).total;
    const cold = await firstRender(`${SCALE}/`);
    const warm = await firstRender(`${SCALE}/`);
    assert.equal(cold.rows, 100, 'one page of 100 coins, not all of them');
    console.log(`# timing: first render of / at ${total} coins (${cold.rows} rows on the first page): ${timingText(cold)} with the server's cache cold, ${timingText(warm)} warm`);
    const page = await openPage(DESKTOP);
    await page.goto(`${SCALE}/`);
    await tableSettled(page);
    assert.match(await page.textContent('#table-summary'), new RegExp(`^Coins 1–100 of ${total.toLocaleString('en-US')} on `));
    const [response] = await Promise.all([page.waitForResponse(isMarkets), page.click('#next-page')]);
    assert.match(response.url(), /page=2/);
    await tableSettled(page);
    assert.equal((await rowSymbols(page)).length, 100);
    assert.equal(await page.textContent('#page-label'), `Page 2 of ${Math.ceil(total / 100)}`);
    page.assertNoConsoleErrors();
    await page.context().close();
  });
});

describe('dashboard', () => {
  test('shows every coin of 2021-07-06, sorts through the API, filters, formats', async () => {
    const page = await openPage(DESKTOP);
    await page.goto(`${BASE}/`);
    await tableSettled(page);
    // The default day is the latest day of the data.
    assert.equal(await page.inputValue('#date-input'), '2021-07-06');
    assert.equal(await page.textContent('#dashboard-title'), 'Crypto prices on 6 Jul 2021');
    // 23 coins fit one page: no pager.
    assert.ok(await page.isHidden('#pager'));

    // Another day through the picker, then back to 2021-07-06.
    const [earlier] = await Promise.all([
      page.waitForResponse((r) => isMarkets(r) && r.url().includes('date=2017-01-01')),
      page.fill('#date-input', '2017-01-01'),
    ]);
    assert.equal(earlier.status(), 200);
    await tableSettled(page);
    const coinsIn2017 = (await rowSymbols(page)).length;
    assert.ok(coinsIn2017 > 0 && coinsIn2017 < 23, `fewer coins traded on 2017-01-01 (${coinsIn2017})`);
    await Promise.all([
      page.waitForResponse((r) => isMarkets(r) && !r.url().includes('date=2017')),
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
    for (const key of ['rank', 'name', 'symbol', 'change_1d', 'change_7d', 'change_30d', 'volume', 'market_cap']) {
      const first = await clickAndLoad(page, `th[data-order="${key}"] button`, [`order_by=${key}`]);
      assert.equal(first.status(), 200, key);
      const second = await clickAndLoad(page, `th[data-order="${key}"] button`, [`order_by=${key}`]);
      assert.equal(second.status(), 200, key);
      assert.notEqual(new URL(first.url()).searchParams.get('order_type'), new URL(second.url()).searchParams.get('order_type'), key);
    }
    await clickAndLoad(page, 'th[data-order="name"] button', ['order_by=name', 'order_type=asc']);
    symbols = await rowSymbols(page);
    assert.equal(symbols[0], 'AAVE', 'names A→Z start with Aave');

    // Numbers for people.
    const btc = page.locator('#coins-table tbody tr[data-symbol="BTC"] td');
    assert.equal(await btc.nth(0).textContent(), '1', 'rank by market cap');
    assert.equal(await btc.nth(3).textContent(), '$34,235.19');
    assert.equal(await btc.nth(8).textContent(), '641.9 B');
    assert.equal(await btc.nth(7).textContent(), '26.5 B');
    assert.match(await btc.nth(4).getAttribute('class'), /\b(up|down|flat)\b/);

    // Market cap descending for the screenshot, then the filter (through the search API).
    await clickAndLoad(page, 'th[data-order="market_cap"] button', ['order_by=market_cap', 'order_type=desc']);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-desktop-1440.png'), fullPage: true });
    await Promise.all([
      page.waitForResponse((r) => isMarkets(r) && r.url().includes('ids=')),
      page.fill('#filter-input', 'coin'),
    ]);
    await tableSettled(page);
    symbols = await rowSymbols(page);
    const names = await page.$$eval('#coins-table tbody .coin-name', (cells) => cells.map((cell) => cell.textContent));
    assert.ok(names.length > 0 && names.every((name) => /coin/i.test(name)), names.join());
    assert.ok(symbols.includes('BNB') && symbols.includes('DOGE') && !symbols.includes('ETH'), symbols.join());
    // The result is announced: the summary is a status region.
    assert.equal(await page.getAttribute('#table-summary', 'role'), 'status');
    assert.equal(await page.textContent('#table-summary'), `${symbols.length} coins match “coin” on 6 Jul 2021.`);
    assert.match(page.url(), /q=coin/);
    // Squashed like the server compares names.
    await Promise.all([page.waitForResponse(isMarkets), page.fill('#filter-input', 'binancecoin')]);
    await tableSettled(page);
    assert.deepEqual(await rowSymbols(page), ['BNB']);
    await page.fill('#filter-input', 'zzzz');
    await page.waitForFunction(() => /No coin matches/.test(document.querySelector('#dashboard-message').textContent));
    assert.equal(await page.getAttribute('#dashboard-message', 'role'), 'status', 'news, not an alert');
    assert.equal((await rowSymbols(page)).length, 0);
    page.assertNoConsoleErrors();
    await page.context().close();
  });

  test('pages through the coins', async () => {
    const page = await openPage(DESKTOP);
    await page.goto(`${BASE}/?per_page=10`);
    await tableSettled(page);
    const first = await rowSymbols(page);
    assert.equal(first.length, 10);
    assert.equal(first[0], 'BTC', 'market cap, biggest first');
    assert.ok(await page.isVisible('#pager'));
    assert.equal(await page.textContent('#page-label'), 'Page 1 of 3');
    assert.ok(await page.isDisabled('#prev-page'));
    assert.match(await page.textContent('#table-summary'), /^Coins 1–10 of 23 on 6 Jul 2021\./);

    const second = await clickAndLoad(page, '#next-page', ['page=2', 'per_page=10']);
    assert.equal((await second.json()).total, 23);
    const page2 = await rowSymbols(page);
    assert.equal(page2.length, 10);
    assert.ok(page2.every((symbol) => !first.includes(symbol)), 'another ten coins');
    assert.equal(await page.textContent('#coins-table tbody tr:first-child td:first-child'), '11', 'ranks go on');
    assert.match(page.url(), /page=2&per_page=10/);
    await clickAndLoad(page, '#next-page', ['page=3']);
    assert.equal((await rowSymbols(page)).length, 3);
    assert.ok(await page.isDisabled('#next-page'));
    assert.match(await page.textContent('#table-summary'), /^Coins 21–23 of 23/);

    // A new order starts again at page 1.
    await clickAndLoad(page, 'th[data-order="name"] button', ['order_by=name', 'page=1']);
    assert.equal((await rowSymbols(page))[0], 'AAVE');
    assert.equal(await page.textContent('#page-label'), 'Page 1 of 3');

    // More per page: every coin again, one page.
    await Promise.all([page.waitForResponse((r) => isMarkets(r) && r.url().includes('per_page=25')), page.selectOption('#per-page', '25')]);
    await tableSettled(page);
    assert.equal((await rowSymbols(page)).length, 23);
    assert.equal(await page.textContent('#page-label'), 'Page 1 of 1');

    // Links made when the table came from /dashboard keep their order.
    await Promise.all([
      page.waitForResponse((r) => isMarkets(r) && r.url().includes('order_by=volume&order_type=desc')),
      page.goto(`${BASE}/?order_by=24h-volume&order_type=desc`),
    ]);
    await tableSettled(page);
    assert.equal(await page.getAttribute('th[data-order="volume"]', 'aria-sort'), 'descending');
    assert.equal((await rowSymbols(page))[0], 'USDT', 'Tether trades the most');
    page.assertNoConsoleErrors();
    await page.context().close();
  });

  test('an impossible date reads an error, not another day', async () => {
    const page = await openPage(DESKTOP);
    const asked = [];
    page.on('request', (request) => { if (request.url().includes('/api/v1/markets')) asked.push(request.url()); });
    await page.goto(`${BASE}/?date=2021-02-30`);
    await page.waitForSelector('#dashboard-message:not([hidden])');
    assert.match(await page.textContent('#dashboard-message'), /^2021-02-30 is not a date: February 2021 has 28 days\./);
    assert.equal(await page.getAttribute('#dashboard-message', 'role'), 'alert');
    // Not "2 Mar 2021": no day at all.
    assert.equal(await page.textContent('#dashboard-title'), 'Crypto prices ');
    assert.equal(await page.inputValue('#date-input'), '');
    assert.equal((await rowSymbols(page)).length, 0);
    assert.deepEqual(asked, [], 'nothing asked of the server for a day that does not exist');
    // "Latest" gets back to the data.
    await clickAndLoad(page, '#latest-day', []);
    assert.equal((await rowSymbols(page)).length, 23);
    assert.ok(await page.isHidden('#dashboard-message'));
    assert.doesNotMatch(page.url(), /date=/);
    page.assertNoConsoleErrors();
    await page.context().close();
  });

  test('a day without prices says which days have them', async () => {
    const page = await openPage(DESKTOP);
    await page.goto(`${BASE}/?date=2030-01-01`);
    await tableSettled(page);
    const message = await page.textContent('#dashboard-message');
    const apiError = (await (await fetch(`${BASE}/api/v1/markets?date=2030-01-01`)).json()).error;
    const [, first] = /covers (\S+) to 2021-07-06/.exec(apiError);
    assert.equal(first, '2013-04-29', 'the earliest day of the data');
    assert.equal(message, 'There are no prices for 1 Jan 2030: the data covers 29 Apr 2013 to 6 Jul 2021.');
    assert.equal(await page.getAttribute('#date-input', 'min'), first);
    assert.equal(await page.getAttribute('#date-input', 'max'), '2021-07-06');
    assert.ok(await page.isVisible('#dashboard-message'));
    assert.ok(await page.isVisible('#coins-table thead'));
    page.assertNoConsoleErrors(/\/api\/v1\/markets\?/);
    await page.context().close();
  });

  test('an empty database reads "no data yet"', async () => {
    // A second server, on a database nothing was imported into.
    const page = await openPage(DESKTOP);
    const answers = [];
    page.on('response', (r) => { if (r.url().startsWith(`${EMPTY}/api/v1/markets?`)) answers.push(r.status()); });
    await page.goto(`${EMPTY}/`);
    await tableSettled(page);
    assert.deepEqual(answers, [404]);
    assert.match(await page.textContent('#dashboard-message'), /No data yet: run `krispyto import/);
    assert.equal(await page.getAttribute('#dashboard-message', 'role'), 'status', 'news, not an alert');
    assert.equal((await rowSymbols(page)).length, 0);
    page.assertNoConsoleErrors(/\/api\/v1\/markets\?/);
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
    await page.goto(`${BASE}/?per_page=10`);
    await tableSettled(page);
    assert.ok(await page.isVisible('#next-page'));
    const pagerOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(pagerOverflow <= 0, `the pager makes the page wider than the screen by ${pagerOverflow}px`);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-mobile-390-paged.png'), fullPage: true });
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
    assert.equal(await page.textContent('#search-message'), 'No coin is called “nosuchcoin”. Type part of its name or symbol and pick a suggestion.');
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

  test('the chart works from the keyboard and reads as a table', async () => {
    const page = await openPage(DESKTOP);
    await page.goto(`${BASE}/coins/BTC`);
    let chart = await chartSettled(page);
    assert.equal(chart.points, 365);
    await page.waitForFunction(() => /Rank 1 by market cap on 6 Jul 2021\.$/.test(document.querySelector('#coin-subtitle').textContent));

    // Tab reaches the chart: the crosshair is on the last day, and its figures are announced.
    await page.focus('#log-scale');
    // The date fields come next; Chromium stops on each part of a date (day, month, year).
    for (let presses = 0; presses < 10 && (await page.evaluate(() => document.activeElement.id)) !== 'chart'; presses += 1) {
      await page.keyboard.press('Tab');
    }
    assert.equal(await page.evaluate(() => document.activeElement.id), 'chart', 'the chart is in the tab order after the controls');
    await page.waitForSelector('#chart-tooltip:not([hidden])');
    const status = () => page.textContent('#chart-status');
    assert.equal(await page.getAttribute('#chart-status', 'role'), 'status');
    assert.match(await status(), /^6 Jul 2021: open \$[\d,.]+, high \$[\d,.]+, low \$[\d,.]+, close \$34,235\.19, volume 26\.5 B\.$/);
    await page.keyboard.press('ArrowLeft');
    assert.match(await status(), /^5 Jul 2021: /);
    assert.match(await page.textContent('#chart-tooltip'), /5 Jul 2021/);
    await page.keyboard.press('Home');
    assert.match(await status(), /^7 Jul 2020: /);
    await page.keyboard.press('PageDown');
    assert.match(await status(), /^17 Jul 2020: /);
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowRight');
    assert.match(await status(), /^6 Jul 2021: /);

    // + zooms in around the crosshair (half the days), − back out.
    await page.keyboard.press('+');
    await page.waitForFunction(() => new URL(location.href).searchParams.has('from'));
    chart = await chartSettled(page);
    assert.equal(chart.to, '2021-07-06');
    assert.ok(chart.points > 170 && chart.points < 190, `about half a year (${chart.points})`);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'chart', 'focus stays on the chart');
    await page.waitForFunction(() => /^6 Jul 2021: /.test(document.querySelector('#chart-status').textContent));
    await page.keyboard.press('-');
    await page.waitForFunction((before) => Number(document.querySelector('#chart svg')?.dataset.points) > before, chart.points);
    chart = await chartSettled(page);
    assert.ok(chart.points > 350, `back to about a year (${chart.points})`);

    // The same figures as a table, newest first.
    await page.click('#chart-data summary');
    // The table is built when the box opens (the toggle event comes a moment after the click).
    await page.waitForSelector('#chart-table tbody tr');
    const rows = await page.$$eval('#chart-table tbody tr', (trs) => trs.map((tr) => Array.from(tr.children, (cell) => cell.textContent)));
    assert.equal(rows.length, chart.points);
    assert.deepEqual(rows[0].slice(0, 1).concat(rows[0].slice(4)), ['6 Jul 2021', '$34,235.19', '26.5 B']);
    assert.equal(await page.textContent('#chart-table thead'), 'DayOpenHighLowCloseVolume');
    await page.click('#interval-buttons button[data-interval="1w"]');
    await page.waitForFunction(() => document.querySelector('#chart-table thead')?.textContent.startsWith('Week of'));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'coin-desktop-1440-table.png'), fullPage: true });
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

  test('an unknown coin reads what to do, for people', async () => {
    const page = await openPage(DESKTOP);
    await page.goto(`${BASE}/coins/NOPE`);
    await page.waitForSelector('#coin-message:not([hidden])');
    assert.equal(await page.textContent('#coin-message'), 'No coin has the symbol NOPE. Find it by name with the search box above, or go back to all coins.');
    assert.equal(await page.getAttribute('#coin-message', 'role'), 'alert');
    assert.ok(await page.isHidden('#chart-panel'));
    page.assertNoConsoleErrors(/\/api\/v1\/coins\/NOPE/);
    await page.context().close();
  });
});
