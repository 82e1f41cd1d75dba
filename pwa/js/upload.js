// @ts-check
// Documents picked in a form go to the wallet through the outbox, so one picked offline (or
// cut off by the network) waits on the phone and goes when the connection returns, in pieces
// (the resumable API, /api/v1/documents/uploads) that go on from where the server has them
// after a dropped connection or a reload, never from the start. Loaded on demand: by form.js
// when a file is picked, by outbox.js when it drains an upload or an item that names one.
// No DOM. (A service worker may not `import()`, by the HTML spec: there these items wait for
// the page.)
//
// An upload is an outbox item of kind `upload` whose idempotency key `k` names it; its file waits
// in the `data` store as `file:k` (kept apart: the outbox item is rewritten at each piece, the
// file never is). A form's answer says "upload:k" until the file is sent; the document it became
// is kept as `upload:k` before the outbox item goes, and each later item that names it gets the
// document's id, written back, just before it is sent. A crash in between is safe: the same key
// answers the same document (200). A refused file is dropped (it can never be sent): the outbox
// keeps the item, failed, with the server's reason, and an item that names it is refused with
// that reason beside the field, for the citizen to pick another document.
import { store } from './db.js';
import { enqueue, changed, CSRF_HEADER } from './outbox.js';

const data = () => store('data');
const NAMED = /"upload:([\w-]+)"/g;
const UPLOADS = '/api/v1/documents/uploads';
const FIRST_CHUNK = 128 * 1024;
const MIN_CHUNK = 64 * 1024;
const MAX_CHUNK = 1024 * 1024; // progress shows at least this often, as the server records it
// Pieces of about this long on the link at hand: 250 KB at 400 kbit/s, where the headers and a
// round trip cost under a tenth and a cut loses a few seconds; few requests on a fast link.
const CHUNK_SECONDS = 5;

/**
 * Keep a picked file on the phone and queue it for the wallet; returns the outbox item.
 * @param {File} file @param {string} documentType
 */
export async function queue(file, documentType) {
  const key = crypto.randomUUID();
  await data().put({ key: `file:${key}`, value: file, storedAt: Date.now() });
  const query = new URLSearchParams({ document_type: documentType, label: file.name.slice(0, 80) });
  return enqueue({
    url: `${UPLOADS}?${query}`, idempotencyKey: key,
    meta: { kind: 'upload', label: file.name, documentType, size: file.size },
  });
}

/** The document an upload became, once sent. @param {string} key */
export async function sent(key) {
  return (await data().get(`upload:${key}`))?.value;
}

/**
 * Send an outbox item for outbox.js: an upload, or an item that names uploads. Answers as
 * fetch does (throws when the network fails); a refusal made here is a 422 like the server's.
 * @param {import('./outbox.js').OutboxItem} item @param {Record<string, string>} headers
 * @returns {Promise<Response>}
 */
export function send(item, headers) {
  return item.meta?.kind === 'upload' ? upload(item, headers) : named(item, headers);
}

/**
 * Send a file in pieces (the resumable API, backend/documents/resumable.py), recording in the
 * outbox item the upload's id and how far the server has it, so after a dropped connection or a
 * reload it goes on from the server's offset (HEAD) instead of starting again.
 * @param {import('./outbox.js').OutboxItem} item @param {Record<string, string>} headers
 * @returns {Promise<Response>}
 */
async function upload(item, headers) {
  const key = item.idempotencyKey;
  const done = await sent(key);
  if (done) return answer(200, done); // sent before a crash: only the outbox item was left
  /** @type {File | undefined} */
  const file = (await data().get(`file:${key}`))?.value;
  if (!file) return answer(422, await missing());
  /** @type {{id: string, offset: number} | null} */
  let at = item.meta.upload ?? null;
  let busy = 0;
  while (at) {
    const head = await fetch(`${UPLOADS}/${at.id}`, { method: 'HEAD', credentials: 'same-origin', cache: 'no-store' });
    if (!head.ok && head.status !== 404) return head;
    at = head.ok ? { id: at.id, offset: Number(head.headers.get('Upload-Offset')) } : null; // 404: expired
    // Retry-After: a piece (this phone's, cut off on its side) is still arriving there. What
    // it brings moves the offset, so a piece sent now would be refused: wait, and ask again.
    const wait = Number(head.headers.get('Retry-After'));
    if (!wait) break;
    if ((busy += 1) > 10) return answer(503, { code: 'upload_busy' });
    await sleep(wait);
  }
  let chunk = FIRST_CHUNK;
  for (;;) {
    if (!at) {
      // Creating again with the key answers the same upload, or the document it made.
      const created = await fetch(`${UPLOADS}${item.url.slice(item.url.indexOf('?'))}`, {
        method: 'POST', credentials: 'same-origin', headers: { ...headers, 'Upload-Length': String(file.size) },
      });
      if (!created.ok) return drop(created, key);
      const state = await created.json();
      if (state.document) return finish(key, state.document);
      at = { id: state.id, offset: state.offset };
    }
    await progress(item, at);
    const start = Date.now();
    const end = Math.min(file.size, at.offset + chunk); // at the end, an empty piece completes it
    const response = await fetch(`${UPLOADS}/${at.id}`, {
      method: 'PATCH',
      body: file.slice(at.offset, end),
      credentials: 'same-origin',
      headers: {
        [CSRF_HEADER]: headers[CSRF_HEADER],
        'Upload-Offset': String(at.offset),
        'content-type': 'application/offset+octet-stream',
      },
    });
    const state = await response.clone().json().catch(() => ({}));
    if (state.document) return finish(key, state.document);
    if (response.ok || state.code === 'upload_offset_mismatch') {
      const ms = Math.max(1, Date.now() - start);
      if (response.ok)
        chunk = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, Math.round(((end - at.offset) * CHUNK_SECONDS * 1000) / ms)));
      at = { id: at.id, offset: state.offset };
    } else if (state.code === 'upload_busy') {
      // A cut-off piece still holds it until the server notices (STALL_S, 30 s): wait, then go on.
      if ((busy += 1) > 10) return answer(503, state);
      await sleep(Number(response.headers.get('Retry-After')) || 5);
      at = { id: at.id, offset: state.offset ?? at.offset };
    } else if (response.status === 404) {
      at = null; // expired meanwhile: the key starts afresh
    } else {
      return drop(response, key);
    }
  }
}

