// @ts-check
// The status bar says what is local: "offline", "last updated 10:42", "waiting to send (2)".
// Fed by the network state, api.js (was the answer the phone's copy?) and the outbox.
import { onFreshness } from './api.js';
import { subscribe } from './outbox.js';
import { t, when } from './i18n.js';

/** @type {{offline: boolean, storedAt: Date | null, waiting: number, failed: number}} */
const state = { offline: !navigator.onLine, storedAt: null, waiting: 0, failed: 0 };
/** @type {HTMLElement} */
let bar;

/** @param {HTMLElement} root the `[data-module="status"]` element */
export function startStatus(root) {
  bar = root;
  addEventListener('online', () => update({ offline: false }));
  addEventListener('offline', () => update({ offline: true }));
  onFreshness(({ fromCache, storedAt }) => update({ offline: fromCache || !navigator.onLine, storedAt }));
  subscribe((items) => update({
    waiting: items.filter((i) => i.state === 'waiting').length,
    failed: items.filter((i) => i.state === 'failed').length,
  }));
  render();
}

/** Redraw, e.g. after a language switch. */
export function render() {
  if (!bar) return;
  const parts = [];
  if (state.offline) parts.push(t('status.offline'));
  if (state.storedAt) parts.push(t('status.updated', { time: when(state.storedAt) }));
  if (state.waiting) parts.push(t('status.waiting', { n: state.waiting }));
  if (state.failed) parts.push(t('status.failed', { n: state.failed }));
  bar.textContent = parts.join(' · ');
  bar.hidden = parts.length === 0;
  bar.classList.toggle('offline', state.offline);
}

/** @param {Partial<typeof state>} change */
function update(change) {
  Object.assign(state, change);
  render();
}
