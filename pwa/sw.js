// @ts-check
/// <reference lib="webworker" />
// The service worker (a module worker: it imports the outbox for Background Sync).
//
// Caches, all named with PREFIX so activate can delete what it does not know:
//   portal-shell-<build>  the app shell, precached on install (versioned assets + `/` + offline
//                         page) but for the screens (js/screens/, LAZY): those join it when first
//                         used (`{type: 'keep', urls}` for those loaded before the worker took
//                         control), and all of them on `{type: 'warm'}` (a citizen signed in)
//   portal-data           last good copy of each API GET, for reading offline
//   portal-screens-<build> the shell with a screen inside it as the page last drew it (catalog,
//                         sign-in, dashboard: `{type: 'screen'}` from keep-screen.js), served when
//                         the app opens again, so the screen shows at first paint, before the
//                         app's scripts run (paintFirst); the dashboard's is personal:
//                         local.js's clearPersonal deletes the cache, as does a kiosk
//   portal-prefs          the citizen's language (`{type: 'lang', lang}` from the page), so
//                         `/` opens as the shell already in it (`/?lang=en`, kept with the shell)
// Strategies, by URL:
//   /v/<build>/…          cache-first (the bytes at a versioned URL never change)
//   /api/v1/… GET         network-first with a timeout; on failure or timeout the cached copy,
//                         marked `x-portal-from-cache: 1` and `x-portal-stored-at: <ms>` so the
//                         page can say "offline · last updated 10:42"
//   navigations to `/`    the kept screen for the URL's hash, else the cached shell, in the
//                         citizen's language; others: network, then
//                         offline.html
//   anything else         network, then the cache
// Only 200 answers are kept, never one marked `Cache-Control: no-store` or `private`: personal
// data lives in the page's IndexedDB copy, which sign-out clears.
// Kiosk hook: a shared kiosk keeps no personal data. The page sends the header
// `x-portal-kiosk: 1` on every API request on a kiosk (api.js), and posts
// `{type: 'kiosk', on: true}` when a device becomes one; either way no API answer is cached,
// and the message also deletes the data cache at once.
// Updates: a new build is a new sw.js (BUILD differs); it installs and then *waits* until the
// page posts `{type: 'skip-waiting'}` (the citizen pressed "Reload"). No silent swaps.
// Web Push (push.js subscribes; backend/notifications/messages.py writes the body
// {v, id, kind, application, code, status, title, body, tag, url, lang}): one notification per
// application (its tag), so a newer status replaces an older one, as the push's Topic does at
// the push service. Open pages are told ({type: 'push', push}) so they show it at once; a tap
// opens the application (notification-click.js); `pushsubscriptionchange` re-registers.
import { list, replay, SYNC_TAG } from '/js/outbox.js';
import { clickTarget, openTarget } from '/js/notification-click.js';

// backend/lib/static.py writes the build id and the shell URLs here when it serves this file.
const BUILD = '__BUILD__';
const SHELL = ['__SHELL__'];
const LAZY = ['__LAZY__'];

const PREFIX = 'portal-';
const SHELL_CACHE = `${PREFIX}shell-${BUILD}`;
const DATA_CACHE = `${PREFIX}data`;
const PREFS_CACHE = `${PREFIX}prefs`;
const SCREENS_CACHE = `${PREFIX}screens-${BUILD}`;
/** Hash routes whose last drawing is kept (keep-screen.js sends them; '#/' is the catalog). */
const KEPT_SCREENS = ['#/', '#/signin', '#/dashboard'];
const LANGUAGES = ['th', 'en']; // th: the shell's own markup; others: `/?lang=<code>`
const API = '/api/v1/';
const NETWORK_TIMEOUT_MS = 3000;
const KIOSK_HEADER = 'x-portal-kiosk';

const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));
let kiosk = false;

sw.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const lang = await language();
    await (await caches.open(SHELL_CACHE)).addAll(lang === 'th' ? SHELL : [...SHELL, shellUrl(lang)]);
  })());
});

sw.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const keep = new Set([SHELL_CACHE, DATA_CACHE, PREFS_CACHE, SCREENS_CACHE]);
    for (const name of await caches.keys()) if (!keep.has(name)) await caches.delete(name);
    await sw.clients.claim(); // first install: serve the open page too (an update reloads anyway)
  })());
});

sw.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') sw.skipWaiting();
  if (event.data?.type === 'keep') event.waitUntil(keep(event.data.urls || []));
  if (event.data?.type === 'warm') event.waitUntil(keep(LAZY));
  if (event.data?.type === 'screen' && !kiosk) event.waitUntil(keepScreen(event.data));
  if (event.data?.type === 'lang' && LANGUAGES.includes(event.data.lang)) event.waitUntil(setLanguage(event.data.lang));
  if (event.data?.type === 'kiosk') {
    kiosk = Boolean(event.data.on);
    if (kiosk) event.waitUntil(Promise.all([caches.delete(DATA_CACHE), caches.delete(SCREENS_CACHE)]));
  }
});

