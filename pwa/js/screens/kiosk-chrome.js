// @ts-check
// What a kiosk shows around every screen: "this is a shared device", a large-text switch, the
// operator's idle countdown (the server ends an operator session after 15 minutes without a
// request) with a warning before it, and, while an operator serves a citizen, who that is, a
// 3-minute inactivity countdown, the receipt of the application on screen and "Finish".
// Both countdowns start at the last answer from the server (api.js) less the server's own
// granularity, so the page never claims more time than the server will give. Activity on the
// screen (a touch, a key) pings the server, which is what keeps both sessions alive.
import { ApiError, getJSON, send, lastRequest } from '../api.js';
import { replaceStores, memoryStore } from '../db.js';
import { t, loadStrings } from '../i18n.js';
import { account, onAccount, setAccount, setServed, checkSession, idleTimeout } from '../session.js';
import { el } from '../views/dom.js';
import { button } from './ui.js';

await loadStrings('staff'); // staff words: never downloaded by a citizen's phone

const CURRENT = '/api/v1/kiosk/assisted-sessions/current';
const OPERATOR_SLACK_S = 60; // the server writes last_seen_at at most once a minute
const ASSISTED_SLACK_S = 10; // … and an assisted session's activity every 10 s
const OPERATOR_WARN_S = 120;
const ASSISTED_WARN_S = 30;
const PING_AFTER_MS = 20_000;

/**
 * @typedef {{id: number,
 *   citizen: {id: number, full_name: string, national_id_masked: string, assurance: string, has_passkey: boolean},
 *   idle_timeout_s: number, consent_method: string, consent_at: string | null}} Assisted
 */

/** The open assisted session, as last read (null: none). @type {Assisted | null} */
let assisted = null;
/** @type {Set<(a: Assisted | null) => void>} */
const watchers = new Set();
/** @type {Window | null} */
let receipt = null;
let ending = false;
// Built once and updated in place: the countdowns redraw every second without moving focus.
const largeText = button('', toggleLargeText, 'toggle');
const operatorLine = el('p', { class: 'kiosk-operator' });
const servingName = el('strong', {});
const servingClock = el('p', { class: 'meta' });
const receiptButton = button('', () => { const app = openApplication(); if (app) printReceipt(app); }, 'secondary');
const homeLink = el('a', { class: 'button', href: '#/kiosk' });
const finishButton = button('', () => finish(), 'danger');
const servingLine = el('div', { class: 'kiosk-serving' },
  el('p', {}, servingName), servingClock, el('div', { class: 'actions-row' }, receiptButton, homeLink, finishButton));
const warningText = el('p', {});
const stayButton = button('', () => getJSON('/api/v1/session').then(draw, () => {}));
const warning = el('div', { class: 'warning', role: 'alert' }, warningText, stayButton);
const banner = el('p', { class: 'kiosk-banner', id: 'kiosk-banner' });
const bar = el(
  'section',
  { class: 'kiosk-bar', 'aria-labelledby': 'kiosk-banner' },
  banner,
  largeText,
  operatorLine,
  servingLine,
  warning,
);

/**
 * Show the kiosk's frame under the header and start the countdowns. An operator's open
 * assisted session is read back after a reload, but not when the page just ended one (or
 * became a kiosk, or the operator just signed in: a new session has none).
 * @param {HTMLElement} main the screen's place: the frame goes just above it
 */
export async function start(main) {
  replaceStores(memoryStore);
  document.documentElement.classList.add('kiosk');
  main.before(bar);
  addEventListener('pointerdown', activity, { passive: true });
  addEventListener('keydown', activity);
  addEventListener('hashchange', draw);
  onAccount((who) => {
    if (who && !idleTimeout()) checkSession().catch(() => {});
    if (!who) use(null);
    draw();
  });
  setInterval(tick, 1000);
  draw();
  const fresh = new URLSearchParams(location.hash.split('?')[1]).has('fresh');
  if (fresh) history.replaceState(null, '', '/#/kiosk');
  else if (account()?.role === 'operator') await refresh().catch(() => {});
}

/** Be told when the assisted session changes (consent given, ended). @param {(a: Assisted | null) => void} fn */
export function watch(fn) {
  watchers.add(fn);
  return () => watchers.delete(fn);
}

export function current() { return assisted; }

/** Read the open assisted session from the server (none: null). @returns {Promise<Assisted | null>} */
export async function refresh() {
  try {
    use(await getJSON(CURRENT));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    use(null); // 409: no open session (ended, timed out or never started)
  }
  return assisted;
}

/** @param {Assisted | null} value */
export function use(value) {
  assisted = value;
  setServed(
    value?.consent_at
      ? {
          id: value.citizen.id,
          full_name: value.citizen.full_name,
          role: 'citizen',
          language: 'th',
          assurance: value.citizen.assurance,
        }
      : null,
  );
  draw();
  for (const fn of watchers) fn(value);
}

