// @ts-check
// Documents picked in a form go to the wallet through the outbox, so one picked offline (or
// cut off by the network) waits on the phone with the rest and goes when the connection returns.
// Loaded on demand: by form.js when a file is picked, by outbox.js when it drains an upload or
// an item that names one. No DOM. (A service worker may not `import()`, by the HTML spec: there
// such items wait for the page.)
//
// An upload is an outbox item of kind `upload` whose idempotency key `k` names it; its file waits
// in the `data` store as `file:k` (kept apart: the outbox item is rewritten as it goes, the file
// never is). A form's answer says "upload:k" until the file is sent; the document it became is
// kept as `upload:k` before the outbox item goes, and each later item that names it gets the
// document's id, written back, just before it is sent. A crash in between is safe: the same key
// answers the same document (200). A refused file is dropped (it can never be sent): the outbox
// keeps the item, failed, with the server's reason, and an item that names it is refused with
// that reason beside the field, for the citizen to pick another document.
import { store } from './db.js';
import { enqueue } from './outbox.js';

const data = () => store('data');
const NAMED = /"upload:([\w-]+)"/g;

/**
 * Keep a picked file on the phone and queue it for the wallet; returns the outbox item.
 * @param {File} file @param {string} documentType
 */
export async function queue(file, documentType) {
  const key = crypto.randomUUID();
  await data().put({ key: `file:${key}`, value: file, storedAt: Date.now() });
  const query = new URLSearchParams({ document_type: documentType, label: file.name.slice(0, 80) });
  return enqueue({
    url: `/api/v1/documents?${query}`, idempotencyKey: key,
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

/** @param {import('./outbox.js').OutboxItem} item @param {Record<string, string>} headers */
async function upload(item, headers) {
  const key = item.idempotencyKey;
  const doc = await sent(key);
  if (doc) return answer(200, doc); // sent before a crash: only the outbox item was left
  /** @type {File | undefined} */
  const file = (await data().get(`file:${key}`))?.value;
  if (!file) return answer(422, await missing());
  const response = await fetch(item.url, {
    method: 'POST', body: file, credentials: 'same-origin',
    headers: { ...headers, 'content-type': file.type || 'application/octet-stream' },
  });
  if (response.ok) await data().put({ key: `upload:${key}`, value: await response.clone().json(), storedAt: Date.now() });
  if (response.ok || refused(response.status)) await data().delete(`file:${key}`);
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
    const queued = (await store('outbox').all()).find((i) => i.idempotencyKey === key);
    if (queued?.state === 'waiting') {
      const response = await upload(queued, { ...headers, 'Idempotency-Key': key });
      if (!response.ok && !refused(response.status)) return response; // both wait
      if (!response.ok) queued.error = { status: response.status, ...(await response.json()) };
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
      if (`"${value}"` === placeholder) fields[name] = { th: problem.message_th || problem.message, en: problem.message };
    }
  }
  if (problem) return answer(422, { ...problem, fields });
  await store('outbox').put(item);
  return fetch(item.url, { method: item.method, headers, body: item.body, credentials: 'same-origin' });
}

/** Why an upload cannot be sent when its file is gone, in both languages. */
async function missing() {
  const [th, en] = await Promise.all(['th', 'en'].map(async (lang) =>
    (await (await fetch(new URL(`../i18n/${lang}.json`, import.meta.url))).json())['upload.missing']));
  return { code: 'upload_missing', message: en, message_th: th };
}

/** @param {number} status @param {unknown} body */
function answer(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
