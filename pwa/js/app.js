// @ts-check
// Entry point: language first, then the screen for the URL hash, then the offline machinery.
// Screens (js/screens/<name>.js, exporting `render(root, params, match)`; routes in boot.js)
// are imported when their route opens, so a first visit pays only for the one it shows; the
// service worker keeps those used, and all of them once signed in.
// A kiosk keeps nothing personal and shows its frame (screens/kiosk-chrome.js).
import { loadLang, currentLang, t, rememberNothing } from './i18n.js';
import { detectKiosk, forgetScreens } from './api.js';
import { startStatus, render as renderStatus } from './status.js';
import { registerSender, startOutbox } from './outbox.js';
import { account, onAccount, checkSession } from './session.js';
import { el } from './views/dom.js';

/** boot.js, written into the page's head, ran first. */
const { route, nameScreen, forgetAhead } = portalBoot;

/** @template {HTMLElement} T @param {string} name @returns {T} */
function part(name) {
  const found = document.querySelector(`[data-module="${name}"]`);
  if (!found) throw new Error(`index.html is missing [data-module="${name}"]`);
  return /** @type {T} */ (found);
}

const view = part('view');
const langButton = part('lang-switch');
const accountLink = /** @type {HTMLAnchorElement} */ (part('account-link'));
const bell = /** @type {HTMLAnchorElement} */ (part('bell'));
/** A delegate acting for someone who authorised them (acting.js). */
let acting = false;

/** Import a screen, its modules named to the browser at once (boot.js). @param {string} name */
function load(name) {
  nameScreen(name);
  return import(`./screens/${name}.js`);
}

let drawing = 0;
/**
 * `main` for one drawing of a screen: once another screen opens, what this one still draws
 * (its data came late) goes nowhere, so a screen may wait for its data before drawing at all.
 * @param {HTMLElement} main @returns {HTMLElement}
 */
function rootFor(main) {
  const mine = ++drawing;
  return new Proxy(main, {
    get(target, name) {
      if (name === 'replaceChildren')
        return (/** @type {Node[]} */ ...nodes) => { if (mine === drawing) target.replaceChildren(...nodes); };
      const value = Reflect.get(target, name);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set: (target, name, value) => Reflect.set(target, name, value),
  });
}

/** Draw the screen for the current hash; a failure becomes a message, not a blank screen. @param {HTMLElement} main */
async function render(main) {
  const root = rootFor(main);
  const mine = drawing;
  const [path, query] = location.hash.split('?');
  const [name, match] = route(path);
  try {
    if (acting && (await import('./acting.js')).closedHere(name, root)) return;
    await (await load(name)).render(root, new URLSearchParams(query || ''), match);
    if (mine === drawing) keepDrawn();
  } catch (error) {
    const key = navigator.onLine ? 'error.network' : 'error.offline';
    root.replaceChildren(el('p', { class: 'error', role: 'alert', 'data-i18n': key }, t(key)));
    console.warn(error);
  }
}
/** Installable and offline (pwa.js): off the first screen's path, as it registers the worker. */
const pwa = () => import('./pwa.js');
/** Not a kiosk, nor a delegate acting for someone: decided at start, below. */
let ownPhone = false;
/** The worker keeps the screen as drawn, to show it at once when the app opens again. */
function keepDrawn() {
  if (ownPhone && navigator.serviceWorker?.controller)
    import('./keep-screen.js').then((m) => m.keepScreen(view), () => {});
}

function labelLangButton() {
  langButton.lang = currentLang() === 'th' ? 'en' : 'th';
}

const STAFF_LINKS = /** @type {Record<string, [string, string]>} */
  ({ operator: ['/#/kiosk', 'nav.kiosk'], officer: ['/#/officer', 'nav.officer'] });

/** Whose screens and bell were last started: the session check at start confirms the same
 * person (session.js tells its listeners on every check), which needs neither again. */
let startedFor = /** @type {number | undefined} */ (undefined);

/** The menu offers "Sign in" or "My account"; a signed-in citizen's screens are kept offline. */
function showAccount() {
  const me = account();
  const [href, key] =
    (me && STAFF_LINKS[me.role]) || (me ? ['/#/account', 'nav.account'] : ['/#/signin', 'nav.signin']);
  accountLink.href = href;
  accountLink.dataset.i18n = key;
  accountLink.textContent = t(key);
  if (me?.id === startedFor) return;
  startedFor = me?.id;
  if (me && !device) pwa().then((p) => p.warmScreens(), () => {});
  if (me?.role === 'citizen' && !device && !acting) import('./screens/bell.js').then((b) => b.start(bell), () => {});
}

langButton.addEventListener('click', async () => {
  await loadLang(currentLang() === 'th' ? 'en' : 'th');
  labelLangButton();
  renderStatus();
  render(view);
});
addEventListener('hashchange', () => { render(view); view.focus(); });
// Leaving the app (another app, the phone locked): what it shows is what opens next time.
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') keepDrawn(); });
// A push while the app is open (sw.js tells its pages): lists of statuses show it at once.
navigator.serviceWorker?.addEventListener('message', (event) => {
  if (event.data?.type === 'push' && /^#\/(dashboard|notifications)$/.test(location.hash)) render(view);
});

const [device] = await Promise.all([detectKiosk(), loadLang()]);
// A delegate acting for someone (acting.js): decided before anything reads the phone's stores.
acting = !device && localStorage.getItem('acting') !== null;
if (acting) await (await import('./acting.js')).resume(view);
if (device) {
  rememberNothing();
  localStorage.clear();
  await checkSession().catch(() => {});
  await (await import('./screens/kiosk-chrome.js')).start(view);
}
ownPhone = !device && !acting;
if (acting) forgetScreens(); // the delegate's own dashboard is not the one they act on
labelLangButton();
showAccount();
onAccount(showAccount);
startStatus(part('status'));
const checking = device ? null : checkSession();
// A phone that holds a session cookie but not the account (its browser data was cleared; with
// no cookie the check asks nothing): boot.js asked for the session with the shell, so the
// first drawing waits for that answer instead of drawing "sign in" and then the screen.
const waited = Boolean(checking) && !account();
if (waited) await checking?.catch(() => {});
const drawn = render(view);
// A session that ended elsewhere (timeout, "sign out everywhere"): redraw without its data.
// Offline, the phone keeps what it knows. The redraw waits for the first drawing: begun while
// that one still waits for the server, it would ask for the same data again, as the first
// screen's copy is kept only when its answer is in.
const checked = checking?.then(
  async (changed) => { if (changed && !waited) { await drawn; await render(view); } },
  () => {},
) ?? null;
registerSender('upload', () => import('./upload.js').then((m) => m.send));
startOutbox();
// The service worker registers once the first screen is drawn and the page is idle: its
// install downloads the shell, which on a slow link would share it with the screen's own.
const parts = {
  notice: part('notice'),
  install: /** @type {HTMLButtonElement} */ (part('install')),
  installHelp: part('install-help'),
  keepDrawn,
};
Promise.all([drawn, checked]).then(() => {
  forgetAhead();
  const start = () => pwa().then((p) => p.startPwa(parts, Boolean(device)), () => {});
  if ('requestIdleCallback' in globalThis) requestIdleCallback(start, { timeout: 1000 });
  else setTimeout(start, 0); // Safari
});
// Keep this device's push subscription current (never asks for permission; not on a kiosk).
if (!device && globalThis.Notification?.permission === 'granted')
  import('./push.js').then((p) => p.refresh()).catch(() => {});
