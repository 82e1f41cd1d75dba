// @ts-check
// Acting for someone who authorised me (I am their delegate). The server knows it by an
// HttpOnly cookie and checks the authorisation on every request; this page keeps a hint in
// localStorage so it starts in the right mode, shows whom I act for with a way back, serves
// them on the citizen screens (session.setServed) and keeps nothing of theirs on my phone:
// its stores live in the page's memory, as at a kiosk. Any change of whom I act for reloads.
import { getJSON, send } from './api.js';
import { replaceStores, memoryStore } from './db.js';
import { t, loadStrings } from './i18n.js';
import { account, setServed } from './session.js';
import { el } from './views/dom.js';

const KEY = 'acting';
/** Screens only the account holder uses: not while acting for someone else. */
const OWNER_SCREENS = ['account', 'notifications', 'delegations'];

/** Whether this page should start acting for someone (the last switch said so). */
export function acting() { return localStorage.getItem(KEY) !== null; }

/** Act for the grantor of `delegation` from now on: the page starts again as them.
 * @param {{id: number}} delegation */
export async function actFor(delegation) {
  // From this request on the server answers as the grantor: nothing this page still reads
  // (a screen refreshing, the header's count) may land in my phone's stores.
  replaceStores(memoryStore);
  await send('POST', `/api/v1/acting-for/${delegation.id}`);
  localStorage.setItem(KEY, String(delegation.id));
  restart('#/dashboard');
}

/** The app again from the start at `hash`, with no screen drawn in between (a hash change
 * would draw one, in the old mode). @param {string} hash */
function restart(hash) {
  history.replaceState(null, '', hash);
  location.reload();
}

/** Back to my own account (also when the authorisation ended: the server said so). */
export async function stopActing() {
  await send('DELETE', '/api/v1/acting-for').catch(() => {});
  localStorage.removeItem(KEY);
  restart('#/delegations');
}

/**
 * At start, before any screen reads the stores: memory stores, the bar above `main`, and the
 * grantor as whom the screens serve. Offline, acting cannot be checked: back to my own.
 * @param {HTMLElement} main
 */
export async function resume(main) {
  replaceStores(memoryStore);
  addEventListener('delegation-ended', () => { stopActing(); });
  /** @type {{acting: boolean, grantor?: {id: number, full_name: string, assurance: string, language: string}}} */
  const now = await getJSON('/api/v1/acting-for').catch(() => ({ acting: false }));
  const me = account();
  if (!now.acting || !now.grantor || !me) {
    localStorage.removeItem(KEY);
    location.reload();
    return;
  }
  setServed({ ...me, ...now.grantor, role: 'citizen' });
  await loadStrings('delegation');
  const back = el('button', { type: 'button', class: 'secondary' }, t('acting.stop'));
  back.addEventListener('click', () => { stopActing(); });
  main.before(el('div', { class: 'acting', role: 'region', 'aria-label': t('acting.label') },
    el('p', {}, el('strong', {}, t('acting.for', { name: now.grantor.full_name }))),
    el('p', { class: 'hint' }, t('acting.hint')),
    back));
}

/** While acting, an owner's screen says so instead of failing; whether it did.
 * @param {string} name @param {HTMLElement} root */
export function closedHere(name, root) {
  if (!acting() || !OWNER_SCREENS.includes(name)) return false;
  root.replaceChildren(el('h1', {}, t('acting.ownerTitle')), el('p', {}, t('acting.ownerOnly')));
  return true;
}
