// @ts-check
// Passkeys: POST …/options → navigator.credentials.create()/get() → POST the credential, as
// JSON (parse…OptionsFromJSON() and toJSON() where the browser has them; passkey-json.js's
// base64url otherwise, loaded only by browsers that lack them).
import { getJSON, send } from '../api.js';
import { t } from '../i18n.js';
import { el } from '../views/dom.js';
import { problemText } from './ui.js';

const PKC = /** @type {any} */ (globalThis.PublicKeyCredential);
const fallback = () => import('./passkey-json.js');
if (PKC && !PKC.parseRequestOptionsFromJSON) fallback().catch(() => {}); // now: no wait after the tap

/** @typedef {{enabled: boolean, name: string}} Info */

/** Whether the national digital ID is offered here as another way to prove who I am (null
 * offline or when it is not): here, not in digital-id.js, which a screen loads only then.
 * @returns {Promise<Info | null>} */
export async function digitalId() {
  try {
    const found = /** @type {Info} */ (await getJSON('/api/v1/auth/digital-id'));
    return found.enabled ? found : null;
  } catch {
    return null;
  }
}

/** Can this browser use passkeys at all? */
export function supported() {
  return typeof PKC === 'function' && Boolean(navigator.credentials?.create);
}

/** Has this device a screen lock (fingerprint, face, PIN) to unlock a passkey? */
async function hasScreenLock() {
  try {
    return Boolean(await PKC.isUserVerifyingPlatformAuthenticatorAvailable());
  } catch {
    return false;
  }
}

/** Can passkeys be offered in the browser's autofill (conditional UI)? */
export async function autofillAvailable() {
  try {
    return Boolean(await PKC?.isConditionalMediationAvailable?.());
  } catch {
    return false;
  }
}

const SVG = 'http://www.w3.org/2000/svg';
const KEY_PATH =
  'M7.5 6a6 6 0 1 0 5.65 8H15v3h3v-3h2v3h2V10h-8.85A6 6 0 0 0 7.5 6Zm0 3.5a2.5 2.5 0 1 1 0 5 2.5 2.5 0 0 1 0-5Z';

/** The passkey icon: a key, drawn inline (no image request). */
export function keyIcon() {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'icon');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', KEY_PATH);
  path.setAttribute('fill-rule', 'evenodd');
  svg.append(path);
  return svg;
}

/** Warnings about this device: no passkeys at all, or no screen lock to unlock one. */
export async function deviceNotes() {
  if (!supported()) return el('p', { class: 'warning', role: 'status' }, t('passkey.noWebauthn'));
  if (!(await hasScreenLock())) return el('p', { class: 'warning', role: 'status' }, t('passkey.noScreenLock'));
  return null;
}

/**
 * Create a passkey named `name`. @param {string} start @param {unknown} body @param {string} finish @param {string}
 * name
 */
export async function register(start, body, finish, name) {
  const { public_key: json } = await send('POST', start, body);
  const publicKey = PKC.parseCreationOptionsFromJSON
    ? PKC.parseCreationOptionsFromJSON(json)
    : (await fallback()).creationOptions(json);
  const credential = await navigator.credentials.create({ publicKey });
  return send('POST', finish, { credential: await toJSON(credential), name });
}

/**
 * Sign in, username-less or with `national_id`; `mediation: 'conditional'` waits for a pick
 * in the autofill list. @param {{national_id?: string}} body @param {{mediation?: string, signal?: AbortSignal}} [how]
 */
export async function signIn(body, how = {}, base = '/api/v1/auth/signin') {
  const { public_key: json } = await send('POST', `${base}/options`, body);
  const publicKey = PKC.parseRequestOptionsFromJSON
    ? PKC.parseRequestOptionsFromJSON(json)
    : (await fallback()).requestOptions(json);
  const credential = await navigator.credentials.get(/** @type {any} */ ({ publicKey, ...how }));
  return send('POST', base, { credential: await toJSON(credential) });
}

/** What to say when a ceremony fails ('' when aborted on purpose). @param {unknown} error */
export function passkeyProblem(error) {
  const name = /** @type {any} */ (error)?.name;
  if (name === 'AbortError') return '';
  // Cancelled, timed out or no passkey here: the browser won't say which.
  if (name === 'NotAllowedError') return t('passkey.cancelled');
  if (name === 'InvalidStateError') return t('passkey.exists');
  if (name === 'NotSupportedError' || name === 'SecurityError') return t('passkey.unsupported');
  return problemText(error);
}

/** A name for a new passkey ("Android phone"). */
export function deviceName() {
  const ua = navigator.userAgent;
  const kind = /Android/.test(ua) ? 'android' : /iPhone|iPad/.test(ua) ? 'iphone'
    : /Mac|Windows|Linux/.test(ua) ? 'computer' : 'other';
  return t(`passkey.device.${kind}`);
}

/** The credential as JSON. @param {any} credential */
async function toJSON(credential) {
  return typeof credential.toJSON === 'function' ? credential.toJSON() : (await fallback()).toJSON(credential);
}
