// Small DOM helpers shared by the views.

const SVG_NS = 'http://www.w3.org/2000/svg';

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

/** An element with attributes (`text`, `className` or any attribute) and children. */
export function el(tag, attributes = {}, children = []) {
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

/** An SVG element with attributes. */
export function svg(tag, attributes = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

/**
 * Shows a message in `element`. Errors interrupt a screen reader (`role="alert"`); news
 * such as "no data yet" waits its turn (`role="status"`).
 */
export function showMessage(element, text, kind = 'error') {
  element.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  element.textContent = text;
  element.classList.add('message');
  element.classList.toggle('error', kind === 'error');
  element.classList.toggle('info', kind === 'info');
  element.hidden = false;
}

export function hideMessage(element) {
  element.hidden = true;
  element.textContent = '';
}
