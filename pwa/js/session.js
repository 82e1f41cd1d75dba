// @ts-check
// Who is signed in on this phone. The session itself is an HttpOnly cookie the page cannot
// read; this module keeps a small copy of the account (name, role) in localStorage so the
// screens know at once, even offline, and checks it with the server when a session cookie
// exists (the CSRF cookie is set with it and readable: no cookie, no request on a first visit).
// A kiosk keeps it in memory, with the citizen being served.
import { getJSON, isKiosk, forgetScreens } from './api.js';
import { CSRF_COOKIE } from './outbox.js';

/** How the CSRF token of a session with nobody signed in begins (the server's ANONYMOUS_CSRF). */
const ANONYMOUS = 'anon.';

const KEY = 'account';
/** localStorage: whose personal data this phone holds (IndexedDB copies, drafts, outbox). */
export const OWNER_KEY = 'owner';
/** localStorage: push.js's last registration of this device, {endpoint, at, account}. */
export const PUSH_KEY = 'push-registered';

/**
 * @typedef {{id: number, full_name: string, role: string, language: string, assurance: string,
 *   agency?: string | null}} Account
 */
/** @type {Set<(account: Account | null) => void>} */
const listeners = new Set();
let kept = /** @type {Account | null} */ (null);
let served = /** @type {Account | null} */ (null);

/** The signed-in account as last known on this phone, or null. @returns {Account | null} */
export function account() {
  if (isKiosk()) return kept;
  try {
    return JSON.parse(localStorage.getItem(KEY) || 'null');
  } catch {
    return null;
  }
}

/** Whom the citizen screens act for. */
export function actingFor() { return served || account(); }

/** @param {Account | null} citizen */
export function setServed(citizen) { served = citizen; }

/** @param {(account: Account | null) => void} fn */
export function onAccount(fn) { listeners.add(fn); }

/** Remember who signed in (or, with null, that nobody is). @param {Account | null} value */
export function setAccount(value) {
  // Another person, or nobody: the screens the worker kept as drawn were the last one's.
  if (value?.id !== account()?.id) forgetScreens();
  if (isKiosk()) kept = value;
  else if (value) localStorage.setItem(KEY, JSON.stringify(value));
  else localStorage.removeItem(KEY);
  for (const fn of listeners) fn(value);
}

let idleSeconds = 0;
export function idleTimeout() { return idleSeconds; }

/** A signed-in session's cookie: one of a sign-in still in progress (its CSRF token begins
 * with ANONYMOUS, backend/accounts/sessions.py) has nobody to ask about. */
function hasSessionCookie() {
  const [signedIn, inProgress] = [`${CSRF_COOKIE}=`, `${CSRF_COOKIE}=${ANONYMOUS}`];
  return document.cookie.split('; ').some((c) => c.startsWith(signedIn) && !c.startsWith(inProgress));
}

/**
 * Ask the server whether the session is still alive (it ends after 1 h idle, 24 h at most).
 * @returns {Promise<boolean>} whether the signed-in account changed
 */
export async function checkSession() {
  const before = account()?.id;
  if (!hasSessionCookie()) {
    if (before !== undefined) setAccount(null);
  } else {
    const session = await getJSON('/api/v1/session');
    setAccount(session.authenticated ? session.account : null);
    idleSeconds = session.idle_timeout_s || 0;
  }
  return account()?.id !== before;
}
