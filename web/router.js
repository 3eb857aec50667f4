// Routing: `/` is the dashboard, `/coins/{symbol}` a coin's page. Links marked `data-link`
// change the view without a reload; the back button works.

import { $ } from './dom.js';

let views = null;

export const coinHref = (symbol) => `/coins/${encodeURIComponent(symbol)}`;

/** Starts routing: `showDashboard(params)`, `showCoin(symbol, params)`, `beforeEach()`. */
export function startRouter(handlers) {
  views = handlers;
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[data-link]');
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(link.getAttribute('href'));
  });
  window.addEventListener('popstate', route);
  route();
}

function route() {
  const match = /^\/coins\/([^/]+)\/?$/.exec(location.pathname);
  const params = new URLSearchParams(location.search);
  views.beforeEach();
  $('#dashboard-view').hidden = Boolean(match);
  $('#coin-view').hidden = !match;
  if (match) {
    let symbol;
    try {
      symbol = decodeURIComponent(match[1]);
    } catch {
      symbol = match[1];
    }
    views.showCoin(symbol, params);
  } else {
    rememberDashboardUrl();
    views.showDashboard(params);
  }
}

export function navigate(url) {
  const before = location.pathname;
  history.pushState(null, '', url);
  route();
  if (location.pathname !== before) window.scrollTo(0, 0);
}

/** Rewrites the query string: a new history entry when `push`, else in place. */
export function setQuery(params, { push = false } = {}) {
  const text = params.toString();
  history[push ? 'pushState' : 'replaceState'](null, '', location.pathname + (text ? `?${text}` : ''));
  rememberDashboardUrl();
}

// "All coins" returns to the day, order, page and filter the dashboard last showed.
function rememberDashboardUrl() {
  if (location.pathname === '/') $('#back-link').setAttribute('href', `/${location.search}`);
}
