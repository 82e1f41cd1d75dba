// @ts-check
// "Who accessed my data": the activity log the portal keeps of every read or change of the
// citizen's data (GET /api/v1/me/activity), newest first, in words: what, by whom, where, when.
import { getJSON } from '../api.js';
import { t, when, loadStrings } from '../i18n.js';
import { el } from '../views/dom.js';
import { page, loading, problemText } from './ui.js';

await loadStrings('account'); // its words: only where My account is opened

const PAGE = 50;
const AREAS = new Set(['account', 'application', 'document', 'passkey', 'session', 'signin', 'assisted', 'recovery',
  'delegation', 'data', 'digital_id', 'enrol', 'fee', 'appointment']);
const BY = new Set(['me', 'operator', 'officer', 'agency_api', 'admin', 'citizen']);
/** Actions that read, not change (the rest change something, or sign in and out). */
const READS = /(?:^|\.)(?:read|viewed|exported)$/;

/**
 * @typedef {{id: number, at: string, action: string, by: string, by_name?: string, kiosk?: string}} Entry
 */

/** @param {HTMLElement} root */
export async function render(root) {
  root.replaceChildren(el('h1', {}, t('activity.title')), loading());
  const list = el('ol', { class: 'cards' });
  const more = el('button', { type: 'button', class: 'secondary' }, t('activity.more'));
  const status = el('p', { role: 'status' });
  let before = 0;
  more.addEventListener('click', () => next().catch((error) => { status.textContent = problemText(error); }));
  await next().catch((error) => { status.textContent = problemText(error); });
  page(root, t('activity.title'),
    el('p', {}, t('activity.intro')),
    status, list, more,
    el('p', {}, el('a', { href: '#/account' }, t('activity.back'))),
  );

  async function next() {
    /** @type {Entry[]} */
    const entries = await getJSON(`/api/v1/me/activity?limit=${PAGE}${before ? `&before=${before}` : ''}`);
    list.append(...entries.map(item));
    if (!list.childElementCount) status.textContent = t('activity.empty');
    before = entries.length ? entries[entries.length - 1].id : before;
    more.hidden = entries.length < PAGE;
  }
}

/** @param {Entry} entry */
function item(entry) {
  const area = entry.action.split('.')[0];
  const what = t(`activity.what.${AREAS.has(area) ? area : 'other'}`);
  const verb = t(READS.test(entry.action) ? 'activity.verb.read' : 'activity.verb.changed');
  const byKey = BY.has(entry.by) ? entry.by : 'system';
  const who = t(`activity.by.${byKey}`, { name: entry.by_name || '' }).trim();
  const where = entry.kiosk ? ` ${t('activity.at', { kiosk: entry.kiosk })}` : '';
  return el('li', { class: 'card' },
    el('p', {}, el('strong', {}, `${who}${where}`), ` · ${verb} ${what}`),
    el('p', { class: 'meta' }, el('time', { datetime: entry.at }, when(entry.at))),
  );
}
