// @ts-check
// The one place that reads from the backend. Errors carry the server's {code, message}.
// The service worker answers API GETs from its cache when the network fails or is slow; it
// marks such answers (x-portal-from-cache, x-portal-stored-at) and this module tells its
// subscribers, so the screen can say "offline · last updated 10:42" honestly.
// Writes that must happen now (sign-in, rename a passkey) go through `send`; writes that may
// wait for the network (submitting an application) go through the outbox.
import { csrfToken, CSRF_HEADER } from './outbox.js';

/** boot.js, written into the page's head, ran first (a kiosk's mark; answers asked ahead). */
const { takeAhead, takeKept, KIOSK_HINT } = portalBoot;
export const KIOSK_HEADER = 'x-portal-kiosk';
const DATA_CACHE = 'portal-data'; // sw.js keeps the last good answer of each API GET there
export { KIOSK_HINT };
let kiosk = false;
let lastCall = Date.now(); // the last answer from the server: kiosk idle countdowns start there

export class ApiError extends Error {
  /** @param {number} status @param {{code?: string, message?: string, message_th?: string}} body */
  constructor(status, body) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.code = body.code || 'error';
    this.body = body;
    // A delegate whose authorisation ended: acting.js takes the page back to their own account.
    if (this.code === 'delegation_ended') dispatchEvent(new Event('delegation-ended'));
  }
}

/** @typedef {{fromCache: boolean, storedAt: Date | null}} Freshness */
/** @type {Set<(f: Freshness) => void>} */
const listeners = new Set();
/** GET URLs read before the service worker took control: read again once it has, to keep a copy. */
const readBeforeControl = new Set();

/**
 * Be told whether the last answer came from the network or from the phone's copy. @param {(f: Freshness) => void} fn
 */
export function onFreshness(fn) { listeners.add(fn); return () => listeners.delete(fn); }

/** Say how fresh what a screen shows is, e.g. its own copy in IndexedDB. @param {Freshness} freshness */
export function announce(freshness) { for (const fn of listeners) fn(freshness); }

/** A kiosk is a shared device: nothing personal is kept there (kiosk-chrome.js). */
export function isKiosk() { return kiosk; }

/** @param {boolean} on */
export function setKiosk(on) {
  kiosk = on;
  navigator.serviceWorker?.controller?.postMessage({ type: 'kiosk', on });
}

/** Only a browser that activated as a kiosk asks the server (its credential is HttpOnly). */
export async function detectKiosk() {
  if (!document.cookie.includes(`${KIOSK_HINT}=`)) return null;
  const response = await fetch('/api/v1/kiosk/device', { headers: { [KIOSK_HEADER]: '1' }, cache: 'no-store' }).catch(
    () => null,
  );
  if (response?.status === 404) document.cookie = `${KIOSK_HINT}=; path=/; max-age=0`; // revoked
  else setKiosk(true); // offline too: still the kiosk its hint says
  return response?.status === 404 ? null : response?.ok ? response.json() : {};
}

export function lastRequest() { return lastCall; }

/** @param {string} path @param {Record<string, string|number|undefined>} params */
function urlFor(path, params) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') query.set(k, String(v));
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Forget the screens the service worker keeps as last drawn (keep-screen.js): the
 * dashboard's is personal. */
export async function forgetScreens() {
  for (const name of (await globalThis.caches?.keys().catch(() => [])) || [])
    if (name.startsWith('portal-screens-')) await caches.delete(name).catch(() => false);
}

/**
 * The phone's last copy of a GET that the service worker keeps (public data: the catalog), or
 * null: a screen draws it at once, then what `getJSON` brings. Says "updated 10:42" meanwhile.
 * @param {string} path @param {Record<string, string|number|undefined>} [params]
 * @returns {Promise<{body: any, storedAt: Date | null} | null>}
 */
export async function lastCopy(path, params = {}) {
  if (kiosk || !globalThis.caches) return null;
  const url = urlFor(path, params);
  const lookup = takeKept(url) || caches.match(url, { cacheName: DATA_CACHE, ignoreVary: true });
  const hit = await lookup.catch(() => undefined);
  if (!hit) return null;
  const stored = Number(hit.headers.get('x-portal-stored-at'));
  return { body: await hit.json(), storedAt: stored ? new Date(stored) : null };
}

/** @param {string} path @param {Record<string, string|number|undefined>} [params] */
export async function getJSON(path, params = {}) {
  const url = urlFor(path, params);
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (isKiosk()) headers[KIOSK_HEADER] = '1';
  else if (!navigator.serviceWorker?.controller && readBeforeControl.size < 20) readBeforeControl.add(url);
  const response = await (takeAhead(url) || fetch(url, { headers }));
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body);
  const fromCache = response.headers.get('x-portal-from-cache') === '1';
  if (!fromCache) lastCall = Date.now();
  const stored = Number(response.headers.get('x-portal-stored-at'));
  announce({ fromCache, storedAt: fromCache && stored ? new Date(stored) : null });
  return body;
}

/**
 * A write that happens now: JSON in and out with the CSRF header; a Blob (a file) is sent as
 * the raw body. Throws ApiError with the server's {code, message, message_th, fields}.
 * @param {string} method @param {string} path @param {unknown} [body] @param {Record<string, string>} [headers]
 */
export async function send(method, path, body, headers = {}) {
  const raw = body instanceof Blob;
  /** @type {Record<string, string>} */
  const all = { accept: 'application/json', [CSRF_HEADER]: await csrfToken(), ...headers };
  if (kiosk) all[KIOSK_HEADER] = '1';
  if (body !== undefined && !raw) all['content-type'] = 'application/json';
  const response = await fetch(path, {
    method, headers: all, credentials: 'same-origin',
    body: raw ? /** @type {Blob} */ (body) : body === undefined ? undefined : JSON.stringify(body),
  });
  lastCall = Date.now();
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, answer);
  return answer;
}

/** Once a new service worker controls the page, read the first view's data through it so
 * it keeps a copy (from the HTTP cache: no extra bytes on the wire). */
export function keepCopies() {
  for (const url of readBeforeControl)
    fetch(url, { headers: { accept: 'application/json' } }).then((r) => r.blob(), () => {}); // read: done
  readBeforeControl.clear();
}
