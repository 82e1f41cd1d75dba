// @ts-check
// Every visible string comes from i18n/<lang>.json. Thai first; the choice is remembered.
// Staff screens (kiosk, officer, recovery desk) add theirs from i18n/staff/<lang>.json
// (`loadStrings('staff')`): a citizen's phone never downloads them.
// Markup carries the Thai text as its no-JavaScript default and names its key:
//   data-i18n="key" (text), data-i18n-label="key" (aria-label), data-i18n-content="key".

const KEY = 'lang';
/** @type {Record<string, string>} */
let strings = {};
let lang = 'th';
let remember = true;

export function rememberNothing() { remember = false; }

export function currentLang() { return lang; }

/** The Intl locale: th-TH counts years in the Buddhist era. */
export function locale() { return lang === 'th' ? 'th-TH' : 'en-GB'; }

/** The extra string sets loaded (i18n/<set>/<lang>.json), loaded again on a language switch. */
const sets = new Set();
/** Loads one after another: a set asked for during a language switch comes in the new language. */
let loading = Promise.resolve();

/**
 * @param {string} set '' for the citizen's strings @param {string} language
 * @returns {Promise<Record<string, string>>}
 */
async function fetchStrings(set, language) {
  // Relative to this module, so the strings are versioned (and precached) with the code.
  const response = await fetch(new URL(`../i18n/${set && `${set}/`}${language}.json`, import.meta.url));
  return response.json();
}

/** @param {() => Promise<void>} work */
function queued(work) {
  const next = loading.then(work);
  loading = next.catch(() => {});
  return next;
}

/** Add a set of strings ('staff') in the current language, before drawing what uses it. @param {string} set */
export function loadStrings(set) {
  return queued(async () => {
    if (sets.has(set)) return;
    Object.assign(strings, await fetchStrings(set, lang));
    sets.add(set);
  });
}

/**
 * Load a language (default: the remembered one, else the page's own) and translate the static
 * markup. The service worker is told, so the next visit opens in it (sw.js). @param {string} [wanted]
 */
export function loadLang(wanted) {
  return queued(() => switchTo(wanted));
}

/** @param {string} [wanted] */
async function switchTo(wanted) {
  let chosen = wanted || (remember && localStorage.getItem(KEY)) || document.documentElement.lang;
  if (chosen !== 'th' && chosen !== 'en') chosen = 'th';
  const parts = await Promise.all(['', ...sets].map((set) => fetchStrings(set, chosen)));
  strings = Object.assign({}, ...parts);
  lang = chosen;
  document.documentElement.lang = lang;
  if (remember) {
    localStorage.setItem(KEY, lang);
    navigator.serviceWorker?.ready.then((r) => r.active?.postMessage({ type: 'lang', lang }), () => {});
  }
  translate(document);
}

/** @param {ParentNode} root */
export function translate(root) {
  for (const node of root.querySelectorAll('[data-i18n], [data-i18n-label], [data-i18n-content]')) {
    const el = /** @type {HTMLElement} */ (node);
    if (el.dataset.i18n) el.textContent = t(el.dataset.i18n);
    if (el.dataset.i18nLabel) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
    if (el.dataset.i18nContent) el.setAttribute('content', t(el.dataset.i18nContent));
  }
}

/** @param {string} key @param {Record<string, string|number>} [vars] */
export function t(key, vars = {}) {
  const text = strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

/** A {th, en} pair in the current language. @param {{th: string, en: string}} pair */
export function pick(pair) { return pair[/** @type {'th'|'en'} */ (lang)] || pair.th; }

/** @param {number} satang */
export function money(satang) {
  return new Intl.NumberFormat(locale(), {
    style: 'currency', currency: 'THB', maximumFractionDigits: satang % 100 ? 2 : 0,
  }).format(satang / 100);
}

/** @param {number} n */
export function number(n) { return new Intl.NumberFormat(locale()).format(n); }

/** Thai dates in the Buddhist era (th-TH's default calendar). @param {string | number | Date} value */
export function date(value) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium' }).format(new Date(value));
}

/** "10:42" today, "26 พ.ย. 2568 10:42" on another day. @param {string | number | Date} value */
export function when(value) {
  const at = new Date(value);
  const time = new Intl.DateTimeFormat(locale(), { timeStyle: 'short' }).format(at);
  return at.toDateString() === new Date().toDateString() ? time : `${date(at)} ${time}`;
}
