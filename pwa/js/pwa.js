// @ts-check
// Installable and offline: registers the service worker, says "Ready to work offline" the
// first time, offers "A new version is available — Reload" instead of swapping code under
// the citizen (the new worker waits until they accept; svgomg does the same), and shows an
// install button where the browser offers one (beforeinstallprompt), guidance otherwise.
import { keepCopies } from './api.js';
import { t } from './i18n.js';
import { el } from './views/dom.js';

/**
 * A kiosk: no install prompt, no service worker, no caches (all would outlive the visit).
 * `keepDrawn` hands the worker the screen as drawn (keep-screen.js), once it is in control.
 * @param {{notice: HTMLElement, install: HTMLButtonElement, installHelp: HTMLElement, keepDrawn: () => void}} parts
 * @param {boolean} [kiosk]
 */
export async function startPwa({ notice, install, installHelp, keepDrawn }, kiosk = false) {
  if (kiosk) {
    installHelp.hidden = true;
    addEventListener('beforeinstallprompt', (event) => event.preventDefault());
    for (const registration of (await navigator.serviceWorker?.getRegistrations()) || [])
      await registration.unregister();
    for (const name of await caches.keys()) await caches.delete(name);
    return;
  }
  startInstall(install, installHelp);
  if (!('serviceWorker' in navigator)) return;
  const sw = navigator.serviceWorker;
  let reloading = false;
  const hadController = Boolean(sw.controller);
  sw.addEventListener('controllerchange', () => {
    if (!hadController) { keepCopies(); keepLoaded(); keepDrawn(); return; } // first install: nothing to reload
    if (!reloading) { reloading = true; location.reload(); }
  });
  /** @type {ServiceWorkerRegistration} */
  let registration;
  try {
    // A module worker, so it can import outbox.js for Background Sync.
    registration = await sw.register('/sw.js', { type: 'module', scope: '/' });
  } catch {
    return; // no module service workers here: the app still works online
  }
  /** @param {ServiceWorker} worker */
  const offerUpdate = (worker) =>
    show(notice, 'notice.update', 'notice.reload', () => worker.postMessage({ type: 'skip-waiting' }));
  if (registration.waiting && sw.controller) offerUpdate(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => {
      if (worker.state !== 'installed') return;
      if (sw.controller) offerUpdate(worker);
      else show(notice, 'notice.offlineReady', 'notice.close', () => {});
    });
  });
}

/** The screens this page loaded before the worker took control: keep them (from the HTTP cache). */
function keepLoaded() {
  const urls = performance.getEntriesByType('resource').map((entry) => entry.name);
  navigator.serviceWorker.controller?.postMessage({ type: 'keep', urls });
}

/** Ask the service worker to keep every screen, so a signed-in citizen's open offline. */
export function warmScreens() {
  navigator.serviceWorker?.ready.then((registration) => registration.active?.postMessage({ type: 'warm' }), () => {});
}

/**
 * @param {HTMLElement} notice @param {string} message @param {string} action @param {() => void} onAction
 */
function show(notice, message, action, onAction) {
  const button = el('button', { type: 'button' }, t(action));
  button.addEventListener('click', () => { notice.hidden = true; onAction(); });
  notice.replaceChildren(el('span', { 'data-i18n': message }, t(message)), button);
  button.dataset.i18n = action;
  notice.hidden = false;
}

/** @param {HTMLButtonElement} button @param {HTMLElement} help */
function startInstall(button, help) {
  const standalone = matchMedia('(display-mode: standalone)').matches;
  help.hidden = standalone;
  /** @type {any} */
  let deferred = null;
  addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault();
    deferred = event;
    button.hidden = false;
    help.hidden = true;
  });
  button.addEventListener('click', async () => {
    if (!deferred) return;
    deferred.prompt();
    await deferred.userChoice;
    deferred = null;
    button.hidden = true;
  });
  addEventListener('appinstalled', () => { button.hidden = true; help.hidden = true; });
}
