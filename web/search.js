// The search box: suggestions from /api/v1/search as one types, Enter on a suggestion opens
// it, Enter without one looks the name up exactly through /search.

import { getJson, isAbort, latestOnly, query } from './api.js';
import { $, el, hideMessage, showMessage } from './dom.js';
import { coinHref, navigate } from './router.js';

const SUGGESTIONS = 8;

const search = {
  items: [],
  active: -1,
  timer: 0,
  signal: latestOnly(),
};

async function suggest(text) {
  if (!text.trim()) {
    closeSuggestions();
    return;
  }
  const signal = search.signal();
  let items;
  try {
    const { body } = await getJson(`/api/v1/search?${query({ q: text, limit: SUGGESTIONS })}`, signal);
    items = Array.isArray(body.results) ? body.results : [];
  } catch (error) {
    if (isAbort(error)) return;
    items = []; // Enter still looks the name up, and says what went wrong.
  }
  if (signal.aborted || $('#search-input').value !== text) return;
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

export function closeSuggestions() {
  search.items = [];
  search.active = -1;
  const list = $('#search-suggestions');
  list.hidden = true;
  list.replaceChildren();
  const input = $('#search-input');
  input.setAttribute('aria-expanded', 'false');
  input.removeAttribute('aria-activedescendant');
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
async function searchExact(text) {
  try {
    const { body } = await getJson(`/search?${query({ name: text })}`);
    openCoin(body.symbol);
  } catch (error) {
    if (isAbort(error)) return;
    showMessage($('#search-message'), error.status === 404
      ? `No coin is called “${text}”. Type part of its name or symbol and pick a suggestion.`
      : error.message);
  }
}

$('#search-input').addEventListener('input', (event) => {
  hideMessage($('#search-message'));
  clearTimeout(search.timer);
  const text = event.target.value;
  search.timer = setTimeout(() => suggest(text), 120);
});

$('#search-input').addEventListener('keydown', (event) => {
  if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    if (search.items.length === 0) return;
    event.preventDefault();
    const step = event.key === 'ArrowDown' ? 1 : -1;
    // Past the last suggestion (or before the first) is the text itself.
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
  const text = $('#search-input').value.trim();
  if (search.active >= 0 && search.items[search.active]) {
    openCoin(search.items[search.active].symbol);
  } else if (text) {
    closeSuggestions();
    searchExact(text);
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