/**
 * Record how far an upload is, for a reload and for the form's "Uploading… 40%". @param
 * {import('./outbox.js').OutboxItem} item @param {{id: string, offset: number}} at
 */
async function progress(item, at) {
  if (!(await store('outbox').get(item.id))) throw new Error('upload dropped'); // discarded, or signed out
  item.meta.upload = at;
  await store('outbox').put(item);
  await changed();
}

/** Keep the document an upload made, before the outbox lets the item go. @param {string} key @param {any} doc */
async function finish(key, doc) {
  await data().put({ key: `upload:${key}`, value: doc, storedAt: Date.now() });
  await data().delete(`file:${key}`);
  return answer(200, doc);
}

/**
 * A refused file can never be sent: drop it (the outbox keeps the item and why). @param {Response} response @param
 * {string} key
 */
async function drop(response, key) {
  if (refused(response.status)) await data().delete(`file:${key}`);
  return response;
}

/** @param {number} status */
const refused = (status) => status >= 400 && status < 500 && ![401, 403, 408, 429].includes(status);

/**
 * An item whose answers name uploads: each becomes its document's id (written back first). One
 * still waiting goes first (picked again after this item was refused, it was queued after it);
 * one refused or gone refuses the item, with the reason beside its field.
 * @param {import('./outbox.js').OutboxItem} item @param {Record<string, string>} headers
 */
async function named(item, headers) {
  const body = /** @type {string} */ (item.body);
  /** @type {any} */
  let problem = null;
  /** @type {Record<string, {th: string, en: string}>} */
  const fields = {};
  for (const [placeholder, key] of body.matchAll(NAMED)) {
    /** @type {import('./outbox.js').OutboxItem[]} */
    const all = await store('outbox').all();
    const queued = all.find((i) => i.idempotencyKey === key);
    if (queued?.state === 'waiting') {
      const response = await upload(queued, { ...headers, 'Idempotency-Key': key });
      if (!response.ok && !refused(response.status)) return response; // both wait
      if (!response.ok) queued.error = { status: response.status, ...(await response.json().catch(() => ({}))) };
    }
    const doc = await sent(key);
    if (queued) await store('outbox').delete(queued.id); // sent, or its reason goes with this item
    if (doc) {
      item.body = /** @type {string} */ (item.body).replaceAll(placeholder, String(doc.id));
      item.meta = JSON.parse(JSON.stringify(item.meta ?? null).replaceAll(placeholder, String(doc.id)));
      continue;
    }
    problem = queued?.error ?? await missing();
    for (const [name, value] of Object.entries(JSON.parse(body).answers ?? {})) {
      if (`"${value}"` === placeholder)
        fields[name] = { th: problem.message_th || problem.message, en: problem.message };
    }
  }
  if (problem) return answer(422, { ...problem, fields });
  await store('outbox').put(item);
  return fetch(item.url, { method: item.method, headers, body: item.body, credentials: 'same-origin' });
}

/** Why an upload cannot be sent when its file is gone, in both languages. */
async function missing() {
  const [th, en] = await Promise.all(['th', 'en'].map(async (lang) =>
    (await (await fetch(new URL(`../i18n/more/${lang}.json`, import.meta.url))).json())['upload.missing']));
  return { code: 'upload_missing', message: en, message_th: th };
}

/** Wait as the server asked, at most 5 s. @param {number} seconds */
const sleep = (seconds) => new Promise((wake) => setTimeout(wake, 1000 * Math.min(5, seconds)));

/** @param {number} status @param {unknown} body */
function answer(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
