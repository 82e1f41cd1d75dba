// @ts-check
// Hash routes (#/services/<slug>): the shell at `/` is one cached page, so every screen works
// offline. A view is `(root, match, params) => Promise<void>`; app.js registers one per screen
// (js/screens/<name>.js, imported when its route opens).
import { t } from './i18n.js';
import { el } from './views/dom.js';

/** @typedef {(root: HTMLElement, match: RegExpMatchArray, params: URLSearchParams) => Promise<unknown>} View */
/** @type {[RegExp, View][]} */
const routes = [];
/** @type {View | null} */
let fallback = null;

/** @param {RegExp} pattern matched against location.hash @param {View} view */
export function addRoute(pattern, view) { routes.push([pattern, view]); }

/** The view for an empty or unknown hash. @param {View} view */
export function setFallback(view) { fallback = view; }

/** Render the view for the current hash into `root`; a failure becomes a message, not a blank screen. @param {HTMLElement} root */
export async function render(root) {
  const [path, query] = location.hash.split('?');
  const params = new URLSearchParams(query || '');
  try {
    for (const [pattern, view] of routes) {
      const match = path.match(pattern);
      if (match) return await view(root, match, params);
    }
    if (fallback) await fallback(root, /** @type {RegExpMatchArray} */ ([path]), params);
  } catch (error) {
    const key = navigator.onLine ? 'error.network' : 'error.offline';
    root.replaceChildren(el('p', { class: 'error', role: 'alert', 'data-i18n': key }, t(key)));
    console.warn(error);
  }
}
