// @ts-check
// Every visible string comes from i18n/<lang>.json. Thai first; the choice is remembered.

const KEY = 'lang';
/** @type {Record<string, string>} */
let strings = {};
let lang = 'th';

export function currentLang() { return lang; }

/** @param {string} [wanted] */
export async function loadLang(wanted) {
  lang = wanted || localStorage.getItem(KEY) || 'th';
  if (lang !== 'th' && lang !== 'en') lang = 'th';
  const response = await fetch(`/i18n/${lang}.json`);
  strings = await response.json();
  document.documentElement.lang = lang;
  localStorage.setItem(KEY, lang);
  for (const el of document.querySelectorAll('[data-i18n]')) {
    el.textContent = t(/** @type {HTMLElement} */ (el).dataset.i18n || '');
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
  return new Intl.NumberFormat(lang === 'th' ? 'th-TH' : 'en-GB', {
    style: 'currency', currency: 'THB', maximumFractionDigits: satang % 100 ? 2 : 0,
  }).format(satang / 100);
}

/** Thai dates in the Buddhist era. @param {string | Date} value */
export function date(value) {
  return new Intl.DateTimeFormat(lang === 'th' ? 'th-TH' : 'en-GB', { dateStyle: 'medium' })
    .format(new Date(value));
}
