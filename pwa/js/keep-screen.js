// @ts-check
// Loaded only where a service worker is in control (a repeat visit), off a first visit's path.
import { t, currentLang } from './i18n.js';

/** Screens whose last drawing the worker keeps inside the shell (sw.js): when the app opens
 * again it shows at first paint, before a module has run, and the screen draws the same over
 * it. Hash routes; '#/' is the catalog. */
const KEPT_SCREENS = ['#/', '#/signin', '#/dashboard'];

/**
 * Hand the worker what `main` shows now, unless it is a search, a one-time message, a
 * problem or a wait: those are not what the citizen should see first next time.
 * @param {HTMLElement} view
 */
export function keepScreen(view) {
  const worker = navigator.serviceWorker?.controller;
  const [path, query] = location.hash.split('?');
  const screen = path.length > 1 ? path : '#/';
  if (!worker || query !== undefined || !KEPT_SCREENS.includes(screen)) return;
  const shown = [...view.querySelectorAll('.flash, .error, [role=alert], [aria-busy=true]')];
  if (shown.some((node) => !node.closest('[hidden]') && node.textContent?.trim())) return;
  if (view.textContent?.includes(t('loading'))) return;
  const large = screen === '#/dashboard' && document.documentElement.classList.contains('large-text');
  worker.postMessage({ type: 'screen', screen, lang: currentLang(), html: view.innerHTML, large });
}
