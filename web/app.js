// The krispyto dashboard: plain JavaScript, no build step, no dependencies.
// It is a client of the JSON routes like any other: /dashboard and /search (compatibility
// routes) and /api/v1 (coin list, coin figures, history, search suggestions). Where /api/v1 is
// not served (an older server), the page degrades instead of breaking.
'use strict';

(() => {
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const DAY_MS = 86400000;

  // ---------------------------------------------------------------- formatting

  const usdCents = new Intl.NumberFormat('en-US', {
    style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2,
  });
  const usdSmall = new Intl.NumberFormat('en-US', {
    style: 'currency', currency: 'USD', minimumSignificantDigits: 4, maximumSignificantDigits: 4,
  });
  const integer = new Intl.NumberFormat('en-US');
  const dayFormat = new Intl.DateTimeFormat('en-GB', {
    day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC',
  });
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

  const isNumber = (value) => typeof value === 'number' && Number.isFinite(value);

  /** `$34,235.19`; below one dollar, four significant digits (`$0.2237`, `$0.4000`). */
  function formatPrice(value) {
    if (!isNumber(value)) return '—';
    if (value === 0) return '$0.00';
    return Math.abs(value) >= 1 ? usdCents.format(value) : usdSmall.format(value);
  }

  /** `641.9 B`: one decimal and a unit. 0 means "not reported" in the data, shown as a dash. */
  function formatCompact(value) {
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
  function formatPercent(value) {
    if (!isNumber(value)) return '—';
    const rounded = Math.abs(value) < 0.005 ? 0 : value; // never "-0.00 %"
    const sign = rounded > 0 ? '+' : '';
    return `${sign}${rounded.toFixed(2)} %`;
  }

  /** up, down or flat, as the shown (rounded) percentage reads. */
  const trendClass = (value) => (!isNumber(value) || Math.abs(value) < 0.005 ? 'flat' : value > 0 ? 'up' : 'down');

  // ---------------------------------------------------------------- dates (UTC calendar days)

  const parseDay = (text) => {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || '');
    return match ? Date.UTC(+match[1], +match[2] - 1, +match[3]) : NaN;
  };
  const dayString = (ms) => new Date(ms).toISOString().slice(0, 10);
  const addDays = (day, days) => dayString(parseDay(day) + days * DAY_MS);
  const addMonths = (day, months) => {
    const date = new Date(parseDay(day));
    const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
    const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
    target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
    return dayString(target.getTime());
  };
  const formatDay = (day) => (Number.isNaN(parseDay(day)) ? day : dayFormat.format(parseDay(day)));
  const isDay = (text) => !Number.isNaN(parseDay(text));

  // ---------------------------------------------------------------- the API

  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  /**
   * GETs a JSON route. Resolves {status, body} (body null on 204); rejects with an ApiError
   * carrying the server's own `error` sentence, or one of ours when there is none.
   */
  async function getJson(path, signal) {
    let response;
    try {
      response = await fetch(path, { headers: { Accept: 'application/json' }, signal });
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      throw new ApiError('Cannot reach the krispyto server. Check that it is running, then reload this page.', 0);
    }
    if (response.status === 204) return { status: 204, body: null };
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!response.ok) {
      const message = body && typeof body.error === 'string' && body.error
        ? body.error
        : `The server answered ${response.status} ${response.statusText} to ${path}. Try again shortly.`;
      throw new ApiError(message, response.status);
    }
    if (body === null) {
      throw new ApiError(`The server sent an answer to ${path} this page cannot read. Reload the page.`, response.status);
    }
    return { status: response.status, body };
  }

  const isAbort = (error) => error && error.name === 'AbortError';

  /** One request at a time per purpose: starting one aborts the previous. */
  function latestOnly() {
    let controller = null;
    return () => {
      if (controller) controller.abort();
      controller = new AbortController();
      return controller.signal;
    };
  }

  // /api/v1/coins, asked once: the date range the data covers, and whether /api/v1 is served.
  // Resolves the list, or null when this server has no /api/v1.
  let coinListPromise = null;
  function coinList() {
    if (!coinListPromise) {
      coinListPromise = getJson('/api/v1/coins')
        .then(({ body }) => (Array.isArray(body) ? body : []))
        .catch((error) => {
          coinListPromise = error.status === 404 ? Promise.resolve(null) : null;
          if (error.status === 404) return null;
          throw error;
        });
    }
    return coinListPromise;
  }

  function dataRange(coins) {
    if (!coins || coins.length === 0) return null;
    let first = coins[0].first_date;
    let last = coins[0].last_date;
    for (const coin of coins) {
      if (coin.first_date < first) first = coin.first_date;
      if (coin.last_date > last) last = coin.last_date;
    }
    return { first, last };
  }

  // Names and symbols seen so far, for search suggestions when /api/v1/search is not served.
  const knownCoins = new Map();
  function rememberCoins(coins) {
    for (const coin of coins) {
      if (coin && coin.symbol) knownCoins.set(coin.symbol, { symbol: coin.symbol, name: coin.name });
    }
  }

  // ---------------------------------------------------------------- messages

  function showMessage(element, text, kind = 'error') {
    element.textContent = text;
    element.classList.add('message');
    element.classList.toggle('error', kind === 'error');
    element.classList.toggle('info', kind === 'info');
    element.hidden = false;
  }

  function hideMessage(element) {
    element.hidden = true;
    element.textContent = '';
  }

  function el(tag, attributes = {}, children = []) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'text') node.textContent = value;
      else if (name === 'className') node.className = value;
      else node.setAttribute(name, value === true ? '' : value);
    }
    for (const child of [].concat(children)) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  // ---------------------------------------------------------------- routing

  function route() {
    const match = /^\/coins\/([^/]+)\/?$/.exec(location.pathname);
    const params = new URLSearchParams(location.search);
    closeSuggestions();
    if (match) {
      $('#dashboard-view').hidden = true;
      $('#coin-view').hidden = false;
      let symbol;
      try {
        symbol = decodeURIComponent(match[1]);
      } catch {
        symbol = match[1];
      }
      showCoin(symbol, params);
    } else {
      $('#coin-view').hidden = true;
      $('#dashboard-view').hidden = false;
      rememberDashboardUrl();
      showDashboard(params);
    }
  }

  function navigate(url, { replace = false } = {}) {
    const before = location.pathname;
    history[replace ? 'replaceState' : 'pushState'](null, '', url);
    route();
    if (location.pathname !== before) window.scrollTo(0, 0);
  }

  /** Rewrites the query string without a new history entry or a reload. */
  function setQuery(params) {
    const query = params.toString();
    history.replaceState(null, '', location.pathname + (query ? `?${query}` : ''));
    rememberDashboardUrl();
  }

  // "All coins" returns to the day, order and filter the dashboard last showed.
  function rememberDashboardUrl() {
    if (location.pathname === '/') $('#back-link').setAttribute('href', `/${location.search}`);
  }

  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[data-link]');
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(link.getAttribute('href'));
  });
  window.addEventListener('popstate', route);

  const coinHref = (symbol) => `/coins/${encodeURIComponent(symbol)}`;

  // ---------------------------------------------------------------- the dashboard

  const SORT_KEYS = ['crypto', 'symbol', 'price', '24h', '7d', '1m', '24h-volume', 'market-cap'];
  const TEXT_KEYS = new Set(['crypto', 'symbol']);
  const dashboard = {
    date: null, // null: the latest day, as the server defines it
    orderBy: 'market-cap',
    orderType: 'desc',
    filter: '',
    rows: [],
    shownDate: null, // the day the rows are for, when known
    range: null, // {first, last} of the data, from /api/v1/coins
    signal: latestOnly(),
  };

  function showDashboard(params) {
    document.title = 'krispyto · crypto prices';
    const date = params.get('date');
    dashboard.date = isDay(date) ? date : null;
    const orderBy = (params.get('order_by') || '').toLowerCase();
    dashboard.orderBy = SORT_KEYS.includes(orderBy) ? orderBy : 'market-cap';
    const orderType = (params.get('order_type') || '').toLowerCase();
    dashboard.orderType = orderType === 'asc' || orderType === 'desc' ? orderType : 'desc';
    dashboard.filter = params.get('q') || '';
    $('#filter-input').value = dashboard.filter;
    loadDashboard();
    coinList()
      .then((coins) => {
        if (!coins) return;
        rememberCoins(coins);
        dashboard.range = dataRange(coins);
        if (!dashboard.date && !dashboard.shownDate && dashboard.rows.length && dashboard.range) {
          dashboard.shownDate = dashboard.range.last;
          renderTable();
        }
        updateDateControls();
      })
      .catch(() => { /* the table's own request reports what is wrong */ });
  }

  function dashboardParams() {
    const params = new URLSearchParams();
    if (dashboard.date) params.set('date', dashboard.date);
    params.set('order_by', dashboard.orderBy);
    params.set('order_type', dashboard.orderType);
    if (dashboard.filter) params.set('q', dashboard.filter);
    return params;
  }

  async function loadDashboard() {
    const signal = dashboard.signal();
    const table = $('#coins-table');
    const message = $('#dashboard-message');
    table.setAttribute('aria-busy', 'true');
    updateSortHeaders();
    updateDateControls();
    const query = new URLSearchParams({ id: 'all', order_by: dashboard.orderBy, order_type: dashboard.orderType });
    if (dashboard.date) query.set('date', dashboard.date);
    try {
      const { status, body } = await getJson(`/dashboard?${query}`, signal);
      hideMessage(message);
      if (status === 204) {
        dashboard.rows = [];
        showMessage(message, 'No data yet: run `krispyto import <the Kaggle CSV files>` (or start the server with --data), then reload this page.', 'info');
      } else {
        dashboard.rows = Array.isArray(body) ? body : [];
        rememberCoins(dashboard.rows.map((row) => ({ symbol: row.symbol, name: row.crypto })));
      }
      dashboard.shownDate = dashboard.date || (dashboard.range && dashboard.range.last) || null;
    } catch (error) {
      if (isAbort(error)) return;
      dashboard.rows = [];
      dashboard.shownDate = null;
      showMessage(message, error.message);
    }
    table.setAttribute('aria-busy', 'false');
    renderTable();
    updateDateControls();
  }

  function renderTable() {
    const tbody = $('#coins-table tbody');
    const needle = dashboard.filter.trim().toLowerCase();
    const rows = needle
      ? dashboard.rows.filter((row) => `${row.crypto} ${row.symbol}`.toLowerCase().includes(needle))
      : dashboard.rows;
    const fragment = document.createDocumentFragment();
    for (const row of rows) {
      const href = coinHref(row.symbol);
      const tr = el('tr', { 'data-symbol': row.symbol }, [
        el('td', { className: 'col-name' }, el('a', { href, 'data-link': true }, [
          el('span', { className: 'coin-name', text: row.crypto }),
          el('span', { className: 'coin-symbol-inline', text: row.symbol }),
        ])),
        el('td', { className: 'col-symbol', text: row.symbol }),
        el('td', { className: 'num', text: formatPrice(row.price), title: isNumber(row.price) ? String(row.price) : null }),
        ...['24h', '7d', '1m'].map((key) => el('td', { className: `num change ${trendClass(row[key])}`, text: formatPercent(row[key]) })),
        el('td', { className: 'num', text: formatCompact(row['24h-volume']), title: isNumber(row['24h-volume']) ? formatPrice(row['24h-volume']) : null }),
        el('td', { className: 'num', text: formatCompact(row['market-cap']), title: row['market-cap'] ? formatPrice(row['market-cap']) : 'not reported' }),
      ]);
      fragment.append(tr);
    }
    if (rows.length === 0 && dashboard.rows.length > 0) {
      fragment.append(el('tr', { className: 'empty' }, el('td', { colspan: 8, text: `No coin matches “${dashboard.filter.trim()}”.` })));
    }
    tbody.replaceChildren(fragment);

    const summary = $('#table-summary');
    if (dashboard.rows.length === 0) {
      summary.textContent = '';
    } else {
      const day = dashboard.shownDate ? ` on ${formatDay(dashboard.shownDate)}` : '';
      summary.textContent = rows.length === dashboard.rows.length
        ? `${rows.length} coins${day}. Prices in US dollars at the day's close; changes against 1, 7 and 30 days before.`
        : `${rows.length} of ${dashboard.rows.length} coins${day}.`;
    }
  }

  function updateSortHeaders() {
    for (const th of $$('#coins-table th[data-order]')) {
      const active = th.dataset.order === dashboard.orderBy;
      th.setAttribute('aria-sort', active ? (dashboard.orderType === 'asc' ? 'ascending' : 'descending') : 'none');
      th.classList.toggle('sorted', active);
    }
  }

  function updateDateControls() {
    const input = $('#date-input');
    const range = dashboard.range;
    const shown = dashboard.date || (range && range.last) || '';
    if (document.activeElement !== input) input.value = shown;
    if (range) {
      input.min = range.first;
      input.max = range.last;
    }
    $('#prev-day').disabled = !shown || (range && shown <= range.first);
    $('#next-day').disabled = !shown || (range && shown >= range.last);
    $('#latest-day').disabled = !dashboard.date;
    $('#dashboard-date-label').textContent = shown ? `on ${formatDay(shown)}` : '· latest day';
  }

  function setDashboardDate(date) {
    dashboard.date = date && (!dashboard.range || date !== dashboard.range.last) ? date : null;
    history.pushState(null, '', `/?${dashboardParams()}`);
    rememberDashboardUrl();
    loadDashboard();
  }

  $('#date-input').addEventListener('change', (event) => {
    const value = event.target.value;
    if (value && isDay(value)) setDashboardDate(value);
  });
  $('#prev-day').addEventListener('click', () => {
    const current = dashboard.date || (dashboard.range && dashboard.range.last);
    if (current) setDashboardDate(addDays(current, -1));
  });
  $('#next-day').addEventListener('click', () => {
    const current = dashboard.date || (dashboard.range && dashboard.range.last);
    if (current) setDashboardDate(addDays(current, 1));
  });
  $('#latest-day').addEventListener('click', () => setDashboardDate(null));

  $('#filter-input').addEventListener('input', (event) => {
    dashboard.filter = event.target.value;
    setQuery(dashboardParams());
    renderTable();
  });

  $('#coins-table thead').addEventListener('click', (event) => {
    const th = event.target.closest('th[data-order]');
    if (!th) return;
    const key = th.dataset.order;
    if (key === dashboard.orderBy) {
      dashboard.orderType = dashboard.orderType === 'desc' ? 'asc' : 'desc';
    } else {
      dashboard.orderBy = key;
      // Names read naturally A→Z; figures biggest first.
      dashboard.orderType = TEXT_KEYS.has(key) ? 'asc' : 'desc';
    }
    setQuery(dashboardParams());
    loadDashboard();
  });

  // A whole row opens its coin, not only the name.
  $('#coins-table tbody').addEventListener('click', (event) => {
    if (event.target.closest('a')) return;
    const tr = event.target.closest('tr[data-symbol]');
    if (tr && !window.getSelection().toString()) navigate(coinHref(tr.dataset.symbol));
  });

  // ---------------------------------------------------------------- search

  const search = {
    items: [],
    active: -1,
    timer: 0,
    signal: latestOnly(),
    v1: true, // false once /api/v1/search turns out not to be served
  };

  function localMatches(query) {
    const needle = query.trim().toLowerCase();
    const squashed = needle.replace(/[^a-z0-9]/g, '');
    const scored = [];
    for (const coin of knownCoins.values()) {
      const name = coin.name.toLowerCase();
      const symbol = coin.symbol.toLowerCase();
      let score = -1;
      if (name === needle || symbol === needle || name.replace(/[^a-z0-9]/g, '') === squashed) score = 0;
      else if (name.startsWith(needle) || symbol.startsWith(needle)) score = 1;
      else if (name.includes(needle) || symbol.includes(needle)) score = 2;
      if (score >= 0) scored.push({ ...coin, score });
    }
    scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
    return scored.slice(0, 8);
  }

  async function suggest(query) {
    if (!query.trim()) {
      closeSuggestions();
      return;
    }
    const signal = search.signal();
    let items = null;
    if (search.v1) {
      try {
        const { body } = await getJson(`/api/v1/search?${new URLSearchParams({ q: query, limit: '8' })}`, signal);
        items = Array.isArray(body.results) ? body.results : [];
      } catch (error) {
        if (isAbort(error)) return;
        // A 404 from an older server without /api/v1: suggest from the coins already seen.
        if (error.status === 404 && (await coinList().catch(() => undefined)) === null) search.v1 = false;
        else if (error.status !== 404) items = [];
      }
    }
    if (items === null) {
      if (knownCoins.size === 0) await coinList().then((coins) => coins && rememberCoins(coins)).catch(() => {});
      items = localMatches(query);
    }
    if (signal.aborted || $('#search-input').value !== query) return;
    search.items = items;
    search.active = -1;
    renderSuggestions();
  }

  function renderSuggestions() {
    const list = $('#search-suggestions');
    const input = $('#search-input');
    list.replaceChildren(...search.items.map((item, index) => el('li', {
      role: 'option',
      id: `suggestion-${index}`,
      'data-symbol': item.symbol,
      'aria-selected': index === search.active ? 'true' : 'false',
    }, [el('span', { text: item.name }), el('span', { className: 'muted', text: item.symbol })])));
    const open = search.items.length > 0;
    list.hidden = !open;
    input.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (search.active >= 0) input.setAttribute('aria-activedescendant', `suggestion-${search.active}`);
    else input.removeAttribute('aria-activedescendant');
  }

  function closeSuggestions() {
    search.items = [];
    search.active = -1;
    const list = $('#search-suggestions');
    if (list) {
      list.hidden = true;
      list.replaceChildren();
    }
    const input = $('#search-input');
    if (input) {
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
    }
  }

  function openCoin(symbol) {
    const input = $('#search-input');
    input.value = '';
    input.blur();
    hideMessage($('#search-message'));
    closeSuggestions();
    navigate(coinHref(symbol));
  }

  /** Enter without a highlighted suggestion: the exact lookup of /search. */
  async function searchExact(query) {
    const message = $('#search-message');
    try {
      const { body } = await getJson(`/search?${new URLSearchParams({ name: query })}`);
      openCoin(body.symbol);
    } catch (error) {
      if (isAbort(error)) return;
      showMessage(message, error.message);
    }
  }

  $('#search-input').addEventListener('input', (event) => {
    hideMessage($('#search-message'));
    clearTimeout(search.timer);
    const query = event.target.value;
    search.timer = setTimeout(() => suggest(query), 120);
  });

  $('#search-input').addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (search.items.length === 0) return;
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      search.active = (search.active + step + search.items.length + 1) % (search.items.length + 1);
      if (search.active === search.items.length) search.active = -1;
      renderSuggestions();
    } else if (event.key === 'Escape') {
      closeSuggestions();
      hideMessage($('#search-message'));
    }
  });

  $('#search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const query = $('#search-input').value.trim();
    if (search.active >= 0 && search.items[search.active]) {
      openCoin(search.items[search.active].symbol);
    } else if (query) {
      closeSuggestions();
      searchExact(query);
    }
  });

  // mousedown, not click: it comes before the input's blur closes the list.
  $('#search-suggestions').addEventListener('mousedown', (event) => {
    const option = event.target.closest('li[data-symbol]');
    if (!option) return;
    event.preventDefault();
    openCoin(option.dataset.symbol);
  });

  $('#search-input').addEventListener('blur', () => setTimeout(closeSuggestions, 100));
  document.addEventListener('pointerdown', (event) => {
    if (!event.target.closest('#search-form')) hideMessage($('#search-message'));
  });

  // ---------------------------------------------------------------- the coin page

  const RANGES = { '1M': [0, 1], '3M': [0, 3], '1Y': [1, 0], '3Y': [3, 0] };
  const INTERVALS = ['1d', '1w', '1M'];
  const coinPage = {
    symbol: null,
    info: null, // /api/v1/coins/{symbol}
    latest: null, // the /dashboard row of the coin's last day
    latestPending: false,
    v1: true,
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

  function coinParams() {
    const params = new URLSearchParams();
    if (coinPage.interval !== '1d') params.set('interval', coinPage.interval);
    if (coinPage.range) {
      if (coinPage.range !== '1Y') params.set('range', coinPage.range);
    } else {
      if (coinPage.from) params.set('from', coinPage.from);
      if (coinPage.to) params.set('to', coinPage.to);
    }
    if (coinPage.kind !== 'line') params.set('chart', coinPage.kind);
    if (coinPage.log) params.set('scale', 'log');
    return params;
  }

  async function showCoin(symbol, params) {
    const interval = params.get('interval');
    coinPage.interval = INTERVALS.includes(interval) ? interval : '1d';
    const range = params.get('range');
    const from = params.get('from');
    const to = params.get('to');
    if (isDay(from) || isDay(to)) {
      coinPage.range = null;
      coinPage.from = isDay(from) ? from : null;
      coinPage.to = isDay(to) ? to : null;
    } else {
      coinPage.range = range in RANGES || range === 'All' ? range : '1Y';
    }
    coinPage.kind = params.get('chart') === 'candles' ? 'candles' : 'line';
    coinPage.log = params.get('scale') === 'log';
    updateChartControls();

    const upper = symbol.toUpperCase();
    if (coinPage.symbol === upper && coinPage.info) {
      applyRange();
      loadHistory();
      return;
    }
    coinPage.symbol = upper;
    coinPage.info = null;
    coinPage.latest = null;
    coinPage.latestPending = false;
    coinPage.candles = [];
    coinPage.historySignal(); // a previous coin's history must not land on this page
    document.title = `${upper} · krispyto`;
    $('#coin-title').textContent = upper;
    $('#coin-subtitle').textContent = '';
    $('#coin-figures').replaceChildren();
    $('#chart').replaceChildren();
    hideMessage($('#coin-message'));
    $('#chart-panel').hidden = false;

    const signal = coinPage.infoSignal();
    try {
      const { body } = await getJson(`/api/v1/coins/${encodeURIComponent(upper)}`, signal);
      coinPage.info = body;
      coinPage.v1 = true;
    } catch (error) {
      if (isAbort(error)) return;
      if (error.status === 404 && (await coinList().catch(() => undefined)) === null) {
        coinPage.v1 = false;
        await showCoinWithoutV1(upper, signal);
        return;
      }
      $('#chart-panel').hidden = true;
      showMessage($('#coin-message'), error.message);
      return;
    }
    if (signal.aborted) return;
    const info = coinPage.info;
    document.title = `${info.name} (${info.symbol}) · krispyto`;
    $('#coin-title').replaceChildren(info.name, ' ', el('span', { className: 'muted', text: info.symbol }));
    $('#coin-subtitle').textContent = `Daily prices from ${formatDay(info.first_date)} to ${formatDay(info.last_date)} (${integer.format(info.days)} days).`;
    coinPage.latestPending = true;
    renderFigures();
    applyRange();
    loadHistory();
    // The day's changes, as the dashboard computes them; the figures stand without them.
    try {
      const query = new URLSearchParams({ id: info.symbol, date: info.last_date });
      const { body } = await getJson(`/dashboard?${query}`, signal);
      coinPage.latest = Array.isArray(body) ? body[0] || null : null;
    } catch (error) {
      if (isAbort(error)) return;
      coinPage.latest = null;
    }
    coinPage.latestPending = false;
    renderFigures();
  }

  /** An older server without /api/v1: the latest day from /dashboard, and no chart. */
  async function showCoinWithoutV1(symbol, signal) {
    $('#chart-panel').hidden = true;
    try {
      const { status, body } = await getJson(`/dashboard?${new URLSearchParams({ id: symbol })}`, signal);
      if (status === 204) {
        showMessage($('#coin-message'), 'No data yet: run `krispyto import <the Kaggle CSV files>`, then reload this page.', 'info');
        return;
      }
      const row = Array.isArray(body) ? body[0] : null;
      if (!row) throw new ApiError(`No data for ${symbol} on the latest day.`, 404);
      coinPage.latest = row;
      document.title = `${row.crypto} (${row.symbol}) · krispyto`;
      $('#coin-title').replaceChildren(row.crypto, ' ', el('span', { className: 'muted', text: row.symbol }));
      renderFigures();
      showMessage($('#coin-message'), 'The price chart needs /api/v1, which this krispyto server does not serve yet: upgrade the server to see it.', 'info');
    } catch (error) {
      if (!isAbort(error)) showMessage($('#coin-message'), error.message);
    }
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
    const info = coinPage.info;
    const row = coinPage.latest;
    const figures = [];
    const latest = info && info.latest;
    const price = latest ? latest.close : row && row.price;
    if (isNumber(price)) {
      figures.push(figure('Price', formatPrice(price), latest ? `close on ${formatDay(latest.date)}` : 'close, latest day'));
    }
    // Until the day's changes arrive, placeholders keep the layout from jumping.
    if (row || coinPage.latestPending) {
      for (const [key, label] of [['24h', '24h change'], ['7d', '7d change'], ['1m', '30d change']]) {
        figures.push(row
          ? figure(label, formatPercent(row[key]), null, `change ${trendClass(row[key])}`)
          : figure(label, '…', null, 'change flat'));
      }
    }
    if (info && info.ath && isNumber(info.ath.price)) {
      figures.push(figure('All-time high', formatPrice(info.ath.price), `on ${formatDay(info.ath.date)}`));
      if (isNumber(price) && info.ath.price > 0) {
        const drawdown = ((price - info.ath.price) / info.ath.price) * 100;
        figures.push(figure('From the high', formatPercent(drawdown), 'drawdown', `change ${trendClass(drawdown)}`));
      }
    }
    if (info && info.atl && isNumber(info.atl.price)) {
      figures.push(figure('All-time low', formatPrice(info.atl.price), `on ${formatDay(info.atl.date)}`));
    }
    const marketCap = latest ? latest.market_cap : row && row['market-cap'];
    const volume = latest ? latest.volume : row && row['24h-volume'];
    figures.push(figure('Market cap', formatCompact(marketCap), marketCap ? null : 'not reported'));
    figures.push(figure('24h volume', formatCompact(volume)));
    $('#coin-figures').replaceChildren(...figures);
  }

  /** Turns a range preset into from/to, counted back from the coin's last day. */
  function applyRange() {
    const info = coinPage.info;
    if (!info || !coinPage.range) return;
    if (coinPage.range === 'All') {
      coinPage.from = info.first_date;
      coinPage.to = info.last_date;
      return;
    }
    const [years, months] = RANGES[coinPage.range];
    let from = addMonths(info.last_date, -(years * 12 + months));
    from = addDays(from, 1);
    coinPage.from = from < info.first_date ? info.first_date : from;
    coinPage.to = info.last_date;
  }

  async function loadHistory() {
    const info = coinPage.info;
    if (!info) return;
    const signal = coinPage.historySignal();
    updateChartControls();
    const query = new URLSearchParams({ interval: coinPage.interval });
    if (coinPage.from) query.set('from', coinPage.from);
    if (coinPage.to) query.set('to', coinPage.to);
    const chart = $('#chart');
    chart.setAttribute('aria-busy', 'true');
    try {
      const { body } = await getJson(`/api/v1/coins/${encodeURIComponent(info.symbol)}/history?${query}`, signal);
      coinPage.candles = Array.isArray(body.candles) ? body.candles : [];
      hideMessage($('#coin-message'));
    } catch (error) {
      if (isAbort(error)) return;
      coinPage.candles = [];
      showMessage($('#coin-message'), error.message);
    }
    chart.setAttribute('aria-busy', 'false');
    drawChart();
  }

  function updateChartControls() {
    for (const button of $$('#range-buttons button')) {
      button.setAttribute('aria-pressed', String(button.dataset.range === coinPage.range));
    }
    for (const button of $$('#interval-buttons button')) {
      button.setAttribute('aria-pressed', String(button.dataset.interval === coinPage.interval));
    }
    for (const button of $$('#kind-buttons button')) {
      button.setAttribute('aria-pressed', String(button.dataset.kind === coinPage.kind));
    }
    $('#log-scale').checked = coinPage.log;
    const info = coinPage.info;
    for (const input of [$('#from-input'), $('#to-input')]) {
      if (info) {
        input.min = info.first_date;
        input.max = info.last_date;
      }
    }
    $('#from-input').value = coinPage.from || '';
    $('#to-input').value = coinPage.to || '';
  }

  function changeChart(change) {
    Object.assign(coinPage, change);
    setQuery(coinParams());
    if ('range' in change) applyRange();
    if ('kind' in change || 'log' in change) {
      updateChartControls();
      drawChart();
    } else {
      loadHistory();
    }
  }

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
    const info = coinPage.info;
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

  // ---------------------------------------------------------------- the chart (SVG)

  function svg(tag, attributes = {}) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    return node;
  }

  /** A step of 1, 2 or 5 × 10^k giving about `count` ticks over `span`. */
  function niceStep(span, count) {
    const raw = span / Math.max(1, count);
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const normal = raw / magnitude;
    return (normal < 1.5 ? 1 : normal < 3 ? 2 : normal < 7 ? 5 : 10) * magnitude;
  }

  function linearTicks(min, max, count) {
    const step = niceStep(max - min, count);
    const ticks = [];
    for (let value = Math.ceil(min / step) * step; value <= max + step * 1e-9; value += step) {
      ticks.push(Number(value.toPrecision(12)));
    }
    return { ticks, step };
  }

  function logTicks(min, max, count) {
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

  function axisPrice(value, step) {
    const digits = Math.min(8, Math.max(0, -Math.floor(Math.log10(step)) + (value < 1 ? 1 : 0)));
    return `$${value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
  }

  /** Date ticks: days, weeks, months or years, whichever fits about `count` labels. */
  function timeTicks(start, end, count) {
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

  let chartGeometry = null; // what pointer handlers need to map x back to candles

  function drawChart() {
    const container = $('#chart');
    const candles = coinPage.candles.filter((c) => isDay(c.date) && isNumber(c.close));
    const caption = $('#chart-caption');
    $('#chart-tooltip').hidden = true;
    chartGeometry = null;
    if (candles.length === 0) {
      container.replaceChildren(el('p', { className: 'chart-empty muted', text: coinPage.info ? 'No prices in this date range.' : '' }));
      caption.textContent = '';
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

    const candlesMode = coinPage.kind === 'candles';
    const lows = candles.map((c) => (candlesMode && isNumber(c.low) ? c.low : c.close));
    const highs = candles.map((c) => (candlesMode && isNumber(c.high) ? c.high : c.close));
    let min = Math.min(...lows);
    let max = Math.max(...highs);
    const useLog = coinPage.log && min > 0;
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
      if (min < 0 && Math.min(...lows) >= 0) min = 0;
      y = (value) => priceBottom - ((value - min) / (max - min)) * priceHeight;
    }
    if (!ticks) ticks = linearTicks(min, max, Math.max(3, Math.floor(priceHeight / 45)));

    const root = svg('svg', {
      class: 'chart-svg',
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'img',
      'aria-label': `${coinPage.info ? coinPage.info.name : ''} price, ${candles.length} ${intervalNoun(candles.length)} from ${candles[0].date} to ${candles[candles.length - 1].date}`,
      'data-testid': 'price-chart',
      'data-points': String(candles.length),
      'data-interval': coinPage.interval,
      'data-kind': candlesMode ? 'candles' : 'line',
      'data-from': candles[0].date,
      'data-to': candles[candles.length - 1].date,
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
    const dateTicks = t1 === t0 ? [{ t: t0, label: formatDay(candles[0].date) }] : timeTicks(t0, t1, Math.max(3, Math.floor(plotWidth / 60)));
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
        class: candle.close >= candle.open ? 'up' : 'down',
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
        const open = isNumber(candle.open) ? candle.open : candle.close;
        const high = isNumber(candle.high) ? candle.high : Math.max(open, candle.close);
        const low = isNumber(candle.low) ? candle.low : Math.min(open, candle.close);
        const g = svg('g', { class: `candle ${candle.close >= open ? 'up' : 'down'}`, 'data-date': candle.date });
        g.append(svg('line', { x1: cx, x2: cx, y1: y(high).toFixed(2), y2: y(low).toFixed(2) }));
        const top = Math.min(y(open), y(candle.close));
        g.append(svg('rect', {
          x: (cx - barWidth / 2).toFixed(2),
          y: top.toFixed(2),
          width: barWidth.toFixed(2),
          height: Math.max(1, Math.abs(y(open) - y(candle.close))).toFixed(2),
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
      if (candles.length === 1) {
        root.append(svg('circle', { cx: x(t0), cy: y(first), r: 4, class: `price-dot ${trend}` }));
      }
    }

    // Hover marker, zoom selection, and the transparent layer that receives the pointer.
    const crosshair = svg('g', { class: 'crosshair', visibility: 'hidden' });
    crosshair.append(svg('line', { y1: margin.top, y2: volumeTop + volumeHeight }));
    crosshair.append(svg('circle', { r: 4 }));
    root.append(crosshair);
    const selection = svg('rect', { class: 'selection', y: margin.top, height: volumeTop + volumeHeight - margin.top, width: 0, visibility: 'hidden' });
    root.append(selection);
    const overlay = svg('rect', { class: 'overlay', x: margin.left, y: margin.top, width: plotWidth, height: volumeTop + volumeHeight - margin.top });
    root.append(overlay);

    container.replaceChildren(root);
    chartGeometry = { candles, times, x, y, width, margin, plotWidth, crosshair, selection, root };

    const change = first ? ((last - first) / first) * 100 : null;
    caption.replaceChildren(
      `${formatDay(candles[0].date)} – ${formatDay(candles[candles.length - 1].date)}: ${candles.length} ${intervalNoun(candles.length)}, `,
      el('span', { className: `change ${trendClass(change)}`, text: formatPercent(change) }),
      '. Drag across the chart to zoom in.',
    );
  }

  function intervalNoun(count) {
    const noun = { '1d': 'day', '1w': 'week', '1M': 'month' }[coinPage.interval] || 'point';
    return count === 1 ? noun : `${noun}s`;
  }

  /** The candle nearest to an x position (binary search over the sorted dates). */
  function nearestIndex(geometry, px) {
    const { times, x } = geometry;
    let lo = 0;
    let hi = times.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x(times[mid]) < px) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && Math.abs(x(times[lo - 1]) - px) < Math.abs(x(times[lo]) - px)) lo -= 1;
    return lo;
  }

  function pointerX(event) {
    const box = chartGeometry.root.getBoundingClientRect();
    return ((event.clientX - box.left) / box.width) * chartGeometry.width;
  }

  function showTooltip(index) {
    const geometry = chartGeometry;
    const candle = geometry.candles[index];
    const cx = geometry.x(geometry.times[index]);
    const cy = geometry.y(candle.close);
    geometry.crosshair.setAttribute('visibility', 'visible');
    geometry.crosshair.querySelector('line').setAttribute('x1', cx);
    geometry.crosshair.querySelector('line').setAttribute('x2', cx);
    geometry.crosshair.querySelector('circle').setAttribute('cx', cx);
    geometry.crosshair.querySelector('circle').setAttribute('cy', cy);

    const tooltip = $('#chart-tooltip');
    const period = { '1d': '', '1w': 'week of ', '1M': 'month of ' }[coinPage.interval] || '';
    const rows = [
      ['Open', formatPrice(candle.open)], ['High', formatPrice(candle.high)],
      ['Low', formatPrice(candle.low)], ['Close', formatPrice(candle.close)],
      ['Volume', formatCompact(candle.volume)],
    ];
    tooltip.replaceChildren(
      el('strong', { text: `${period}${formatDay(candle.date)}` }),
      el('dl', {}, rows.flatMap(([label, value]) => [el('dt', { text: label }), el('dd', { text: value })])),
    );
    tooltip.hidden = false;
    const scale = geometry.root.getBoundingClientRect().width / geometry.width;
    const left = cx * scale;
    const tooltipWidth = tooltip.offsetWidth;
    const boxWidth = $('#chart').clientWidth;
    tooltip.style.left = `${left + 14 + tooltipWidth > boxWidth ? Math.max(0, left - 14 - tooltipWidth) : left + 14}px`;
    tooltip.style.top = `${Math.max(4, cy * scale - 40)}px`;
  }

  function hideTooltip() {
    if (chartGeometry) chartGeometry.crosshair.setAttribute('visibility', 'hidden');
    $('#chart-tooltip').hidden = true;
  }

  let brushStart = null;
  const chartBox = $('#chart');
  chartBox.addEventListener('pointermove', (event) => {
    if (!chartGeometry) return;
    const px = pointerX(event);
    showTooltip(nearestIndex(chartGeometry, px));
    if (brushStart !== null) {
      const { margin, plotWidth, selection } = chartGeometry;
      const clamped = Math.min(margin.left + plotWidth, Math.max(margin.left, px));
      selection.setAttribute('x', Math.min(brushStart, clamped));
      selection.setAttribute('width', Math.abs(clamped - brushStart));
      selection.setAttribute('visibility', 'visible');
    }
  });
  chartBox.addEventListener('pointerleave', () => {
    hideTooltip();
  });
  // Brushing is for mouse and pen; on touch screens a tap shows the day and a drag scrolls.
  chartBox.addEventListener('pointerdown', (event) => {
    if (!chartGeometry) return;
    if (event.pointerType === 'touch') {
      showTooltip(nearestIndex(chartGeometry, pointerX(event)));
      return;
    }
    if (event.button !== 0) return;
    brushStart = pointerX(event);
    chartBox.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  chartBox.addEventListener('pointerup', (event) => {
    if (brushStart === null || !chartGeometry) return;
    const start = brushStart;
    brushStart = null;
    chartGeometry.selection.setAttribute('visibility', 'hidden');
    const end = pointerX(event);
    if (Math.abs(end - start) < 8) return;
    const a = nearestIndex(chartGeometry, Math.min(start, end));
    const b = nearestIndex(chartGeometry, Math.max(start, end));
    const from = chartGeometry.candles[a].date;
    // A weekly or monthly candle covers days after its start date: keep them.
    const lastCandle = chartGeometry.candles[b].date;
    const to = coinPage.interval === '1w' ? addDays(lastCandle, 6)
      : coinPage.interval === '1M' ? addDays(addMonths(lastCandle, 1), -1) : lastCandle;
    if (a === b && coinPage.interval === '1d') return;
    changeChart({ range: null, from, to: coinPage.info && to > coinPage.info.last_date ? coinPage.info.last_date : to });
  });
  chartBox.addEventListener('pointercancel', () => {
    brushStart = null;
    if (chartGeometry) chartGeometry.selection.setAttribute('visibility', 'hidden');
  });

  let resizeFrame = 0;
  let lastWidth = 0;
  new ResizeObserver((entries) => {
    const width = Math.round(entries[0].contentRect.width);
    if (width === lastWidth) return;
    lastWidth = width;
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(() => {
      if (!$('#coin-view').hidden && coinPage.candles.length) drawChart();
    });
  }).observe(chartBox);

  // ---------------------------------------------------------------- start

  route();
})();