sw.addEventListener('sync', (/** @type {any} */ event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(syncOutbox());
});

/** Background Sync: send what is queued; while a write still waits (the server unreachable),
 * fail, so the browser tries again later. One the citizen must correct needs no retry. */
async function syncOutbox() {
  await replay();
  if ((await list())[0]?.state === 'waiting') throw new Error('outbox: still waiting');
}

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== location.origin) return;
  if (url.pathname.startsWith('/v/')) event.respondWith(cacheFirst(request));
  else if (url.pathname.startsWith(API)) event.respondWith(networkFirst(request, event));
  else if (request.mode === 'navigate') event.respondWith(page(request, url));
  else event.respondWith(fetch(request).catch(() => cached(request)));
});

/** @param {Request} request */
async function cacheFirst(request) {
  const hit = await caches.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  // An on-demand screen of this build: keep it, so it opens offline next time.
  if (response.ok && new URL(request.url).pathname.startsWith(`/v/${BUILD}/`)) {
    const copy = response.clone();
    caches.open(SHELL_CACHE).then((cache) => cache.put(request, copy)).catch(() => {});
  }
  return response;
}

let keeping = Promise.resolve();
/**
 * Keep these screens of this build (from the HTTP cache when the page loaded them already).
 * One after another: two asking at once must not download a screen twice.
 * @param {string[]} urls
 */
function keep(urls) {
  keeping = keeping.then(() => keepNow(urls), () => keepNow(urls));
  return keeping;
}

/** @param {string[]} urls */
async function keepNow(urls) {
  const cache = await caches.open(SHELL_CACHE);
  for (const url of urls) {
    const path = new URL(url, location.href).pathname;
    if (LAZY.includes(path) && !(await cache.match(path))) await cache.add(path).catch(() => {});
  }
}

/** @type {string | null} */
let chosen = null;
/** The citizen's language, as the page last said. */
async function language() {
  chosen ??= (await (await caches.match('/lang', { cacheName: PREFS_CACHE }))?.text()) || 'th';
  return chosen;
}

/** @param {string} lang */
const shellUrl = (lang) => (lang === 'th' ? '/' : `/?lang=${lang}`);

/** Remember the language, and keep the shell in it. @param {string} lang */
async function setLanguage(lang) {
  if (lang === (await language())) return;
  chosen = lang;
  await (await caches.open(PREFS_CACHE)).put('/lang', new Response(lang));
  const cache = await caches.open(SHELL_CACHE);
  if (!(await cache.match(shellUrl(lang)))) await cache.add(shellUrl(lang)).catch(() => {});
}

/** Where the shell with a screen inside it is kept. @param {string} screen @param {string} lang */
const screenKey = (screen, lang) => `/__screen/${lang}/${encodeURIComponent(screen)}`;

/**
 * Keep the shell in `lang` with `html` (what the page's `main` showed) inside its `main`.
 * @param {{screen: string, lang: string, html: string, large?: boolean}} drawn
 */
async function keepScreen({ screen, lang, html, large }) {
  if (!KEPT_SCREENS.includes(screen) || !LANGUAGES.includes(lang)) return;
  if (typeof html !== 'string' || html.length > 200_000) return;
  const shell = await caches.match(shellUrl(lang), { cacheName: SHELL_CACHE });
  if (!shell) return;
  // The shell rewritten, then the screen put in: the rewrite never reads the screen's markup.
  let text = paintFirst(await shell.text())
    .replace(/(<main\b[^>]*>)[\s\S]*?<\/main>/, (_, open) => `${open}${html}</main>`);
  if (large) text = text.replace('<html ', '<html class="large-text" '); // local.js's, as drawn
  const headers = new Headers(shell.headers);
  for (const name of ['content-length', 'content-encoding', 'etag']) headers.delete(name);
  if (kiosk) return; // the device became a kiosk meanwhile
  await (await caches.open(SCREENS_CACHE)).put(screenKey(screen, lang), new Response(text, { headers }));
}

/**
 * The kept page paints before any script of the app runs: what a slow phone's main thread
 * does before the first frame is what it waits for (issue 16: ~0.14 s at 4x slower CPU). No
 * preloads (the worker holds every module; a first visit needs them, this page does not yet),
 * the scripts after the content, and app.js inert (a type no browser runs): boot.js starts it
 * once the screen has painted. The inline boot.js keeps its bytes: the page's CSP hash holds.
 * @param {string} text the shell's HTML
 */
function paintFirst(text) {
  /** @type {string[]} */
  const scripts = [];
  const rest = text
    .replace(/<link rel="(?:module)?preload"[^>]*>\n?/g, '')
    .replace(/<script\b[^>]*>[\s\S]*?<\/script>\n?/g, (tag) => { scripts.push(tag); return ''; });
  const moved = scripts.join('').replace('<script type="module"', '<script type="portal-after-paint"');
  // A function, so that a `$&` in a script stays as it is.
  return rest.replace('</body>', () => `${moved}</body>`);
}

