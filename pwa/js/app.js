// @ts-check
// Entry point: language first, then the screen for the URL hash, then the offline machinery.
import { loadLang, currentLang } from './i18n.js';
import { addRoute, setFallback, render } from './router.js';
import { startStatus, render as renderStatus } from './status.js';
import { startOutbox } from './outbox.js';
import { startPwa } from './pwa.js';
import { renderCatalog } from './views/catalog.js';

/** @template {HTMLElement} T @param {string} name @returns {T} */
function part(name) {
  const found = document.querySelector(`[data-module="${name}"]`);
  if (!found) throw new Error(`index.html is missing [data-module="${name}"]`);
  return /** @type {T} */ (found);
}

const view = part('view');
const langButton = part('lang-switch');

addRoute(/^#\/services\/([\w-]+)$/, (root, m) => import('./views/service.js').then((v) => v.renderService(root, m[1])));
addRoute(/^#\/notifications$/, (root) => import('./views/notifications.js').then((v) => v.renderNotifications(root)));
setFallback((root, _, params) => renderCatalog(root, params));

function labelLangButton() {
  langButton.lang = currentLang() === 'th' ? 'en' : 'th';
}

langButton.addEventListener('click', async () => {
  await loadLang(currentLang() === 'th' ? 'en' : 'th');
  labelLangButton();
  renderStatus();
  render(view);
});
addEventListener('hashchange', () => { render(view); view.focus(); });
// A push while the app is open (sw.js tells its pages): lists of statuses show it at once.
navigator.serviceWorker?.addEventListener('message', (event) => {
  if (event.data?.type === 'push' && /^#\/(dashboard|notifications)$/.test(location.hash)) render(view);
});

await loadLang();
labelLangButton();
startStatus(part('status'));
render(view);
startOutbox();
startPwa({ notice: part('notice'), install: part('install'), installHelp: part('install-help') });
// Keep this device's push subscription current (never asks for permission).
if (globalThis.Notification?.permission === 'granted') import('./push.js').then((p) => p.refresh()).catch(() => {});
