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
// Strategies, by URL:
//   /v/<build>/…          cache-first (the bytes at a versioned URL never change)
//   /api/v1/… GET         network-first with a timeout; on failure or timeout the cached copy,
//                         marked `x-portal-from-cache: 1` and `x-portal-stored-at: <ms>` so the
//                         page can say "offline · last updated 10:42"
//   navigations to `/`    the cached shell;  other navigations: network, then offline.html
//   anything else         network, then the cache
// Only 200 answers are kept, never one marked `Cache-Control: no-store` or `private`: personal
// data lives in the page's IndexedDB copy, which sign-out clears.
// Kiosk hook: a shared kiosk keeps no personal data. The page sends the header
// `x-portal-kiosk: 1` on every API request on a kiosk (api.js), and posts
// `{type: 'kiosk', on: true}` when a device becomes one; either way no API answer is cached,
// and the message also deletes the data cache at once.
// Updates: a new build is a new sw.js (BUILD differs); it installs and then *waits* until the
// page posts `{type: 'skip-waiting'}` (the citizen pressed "Reload"). No silent swaps.
import { replay, SYNC_TAG } from '/js/outbox.js';

// backend/web/static.py writes the build id and the shell URLs here when it serves this file.
const BUILD = '__BUILD__';
const SHELL = ['__SHELL__'];
const LAZY = ['__LAZY__'];

const PREFIX = 'portal-';
const SHELL_CACHE = `${PREFIX}shell-${BUILD}`;
const DATA_CACHE = `${PREFIX}data`;
const API = '/api/v1/';
const NETWORK_TIMEOUT_MS = 3000;
const KIOSK_HEADER = 'x-portal-kiosk';

const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));
let kiosk = false;

sw.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)));
});

sw.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const keep = new Set([SHELL_CACHE, DATA_CACHE]);
    for (const name of await caches.keys()) if (!keep.has(name)) await caches.delete(name);
    await sw.clients.claim(); // first install: serve the open page too (an update reloads anyway)
  })());
});

sw.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') sw.skipWaiting();
  if (event.data?.type === 'keep') event.waitUntil(keep(event.data.urls || []));
  if (event.data?.type === 'warm') event.waitUntil(keep(LAZY));
  if (event.data?.type === 'kiosk') {
    kiosk = Boolean(event.data.on);
    if (kiosk) event.waitUntil(caches.delete(DATA_CACHE));
  }
});

sw.addEventListener('sync', (/** @type {any} */ event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(replay());
});

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

/** Keep these screens of this build (from the HTTP cache when the page loaded them already). @param {string[]} urls */
async function keep(urls) {
  const cache = await caches.open(SHELL_CACHE);
  for (const url of urls) {
    const path = new URL(url, location.href).pathname;
    if (LAZY.includes(path) && !(await cache.match(path))) await cache.add(path).catch(() => {});
  }
}

/** @param {Request} request @param {URL} url */
async function page(request, url) {
  if (url.pathname === '/') return (await caches.match('/', { ignoreSearch: true })) || fetch(request);
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
      await (await caches.open(DATA_CACHE)).put(request, copy);
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