/** @param {Request} request @param {URL} url */
async function page(request, url) {
  if (url.pathname === '/') {
    const asked = url.searchParams.get('lang') || '';
    const lang = LANGUAGES.includes(asked) ? asked : await language();
    // The screen as last drawn, unless the hash asks for more than the screen (a search, a
    // next step): it shows before any module runs, which then draws the same over it.
    const [hash, query] = url.hash.split('?');
    const drawn = query === undefined && !kiosk
      && await caches.match(screenKey(hash.length > 1 ? hash : '#/', lang), { cacheName: SCREENS_CACHE });
    return drawn || (await caches.match(shellUrl(lang))) || (await caches.match('/')) || fetch(request);
  }
  try {
    return await fetch(request);
  } catch (error) {
    return (await caches.match('/offline.html')) || Promise.reject(error);
  }
}

/** @param {Request} request */
async function cached(request) {
  return (await caches.match(request)) || Response.error();
}

/** @param {Request} request @param {FetchEvent} event */
async function networkFirst(request, event) {
  if (kiosk || request.headers.get(KIOSK_HEADER) === '1') return fetch(request);
  // `no-cache`: revalidate (ETag → 304, a few hundred bytes) rather than trust the HTTP cache,
  // so an answer is either checked with the server or marked as the phone's copy.
  const network = fetch(request, { cache: 'no-cache' }).then(async (response) => {
    if (keepable(response) && !kiosk) { // the device may have become a kiosk meanwhile
      const copy = await stamp(response.clone(), { 'x-portal-stored-at': String(Date.now()) });
      // Again after reading the body: a kiosk switch meanwhile has deleted the cache.
      if (!kiosk) await (await caches.open(DATA_CACHE)).put(request, copy);
    }
    return response;
  });
  event.waitUntil(network.catch(() => {})); // a late answer still refreshes the copy
  try {
    return await Promise.race([network, timeout(NETWORK_TIMEOUT_MS)]);
  } catch {
    const copy = await caches.match(request, { cacheName: DATA_CACHE, ignoreVary: true });
    return copy ? stamp(copy, { 'x-portal-from-cache': '1' }) : network;
  }
}

/** @param {Response} response */
function keepable(response) {
  const control = response.headers.get('cache-control') || '';
  return response.status === 200 && !/no-store|private/.test(control);
}

/** A copy of `response` with extra headers. @param {Response} response @param {Record<string, string>} extra */
async function stamp(response, extra) {
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers });
}

/** @param {number} ms @returns {Promise<never>} */
function timeout(ms) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), ms));
}

sw.addEventListener('push', (event) => {
  event.waitUntil(showPush(event.data));
});

/** @param {PushMessageData | null} data */
async function showPush(data) {
  let push;
  try {
    push = data?.json();
  } catch {
    push = null;
  }
  // A push must show something (userVisibleOnly): an unreadable one gets a generic line.
  if (!push?.title) push = { ...(await genericText()), url: '/#/notifications', tag: 'portal' };
  await sw.registration.showNotification(push.title, /** @type {NotificationOptions} */ ({
    body: push.body,
    icon: '/icons/icon-192.png',
    badge: '/icons/badge-96.png',
    tag: push.tag,
    lang: push.lang,
    renotify: true, // a newer status of the same application alerts again
    data: { url: push.url, id: push.id, application: push.application },
  }));
  for (const client of await sw.clients.matchAll({ type: 'window' })) client.postMessage({ type: 'push', push });
}

async function genericText() {
  const strings = await (await caches.match('/i18n/th.json'))?.json().catch(() => null);
  return { title: strings?.['app.name'] ?? '', body: strings?.['push.generic'] ?? '', lang: 'th' };
}

sw.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(openTarget(sw.clients, clickTarget(event.notification.data, location.origin)));
});

// The browser replaced the subscription (expiry, key loss). The old one's endpoint and auth
// secret prove to the portal that this browser held it; no session is needed. Without the
// old one (some browsers give none) the page registers the new one on its next start.
sw.addEventListener('pushsubscriptionchange', (/** @type {any} */ event) => {
  event.waitUntil(resubscribe(event.oldSubscription, event.newSubscription));
});

/** @param {PushSubscription | null} old @param {PushSubscription | null} fresh */
async function resubscribe(old, fresh) {
  const key = old?.options.applicationServerKey
    ?? (await (await fetch('/api/v1/push/vapid-public-key')).json()).public_key;
  const next =
    fresh ?? (await sw.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }));
  if (!old) return;
  await fetch('/api/v1/push/subscription-change', {
    method: 'POST',
    credentials: 'omit',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      old_endpoint: old.endpoint,
      old_auth: old.toJSON().keys?.auth,
      subscription: next.toJSON(),
    }),
  });
}
