// @ts-check
// My data as a page to read, print or save as PDF: the same document as the JSON export
// (GET /api/v1/me/export), each part under its own heading; the JSON file stays the second choice.
import { getJSON } from '../api.js';
import { t, when, loadStrings } from '../i18n.js';
import { el } from '../views/dom.js';
import { page, loading, problemText, button } from './ui.js';

await loadStrings('account'); // its words: only where My account is opened

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** @param {HTMLElement} root */
export async function render(root) {
  root.replaceChildren(el('h1', {}, t('mydata.title')), loading());
  /** @type {Record<string, any>} */
  let data;
  try {
    data = await getJSON('/api/v1/me/export');
  } catch (error) {
    page(root, t('mydata.title'), el('p', { role: 'alert' }, problemText(error)));
    return;
  }
  const { exported_at: at, ...parts } = data;
  page(root, t('mydata.title'),
    el('p', {}, t('mydata.intro', { time: when(at) })),
    el('div', { class: 'actions-row' },
      button(t('mydata.print'), () => print()),
      el('a', { class: 'button secondary', href: '/api/v1/me/export', download: '' }, t('account.json'))),
    ...Object.entries(parts).map(([name, value]) => el('section', { class: 'mydata' },
      el('h2', {}, name.replace(/_/g, ' ')), shown(value))),
    el('p', {}, el('a', { href: '#/account' }, t('activity.back'))),
  );
}

/** A value as a person reads it: lists of items, each a list of its fields. @param {any} value @returns {Node} */
function shown(value) {
  if (Array.isArray(value)) {
    return value.length ? el('ol', { class: 'plain' }, ...value.map((v) => el('li', {}, shown(v)))) : text(null);
  }
  if (value && typeof value === 'object') {
    return el('dl', { class: 'answers' },
      ...Object.entries(value).flatMap(([k, v]) => [el('dt', {}, k.replace(/_/g, ' ')), el('dd', {}, shown(v))]));
  }
  return text(value);
}

/** @param {any} value */
function text(value) {
  if (value === null || value === undefined || value === '') return document.createTextNode(t('mydata.empty'));
  return document.createTextNode(typeof value === 'string' && ISO_TIME.test(value) ? when(value) : String(value));
}
