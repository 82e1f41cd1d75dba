// @ts-check
// The outbox: writes made offline (or that failed on the network) wait in IndexedDB and are
// replayed in order, oldest first, when the connection returns: on `online`, on app start,
// and from the service worker's Background Sync `sync` event where the browser has it.
// Modelled on Workbox's background-sync queue: one item at a time; an item the server
// refuses (409, 422 and other 4xx but 401/403/408/429) is marked `failed` with the server's
// {code, message} and stays at the front, so the citizen can correct it (`retry`) or drop it
// (`discard`); a network error or 5xx leaves it `waiting` for the next try; 2xx removes it.
// Each item carries its idempotency key, so a retry after a lost answer never writes twice,
// and a `meta` the screens use to show it ("waiting to send: ID card replacement") and to
// reopen it for correction with the server's per-field messages. Uploads are items too (kind
// `upload`, sent by upload.js).
// Runs in the page and in the (module) service worker: no DOM beyond `document.cookie`.
import { store, inMemory } from './db.js';

/** @typedef {'waiting'|'failed'} OutboxState */
/**
 * @typedef {object} OutboxItem
 * @property {number} id
 * @property {string} method
 * @property {string} url
 * @property {Record<string, string>} headers
 * @property {string | null} body
 * @property {string} idempotencyKey
 * @property {number} createdAt
 * @property {OutboxState} state
 * @property {OutboxError | null} error
 * @property {any} [meta]
 */
/**
 * @typedef {object} OutboxError
 * @property {number} status
 * @property {string} code
 * @property {string} message
 * @property {string} [message_th]
 * @property {Record<string, {th: string, en: string}>} [fields]
 */

export const CSRF_COOKIE = 'portal_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';
export const SYNC_TAG = 'outbox';
const STAY_WAITING = new Set([401, 403, 408, 429]);
const items = () => store('outbox');
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('portal-outbox') : null;
/** @type {Set<(items: OutboxItem[]) => void>} */
const listeners = new Set();
/** Senders of items that take several requests (uploads), loaded on use. @type {Map<string, () => Promise<any>>} */
const senders = new Map();
/** @param {string} kind @param {() => Promise<any>} load */
export const registerSender = (kind, load) => senders.set(kind, load);
const noSender = () => Promise.reject(new Error('no sender here'));

/** Answers to items this page sent (id → JSON body), for the screen that queued them. */
const answers = new Map();

/**
 * Queue a write and try to send it now. `body` is JSON-encoded unless it is already a string.
 * @param {{method?: string, url: string, body?: unknown, headers?: Record<string, string>, idempotencyKey?: string,
 * meta?: any}} request
 * @returns {Promise<OutboxItem>}
 */
export async function enqueue({ method = 'POST', url, body = null, headers = {}, idempotencyKey, meta }) {
  /** @type {Omit<OutboxItem, 'id'>} */
  const fields = {
    method, url, headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : body === null ? null : JSON.stringify(body),
    idempotencyKey: idempotencyKey || crypto.randomUUID(),
    createdAt: Date.now(), state: 'waiting', error: null, meta,
  };
  const item = { ...fields, id: /** @type {number} */ (await items().put(fields)) };
  await changed();
  // Locked before the service worker hears of the sync: this page sends it and gets the answer.
  replay().catch(() => {});
  if (!inMemory()) await requestSync();
  return item;
}

/** Everything queued, oldest first. @returns {Promise<OutboxItem[]>} */
export async function list() {
  return /** @type {OutboxItem[]} */ (await items().all()).sort((a, b) => a.id - b.id);
}

/** Be told of every change (here or in another tab / the service worker). @param {(items: OutboxItem[]) => void} fn */
export function subscribe(fn) {
  listeners.add(fn);
  list().then(fn, () => {});
  return () => listeners.delete(fn);
}

/** What the server answered to an item this page sent (undefined if not sent from here). @param {number} id */
export function answerTo(id) { return answers.get(id); }

/**
 * Send again a failed item, with a corrected body (and meta) if given.
 * @param {number} id @param {unknown} [body] @param {any} [meta]
 */
