// @ts-check
// The one place that reads from the backend. Errors carry the server's {code, message}.
// The service worker answers API GETs from its cache when the network fails or is slow; it
// marks such answers (x-portal-from-cache, x-portal-stored-at) and this module tells its
// subscribers, so the screen can say "offline · last updated 10:42" honestly.
// Writes that must happen now (sign-in, rename a passkey) go through `send`; writes that may
// wait for the network (submitting an application) go through the outbox.
import { csrfToken, CSRF_HEADER } from './outbox.js';
import { useMemory } from './db.js';

export const KIOSK_HEADER = 'x-portal-kiosk';
let kiosk = false;
/** When the server last heard from this page (the kiosk's idle countdowns start there). */
let lastCall = Date.now();

export class ApiError extends Error {
  /** @param {number} status @param {{code?: string, message?: string, message_th?: string}} body */
  constructor(status, body) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.code = body.code || 'error';
    this.body = body;
  }
}

/** @typedef {{fromCache: boolean, storedAt: Date | null}} Freshness */
/** @type {Set<(f: Freshness) => void>} */
const listeners = new Set();
/** GET URLs read before the service worker took control: read again once it has, to keep a copy. */
const readBeforeControl = new Set();

/** Be told whether the last answer came from the network or from the phone's copy. @param {(f: Freshness) => void} fn */
export function onFreshness(fn) { listeners.add(fn); return () => listeners.delete(fn); }

/** Say how fresh what a screen shows is, e.g. its own copy in IndexedDB. @param {Freshness} freshness */
export function announce(freshness) { for (const fn of listeners) fn(freshness); }

/** A kiosk is a shared device: nothing personal is kept there (no service worker copies,
 * no IndexedDB, no localStorage). Known for this page only: the server says so at each start. */
export function isKiosk() { return kiosk; }

/** Mark this page as running on a kiosk (or not), and tell the service worker. @param {boolean} on */
export function setKiosk(on) {
  kiosk = on;
  if (on) useMemory();
  navigator.serviceWorker?.controller?.postMessage({ type: 'kiosk', on });
}

/** A cookie the page sets when it activates a kiosk, so other browsers never ask the server. */
const KIOSK_HINT = 'portal_kiosk_mode';
const HINT_MAX_AGE_S = 400 * 24 * 3600; // the device credential's lifetime

/** Remember (or forget) that this browser was activated as a kiosk. @param {boolean} on */
export function hintKiosk(on) {
  const secure = location.protocol === 'https:' ? '; secure' : '';
  document.cookie = `${KIOSK_HINT}=1; path=/; samesite=strict; max-age=${on ? HINT_MAX_AGE_S : 0}${secure}`;
}

/**
 * Is this browser a registered kiosk? Its device credential is an HttpOnly cookie, so only the
 * server can tell; only a browser that once activated as a kiosk asks (a cookie: it outlives
 * the Clear-Site-Data that ends each visit). A revoked kiosk forgets it.
 * @returns {Promise<{id: number, name: string, district: string, province: string} | null>}
 */
export async function detectKiosk() {
  if (!document.cookie.split('; ').some((c) => c.startsWith(`${KIOSK_HINT}=`))) return null;
  try {
    const response = await fetch('/api/v1/kiosk/device', { headers: { accept: 'application/json', [KIOSK_HEADER]: '1' }, cache: 'no-store' });
    if (response.status === 404) hintKiosk(false);
    if (!response.ok) return null;
    const device = await response.json();
    setKiosk(true);
    return device;
  } catch {
    return null; // offline: nothing to show anyway; nothing personal is fetched either
  }
}

/** When this page last had an answer from the server (ms since the epoch). */
export function lastRequest() { return lastCall; }

/** @param {string} path @param {Record<string, string|number|undefined>} [params] */
export async function getJSON(path, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') query.set(k, String(v));
  const qs = query.toString();
  const url = qs ? `${path}?${qs}` : path;
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (isKiosk()) headers[KIOSK_HEADER] = '1';
  else if (!navigator.serviceWorker?.controller && readBeforeControl.size < 20) readBeforeControl.add(url);
  const response = await fetch(url, { headers });
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
  for (const url of readBeforeControl) fetch(url, { headers: { accept: 'application/json' } }).catch(() => {});
  readBeforeControl.clear();
}