/**
 * End the citizen's visit ("timeout": nobody touched the kiosk for 3 minutes, as the audit
 * log will say): the server ends the session and clears the browser's storage
 * (Clear-Site-Data); the page clears what it can itself too, and starts again from nothing.
 * @param {'finished' | 'timeout'} [reason]
 */
export async function finish(reason = 'finished') {
  if (ending) return;
  ending = true;
  await send('POST', `${CURRENT}/finish`, { reason }).catch(() => {}); // already ended: clear anyway
  await clearDevice();
  restart();
}

/** Forget everything this browser holds but the cookies (kiosk credential, operator session). */
export async function clearDevice() {
  receipt?.close();
  receipt = null;
  localStorage.clear();
  sessionStorage.clear();
  for (const name of await caches.keys()) await caches.delete(name);
  for (const db of (await indexedDB.databases?.()) || []) if (db.name) indexedDB.deleteDatabase(db.name);
  for (const registration of (await navigator.serviceWorker?.getRegistrations()) || []) await registration.unregister();
}

/** A fresh page at the kiosk's start screen: nothing of the last visit stays in memory either. */
export function restart() {
  history.replaceState(null, '', '/#/kiosk?fresh');
  location.reload();
}

/** Open the application's receipt in its own window and print it. @param {number} id */
export function printReceipt(id) {
  receipt?.close();
  receipt = window.open(`/receipt/${id}`, 'receipt');
  receipt?.addEventListener('load', () => receipt?.print());
}

/** A touch or key press: tell the server someone is here (at most every 20 s). */
function activity() {
  if (!account() || Date.now() - lastRequest() < PING_AFTER_MS) return;
  getJSON('/api/v1/session').catch(() => {});
}

/**
 * Seconds left before the server ends a session idle for `idle` s (with `slack`). @param {number} idle @param {number}
 * slack
 */
function left(idle, slack) {
  return Math.floor(idle - slack - (Date.now() - lastRequest()) / 1000);
}

/** @param {number} seconds */
function clock(seconds) {
  const s = Math.max(0, seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function tick() {
  if (ending) return;
  const me = account();
  if (assisted && left(assisted.idle_timeout_s, ASSISTED_SLACK_S) <= 0) { finish('timeout'); return; }
  if (me?.role === 'operator' && idleTimeout() && left(idleTimeout(), OPERATOR_SLACK_S) <= 0) { signedOut(); return; }
  draw();
}

/** The operator's session ended for inactivity: the kiosk starts over, signed out. */
async function signedOut() {
  ending = true;
  await send('POST', '/api/v1/auth/signout').catch(() => {});
  setAccount(null);
  await clearDevice();
  restart();
}

/** The application on screen, if any (its receipt can be printed). */
function openApplication() {
  const app = location.hash.match(/^#\/applications\/(\d+)/);
  return app ? Number(app[1]) : 0;
}

function draw() {
  const me = account();
  banner.replaceChildren(el('strong', {}, t('kiosk.shared')), ` ${t('kiosk.sharedNote')}`);
  largeText.textContent = t('kiosk.largeText');
  largeText.setAttribute('aria-pressed', String(document.documentElement.classList.contains('large-text')));
  let warn = '';
  const idle = me?.role === 'operator' ? idleTimeout() : 0;
  operatorLine.hidden = me?.role !== 'operator';
  if (me) {
    const remaining = idle ? left(idle, OPERATOR_SLACK_S) : 0;
    operatorLine.textContent = idle
      ? t('kiosk.operatorFor', { name: me.full_name, time: clock(remaining) })
      : t('kiosk.operator', { name: me.full_name });
    if (idle && remaining <= OPERATOR_WARN_S) warn = t('kiosk.operatorWarning');
  }
  servingLine.hidden = !assisted;
  if (assisted) {
    const remaining = left(assisted.idle_timeout_s, ASSISTED_SLACK_S);
    const who = `${assisted.citizen.full_name} (${assisted.citizen.national_id_masked})`;
    servingName.textContent = t(assisted.consent_at ? 'kiosk.serving' : 'kiosk.pending', { name: who });
    servingClock.textContent = t('kiosk.endsIn', { time: clock(remaining) });
    receiptButton.textContent = t('kiosk.printReceipt');
    receiptButton.hidden = !(assisted.consent_at && openApplication());
    homeLink.textContent = t('kiosk.home');
    homeLink.hidden = !assisted.consent_at || location.hash.startsWith('#/kiosk');
    finishButton.textContent = t('kiosk.finish');
    if (remaining <= ASSISTED_WARN_S) warn = t('kiosk.assistedWarning');
  }
  // The alert's words change only when it appears, so a screen reader says it once.
  if (warn && warningText.textContent !== warn) warningText.textContent = warn;
  stayButton.textContent = t('kiosk.stay');
  warning.hidden = !warn;
}

function toggleLargeText() {
  document.documentElement.classList.toggle('large-text');
  draw();
}

/**
 * A server-drawn QR code (SVG), shown as an image: nothing from the server is parsed into the page. @param {string} svg
 * @param {string} label
 */
export function qr(svg, label) {
  return el('img', { class: 'qr', src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`, alt: label });
}