export async function retry(id, body, meta) {
  const item = /** @type {OutboxItem | undefined} */ (await items().get(id));
  if (!item) return;
  if (body !== undefined) item.body = typeof body === 'string' ? body : JSON.stringify(body);
  if (meta !== undefined) item.meta = meta;
  Object.assign(item, { state: 'waiting', error: null });
  await items().put(item);
  await changed();
  return replay();
}

/** Drop an item the citizen gave up on. @param {number} id */
export async function discard(id) {
  await items().delete(id);
  await changed();
  return replay();
}

/** Forget every queued write (sign-out: they were this person's). */
export async function clear() {
  await items().clear();
  await changed();
}

/**
 * Send queued items in order until the queue is empty, one fails, or the network does.
 * One replay at a time across tabs and the service worker (Web Locks, where present).
 * @returns {Promise<{sent: number, remaining: number}>}
 */
export async function replay() {
  const locks = globalThis.navigator?.locks;
  return locks ? locks.request('portal-outbox', drain) : drain();
}

async function drain() {
  let sent = 0;
  let held = false; // by a refused item: all after it wait, but uploads (they need nothing)
  for (const item of await list()) {
    const upload = item.meta?.kind === 'upload';
    if (item.state === 'failed' || (held && !upload)) { held ||= !upload; continue; }
    const headers = { ...item.headers, 'Idempotency-Key': item.idempotencyKey, [CSRF_HEADER]: await csrfToken() };
    /** @type {Response} */
    let response;
    const load = upload || /"upload:/.test(String(item.body)) ? senders.get('upload') || noSender : null;
    try {
      response = await (load
        ? load().then((send) => send(item, headers)) // rejects where no sender is registered
        : fetch(item.url, { method: item.method, headers, body: item.body, credentials: 'same-origin' }));
    } catch {
      if (upload) continue; // what needs it waits for it
      break; // offline or unreachable: keep it waiting
    }
    if (response.ok) {
      answers.set(item.id, await response.json().catch(() => ({})));
      await items().delete(item.id);
      sent += 1;
      await changed();
      continue;
    }
    if (response.status >= 500 || STAY_WAITING.has(response.status)) break;
    const answer = await response.json().catch(() => ({}));
    item.state = 'failed';
    item.error = { status: response.status, code: answer.code || 'error', message: answer.message || '' };
    // Thai text and per-field messages (422), when the server gave them.
    const { message_th, fields } = answer;
    Object.assign(item.error, message_th && { message_th }, fields && { fields });
    await items().put(item);
    await changed();
    held ||= !upload;
  }
  return { sent, remaining: (await list()).length };
}

/** Read at send time: the accounts service may have rotated it since the item was queued. */
export async function csrfToken() {
  const page = /** @type {any} */ (globalThis).document;
  if (page) {
    const match = page.cookie.match(new RegExp(`(?:^|; )${CSRF_COOKIE}=([^;]*)`));
    return match ? decodeURIComponent(match[1]) : '';
  }
  // In the service worker (Background Sync) only the Cookie Store API can read cookies.
  const cookieStore = /** @type {any} */ (globalThis).cookieStore;
  return (cookieStore && (await cookieStore.get(CSRF_COOKIE))?.value) || '';
}

async function requestSync() {
  const registration = await globalThis.navigator?.serviceWorker?.getRegistration?.().catch(() => undefined);
  const sync = /** @type {any} */ (registration)?.sync;
  if (sync) await sync.register(SYNC_TAG).catch(() => {});
}

/** Tell the listeners here and in other tabs. */
export async function changed() {
  const now = await list();
  for (const fn of listeners) fn(now);
  if (!inMemory()) channel?.postMessage('changed'); // a kiosk's is this page's alone
}

channel?.addEventListener('message', async () => {
  const now = await list();
  for (const fn of listeners) fn(now);
});

/** In the page: replay when the connection returns and once at start. */
export function startOutbox() {
  addEventListener('online', () => { replay().catch(() => {}); });
  return replay().catch(() => ({ sent: 0, remaining: 0 }));
}
