// @ts-check
// Web Push on this phone. Nothing here asks for permission by itself: `enable` runs only
// when the citizen presses the button that explains why (screens/notifications.js). The
// browser's subscription is registered with the portal under a device name, kept current by
// `refresh` on app start (once a day, after the browser replaced it, or with a new VAPID key
// after `portal vapid --rotate`) for the account that registered it only, and forgotten by
// `forgetDevice` before signing out or after deleting the account (screens/account.js).
import { ApiError, getJSON, isKiosk } from './api.js';
import { CSRF_HEADER, csrfToken } from './outbox.js';
import { account, PUSH_KEY as REGISTERED } from './session.js';

const SUBSCRIPTIONS = '/api/v1/me/push-subscriptions';
const REFRESH_MS = 24 * 60 * 60 * 1000;

/** Push works here: a service worker, the Push API, and not a shared kiosk. */
export function supported() {
  return (
    'serviceWorker' in navigator &&
    typeof PushManager === 'function' &&
    typeof Notification === 'function' &&
    !isKiosk()
  );
}

/** @returns {NotificationPermission | 'unsupported'} */
export function permission() { return supported() ? Notification.permission : 'unsupported'; }

/** This browser's subscription, if notifications are on here. */
export async function current() {
  return supported() ? (await navigator.serviceWorker.ready).pushManager.getSubscription() : null;
}

/** A starting label the citizen can change, e.g. "Android · Chrome". */
export function deviceName() {
  const ua = navigator.userAgent;
  const system = ua.match(/Android|iPhone|iPad|Windows|Macintosh|CrOS|Linux/)?.[0];
  const browser = ua.match(/SamsungBrowser|Firefox|Edg|OPR|Chrome|Safari/)?.[0];
  return [system, browser].filter(Boolean).join(' · ');
}

/**
 * A write that happens now, with the CSRF header; the server's answer (or ApiError).
 * @param {string} method @param {string} path @param {unknown} [body]
 */
export async function send(method, path, body) {
  const response = await fetch(path, {
    method, credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json', [CSRF_HEADER]: await csrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, answer);
  return answer;
}

/** @param {string} text base64url */
function bytes(text) {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i += 1) out[i] = binary.charCodeAt(i);
  return out;
}

/** @param {ArrayBuffer | null | undefined} buffer */
function base64url(buffer) {
  if (!buffer) return '';
  return btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** @returns {Promise<string>} */
async function serverKey() { return (await getJSON('/api/v1/push/vapid-public-key')).public_key; }

/** @param {string} key */
async function subscribe(key) {
  const registration = await navigator.serviceWorker.ready;
  return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes(key) });
}

/** @param {PushSubscription} subscription @param {string} [name] */
async function register(subscription, name = '') {
  await send('POST', SUBSCRIPTIONS, { subscription: subscription.toJSON(), device_name: name });
  localStorage.setItem(
    REGISTERED,
    JSON.stringify({ endpoint: subscription.endpoint, at: Date.now(), account: account()?.id }),
  );
}

/**
 * After the citizen pressed "Turn on notifications": ask, subscribe, register.
 * @param {string} name the device's label
 * @returns {Promise<NotificationPermission>}
 */
export async function enable(name) {
  const answer = await Notification.requestPermission();
  if (answer === 'granted') await register(await subscribe(await serverKey()), name);
  return answer;
}

/** On app start; never asks. Failures wait for the next start (offline, signed out). */
export async function refresh() {
  if (permission() !== 'granted') return;
  let subscription = await current();
  const me = account()?.id;
  if (!subscription || me === undefined) return; // signed out: kept for the next sign-in
  const last = JSON.parse(localStorage.getItem(REGISTERED) || 'null');
  if (last?.account !== me) {
    // Not registered by whoever is signed in now (someone else's on a shared phone): never
    // registered for them silently. Dropped, so the portal stops sending there (410) and
    // this citizen is offered their own.
    await subscription.unsubscribe();
    return;
  }
  const key = await serverKey();
  if (base64url(subscription.options.applicationServerKey) !== key) {
    await subscription.unsubscribe(); // made for a key the portal no longer signs with
    subscription = await subscribe(key);
  }
  if (last.endpoint !== subscription.endpoint || Date.now() - last.at > REFRESH_MS) await register(subscription);
}

/** Before signing out, or to turn notifications off here: the portal forgets this device and
 * the browser unsubscribes. (Sign-out also forgets it on the server, even if this fails.) */
export async function forgetDevice() {
  localStorage.removeItem(REGISTERED);
  const subscription = await current().catch(() => null);
  if (!subscription) return;
  await send('POST', `${SUBSCRIPTIONS}/forget`, { endpoint: subscription.endpoint }).catch(() => {});
  await subscription.unsubscribe().catch(() => false);
}
