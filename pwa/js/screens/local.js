// @ts-check
// The citizen's data kept on the phone, so their screens open offline: copies of server
// answers (dashboard, application details, profile, wallet lists) and drafts typed into forms.
// All of it belongs to one person (OWNER_KEY): it is wiped on sign-out, and when somebody else
// signs in on the same phone. A kiosk (a shared device) keeps none of it.
import { ApiError, getJSON, isKiosk, announce, forgetScreens } from '../api.js';
import { store } from '../db.js';
import { clear as clearOutbox, replay, list } from '../outbox.js';
import { OWNER_KEY, PUSH_KEY, setAccount, account, actingFor } from '../session.js';
import { t, loadStrings } from '../i18n.js';

// Large text, chosen on My account: applied as the first signed-in screen loads (before it
// draws), here rather than in app.js, which every first visit pays for.
if (!isKiosk()) document.documentElement.classList.toggle('large-text', !!localStorage.large);

/** @param {string} key @returns {Promise<{key: string, value: any, storedAt: number} | undefined>} */
export function readCopy(key) { return store('data').get(key); }

/** @param {string} key @param {any} value */
export async function keepCopy(key, value) {
  if (!isKiosk()) await store('data').put({ key, value, storedAt: Date.now() });
}

/**
 * A personal GET, network first; offline, the phone's copy (and the status bar says from when).
 * @param {string} key @param {string} url
 */
export async function fresh(key, url) {
  try {
    const value = await getJSON(url);
    await keepCopy(key, value);
    return value;
  } catch (error) {
    const copy = await readCopy(key);
    if (!copy || error instanceof ApiError) throw error; // the server answered: no stale copy
    announce({ fromCache: true, storedAt: new Date(copy.storedAt) });
    return copy.value;
  }
}

/**
 * The wallet documents a form's file fields may pick from, by document type, with the uploads
 * still in the outbox (`queued`; named "upload:<key>") and, for one sent since a draft named
 * it, that name on its document (`alias`).
 * @param {{type: string, document_type?: string}[]} fields
 * @returns {Promise<Record<string, any[]>>}
 */
export async function walletFor(fields) {
  const types = [...new Set(fields.filter((f) => f.type === 'file').map((f) => f.document_type || ''))];
  if (!types.length) return {};
  const [queued, kept] = await Promise.all([list(), store('data').all()]);
  return Object.fromEntries(await Promise.all(types.map(async (type) => {
    /** @type {any[]} */
    const docs = await fresh(`docs:${type}`, `/api/v1/documents?document_type=${encodeURIComponent(type)}`).catch(
      () => [],
    );
    for (const { key, value } of kept) {
      if (!key.startsWith('upload:') || value.document_type !== type) continue;
      const doc = docs.find((d) => d.id === value.id);
      if (doc) doc.alias = key;
      else docs.unshift({ ...value, alias: key }); // the phone's list is older than it
    }
    const waiting = queued.filter((i) => i.meta?.kind === 'upload' && i.meta.documentType === type).map((i) => ({
      id: `upload:${i.idempotencyKey}`, label: i.meta.label, document_type: type, size_bytes: i.meta.size,
      created_at: new Date(i.createdAt).toISOString(), queued: i.state, outbox: i.id,
    }));
    // "The agency said it was unclear" (offline, never kept: its key; the form still works).
    if (docs.some((d) => d.refused_by)) await loadStrings('journey').catch(() => {});
    return [type, [...waiting, ...docs]];
  })));
}

export const drafts = {
  /** @param {string} key */ get: (key) => store('drafts').get(key),
  /** @param {string} key @param {any} value */
  put: async (key, value) => { if (!isKiosk()) await store('drafts').put({ key, ...value, savedAt: Date.now() }); },
  /** @param {string} key */ delete: (key) => store('drafts').delete(key),
};

/** Forget everything personal on this phone: copies, drafts, queued writes, cached answers,
 * and whose push registration this device was (the next person's is never made silently). */
export async function clearPersonal() {
  await Promise.all([store('data').clear(), store('drafts').clear(), clearOutbox()]);
  await caches?.delete('portal-data').catch(() => false);
  await forgetScreens();
  localStorage.removeItem(OWNER_KEY);
  localStorage.removeItem(PUSH_KEY);
}

/**
 * Signed in (enrolment, sign-in, recovery, invitation): another person's data does not stay.
 * @param {{account: import('../session.js').Account}} session
 */
export async function adopt(session) {
  if (isKiosk()) { setAccount(session.account); return; } // nothing of anyone is kept there
  const id = String(session.account.id);
  if (localStorage.getItem(OWNER_KEY) !== id) await clearPersonal();
  localStorage.setItem(OWNER_KEY, id);
  setAccount(session.account);
  replay().catch(() => {}); // what waited for a new session (401) goes now
}

// Whose screens these are also says whom they speak to. On a phone, the citizen ("คำขอของฉัน");
// at a kiosk while an operator serves someone, the operator, about that citizen by name
// ("คำขอของ สมศรี"): the staff words `serving.<key>` (loaded by the kiosk) replace `<key>` there.
const SERVING = 'serving.';

/** @param {string} key @param {Record<string, string | number>} [vars] */
export function said(key, vars = {}) {
  const me = account();
  const citizen = actingFor();
  if (me?.role === 'operator' && citizen && citizen !== me) {
    const text = t(`${SERVING}${key}`, { ...vars, name: citizen.full_name });
    if (text !== `${SERVING}${key}`) return text;
  }
  return t(key, vars);
}
