// @ts-check
// Shared by the screens: headings, fields with hint and error tied by aria-describedby, error
// summaries, failures in the citizen's language, Thai ID and phone rules (as the server's).
import { ApiError } from '../api.js';
import { t, pick } from '../i18n.js';
import { actingFor } from '../session.js';
import { el } from '../views/dom.js';

/** @param {HTMLElement} root @param {string} title @param {...(Node | null)} children */
export function page(root, title, ...children) {
  document.title = `${title} · ${t('app.name')}`;
  root.replaceChildren(el('h1', {}, title), ...children.filter((c) => c !== null));
}

/** "Loading…" where a screen will be, until its data is in. */
export function loading() {
  return el('p', { class: 'status', role: 'status' }, t('loading'));
}

/** A labelled control with its hint and error.
 * @param {string} id @param {string} label @param {HTMLElement} control @param {string} [hint] */
export function field(id, label, control, hint) {
  control.id = id;
  const wrap = el('div', { class: 'field' }, el('label', { for: id }, label));
  if (hint) {
    wrap.append(el('p', { class: 'hint', id: `${id}-hint` }, hint));
    control.setAttribute('aria-describedby', `${id}-hint`);
  }
  wrap.append(el('p', { class: 'field-error', id: `${id}-error`, hidden: '' }), control);
  return wrap;
}

/** Show (or clear, with '') a control's error; a fieldset marks its inputs.
 * @param {string} id @param {string} message */
export function showError(id, message) {
  const control = document.getElementById(id);
  const box = document.getElementById(`${id}-error`);
  if (!control || !box) return;
  box.textContent = message;
  box.hidden = !message;
  const ids = new Set((control.getAttribute('aria-describedby') || '').split(' ').filter(Boolean));
  if (message) ids.add(box.id); else ids.delete(box.id);
  if (ids.size) control.setAttribute('aria-describedby', [...ids].join(' '));
  else control.removeAttribute('aria-describedby');
  const group = control.tagName === 'FIELDSET' && control.getAttribute('role') !== 'radiogroup';
  for (const target of group ? control.querySelectorAll('input, select') : [control]) {
    if (message) target.setAttribute('aria-invalid', 'true'); else target.removeAttribute('aria-invalid');
  }
}

/** The box above a form that says what went wrong; `say` fills and focuses it. */
export function summary() {
  return el('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: '' });
}

/** @param {HTMLElement} box @param {string} text @param {(string | Node)[]} [items] */
export function say(box, text, items = []) {
  box.replaceChildren(el('p', {}, text));
  if (items.length) box.append(el('ul', {}, ...items.map((item) => el('li', {}, item))));
  box.hidden = !text;
  if (text) box.focus();
}

/**
 * An error summary's line that takes the citizen to the field (GOV.UK's pattern): a link that
 * focuses the field's first control without changing the page's address.
 * @param {string} id the field's element id @param {string} text
 */
export function fieldLink(id, text) {
  const link = el('a', { href: `#${id}` }, text);
  link.addEventListener('click', (event) => {
    event.preventDefault();
    const target = document.getElementById(id);
    const controls = 'input, select, textarea';
    const control = target?.matches(controls) ? target : target?.querySelector(controls);
    target?.scrollIntoView({ block: 'center' });
    /** @type {HTMLElement | null | undefined} */ (control)?.focus();
  });
  return link;
}

/** A failure in the citizen's language: the server's own words, or why the network failed. @param {unknown} error */
export function problemText(error) {
  if (error instanceof ApiError && (error.body.message || error.body.message_th)) {
    return pick({ th: error.body.message_th || error.body.message || '', en: error.body.message || '' });
  }
  return t(navigator.onLine ? 'error.network' : 'error.offlineAction');
}

/**
 * The server's per-field messages (422), in the citizen's language, from a failed call or an
 * outbox item's stored error.
 * @param {unknown} error @returns {Record<string, string>}
 */
export function fieldProblems(error) {
  const fields = /** @type {any} */ (error instanceof ApiError ? error.body : error)?.fields;
  return Object.fromEntries(
    Object.entries(fields || {}).map(([name, text]) => [name, pick(/** @type {any} */ (text))]),
  );
}

/** Why the server refused a queued write (an outbox item's error), in the citizen's language. @param {any} error */
export function refusalText(error) {
  return pick({ th: error?.message_th || error?.message || '', en: error?.message || '' });
}

/** @param {string} text @param {() => unknown} onClick @param {string} [kind] a class: secondary, danger */
export function button(text, onClick, kind) {
  const node = /** @type {HTMLButtonElement} */ (
    el('button', kind ? { type: 'button', class: kind } : { type: 'button' }, text)
  );
  node.addEventListener('click', onClick);
  return node;
}

/** Disable the buttons of `root` while `work` runs (no double submissions).
 * @template T @param {HTMLElement} root @param {() => Promise<T>} work */
export async function busy(root, work) {
  const buttons = [...root.querySelectorAll('button:not([disabled])')];
  for (const b of buttons) b.setAttribute('disabled', '');
  try {
    return await work();
  } finally {
    for (const b of buttons) b.removeAttribute('disabled');
  }
}

/** 13 digits whose last one is the mod-11 checksum of the first 12 (DOPA's rule). @param {string} value */
export function isThaiId(value) {
  if (!/^\d{13}$/.test(value)) return false;
  let total = 0;
  for (let i = 0; i < 12; i += 1) total += Number(value[i]) * (13 - i);
  return (11 - (total % 11)) % 10 === Number(value[12]);
}

/** 0 and 8 or 9 more digits (landline or mobile). @param {string} value */
export function isPhone(value) { return /^0\d{8,9}$/.test(value); }

/** Digits only: people type ID and phone numbers with spaces and dashes. @param {string} value */
export function digits(value) { return value.replace(/[\s-]/g, ''); }

let flash = '';
/** A message for the next screen ("Sent. Tracking code …"). @param {string} text */
export function setFlash(text) { flash = text; }
/** The message left by the previous screen, once. */
export function takeFlash() {
  const text = flash;
  flash = '';
  return text ? el('p', { class: 'flash', role: 'status' }, text) : null;
}

/** Where to go after signing in: `next` if it is one of ours, else the dashboard. @param {URLSearchParams} params */
export function nextHash(params) {
  const next = params.get('next') || '';
  return next.startsWith('#/') ? next : '#/dashboard';
}

/**
 * For screens that need a signed-in citizen: the account (at a kiosk, the citizen served), or
 * (null) a prompt to sign in and come back here.
 * @param {HTMLElement} root @param {string} title
 */
export function signedIn(root, title) {
  const me = actingFor();
  if (me) return me;
  const back = encodeURIComponent(location.hash);
  page(root, title,
    el('p', {}, t('signin.needed')),
    el('p', {}, el('a', { class: 'button', href: `#/signin?next=${back}` }, t('signin.title'))),
    el('p', {}, el('a', { href: `#/enrol?next=${back}` }, t('welcome.enrol'))),
  );
  return null;
}
