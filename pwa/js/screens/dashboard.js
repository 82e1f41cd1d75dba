// @ts-check
// My applications, across every agency: what needs my action first (full-width buttons), then
// those in progress, then the finished ones, each group newest activity first, each card with
// the answer its service marks as identifying (a plate number); a search by service or code
// filters what is loaded. Drawn at once from the phone's
// copy (IndexedDB), then refreshed with `since` (only what changed; nothing changed costs a
// bodiless 304). The status bar says "offline · last updated …" when the copy is all there is.
// What is still in the outbox shows on top (documents to upload too): "waiting to send", or
// refused and "needs fixing". Visits booked at an office show on their application's card,
// and those booked before applying below the list (js/visit.js, loaded only then).
import { announce, getJSON } from '../api.js';
import { t, pick, when, date, loadStrings } from '../i18n.js';
import { subscribe, discard, list as queued } from '../outbox.js';
import { el } from '../views/dom.js';
import { page, button, problemText, refusalText, signedIn, takeFlash, loading } from './ui.js';
import { promised } from './promise.js';
import { readCopy, keepCopy, said } from './local.js';

// Its words, before its title (offline before the worker kept them: keys show, the list too).
await loadStrings('journey').catch(() => {});

const PAGE = 20;
/** The groups, in the order the citizen meets them, and which statuses each holds. */
const GROUPS = /** @type {[string, (status: string) => boolean][]} */ ([
  ['todo', (s) => s === 'needs_info' || s === 'draft'],
  ['progress', (s) => ['submitted', 'received', 'in_review'].includes(s)],
  ['done', () => true],
]);

/** @typedef {{id: number, tracking_code: string, status: string, updated_at: string, deleted?: boolean,
 *   service: {slug: string, name: {th: string, en: string}, agency_name: {th: string, en: string}},
 *   action?: {message: {th: string, en: string}, fields: string[], reply_by?: string} | null, expected_by?: string,
 *   detail?: string}} Summary */
/** @typedef {{items: Summary[], sync: number, next_cursor?: number | null}} Dashboard */

/** @param {HTMLElement} root */
export async function render(root) {
  const me = signedIn(root, said('dashboard.title'));
  if (!me) return;
  if (me.role !== 'citizen') {
    page(
      root,
      said('dashboard.title'),
      el('p', {}, t('dashboard.staff')),
      el('p', {}, el('a', { href: '#/account' }, t('nav.account'))),
    );
    return;
  }
  const pending = el('div', {});
  const status = el('p', { class: 'status', role: 'status' });
  const list = el('div', {});
  const search = /** @type {HTMLInputElement} */ (
    el('input', { type: 'search', id: 'mine-search', autocomplete: 'off' })
  );
  search.addEventListener('input', () => draw());
  const more = button(
    t('dashboard.more'),
    () =>
      loadMore().catch((error) => {
        status.textContent = problemText(error);
      }),
    'secondary',
  );
  more.hidden = true;
  const [copy, queue, visitCopy] = await Promise.all([readCopy('dashboard'), queued(), readCopy('visits')]);
  /** @type {any[]} */
  let visits = visitCopy?.value.items || [];
  let visit = await visitCode(visits);
  const before = el('div', {});
  /** @type {Dashboard | null} */
  let state = copy?.value || null;
  let waiting = drawPending(pending, queue);
  const stop = subscribe((items) => {
    const mine = drawPending(pending, items);
    if (waiting > mine) refresh().catch(() => {}); // one was sent: show it as the server has it
    waiting = mine;
  });
  addEventListener('hashchange', () => stop(), { once: true });
  let drawn = false;
  if (state) draw();
  else root.replaceChildren(el('h1', {}, said('dashboard.title')), loading());

  /** The whole screen at once, from the first list there is (the phone's copy, else the
   * server's): what follows the list never moves as it arrives. */
  function draw() {
    if (!state) return;
    const booked = new Map(visit ? visits.filter(visit.active).map((b) => [b.application_id, b]) : []);
    const line = (/** @type {Summary} */ item) => booked.has(item.id) && visit?.visitLine(booked.get(item.id));
    const words = search.value.trim().toLowerCase();
    const shown = state.items.filter((i) => !words
      || [i.service.name.th, i.service.name.en, i.tracking_code, i.detail || '']
        .some((text) => text.toLowerCase().includes(words)));
    list.replaceChildren(...GROUPS.map(([name, holds]) => {
      const mine = shown.filter((i) => holds(i.status));
      shown.splice(0, shown.length, ...shown.filter((i) => !mine.includes(i)));
      return mine.length ? el('section', { 'aria-labelledby': `group-${name}` },
        el('h2', { id: `group-${name}` }, t(`mine.${name}`, { n: mine.length })),
        el('ul', { class: 'cards' }, ...mine.map((item) => card(item, line(item))))) : '';
    }));
    status.textContent = !state.items.length ? t('dashboard.none')
      : words ? t(list.querySelector('li') ? 'mine.found' : 'mine.noMatch', { n: list.querySelectorAll('li').length })
        : '';
    before.replaceChildren(visit ? visit.beforeApplying(visits) : '');
    more.hidden = !state.next_cursor;
    if (drawn) return;
    drawn = true;
    page(root, said('dashboard.title'),
      takeFlash(),
      pending,
      el('div', { class: 'field' }, el('label', { for: search.id }, t('mine.search')), search),
      status, list, more, before,
      el('p', {}, el('a', { href: '#/' }, t('dashboard.apply'))),
    );
  }

  async function refresh() {
    const mine = getJSON('/api/v1/appointments').then((v) => v.items, () => null);
    if (!state) {
      state = /** @type {Dashboard} */ (await getJSON('/api/v1/dashboard', { limit: PAGE }));
    } else {
      // Only what changed since the last sync, page by page until it is all here.
      for (;;) {
        /** @type {Dashboard} */
        const delta = await getJSON('/api/v1/dashboard', { since: state.sync, limit: PAGE });
        merge(state, delta.items);
        const done = delta.items.length < PAGE || delta.sync === state.sync;
        state.sync = delta.sync;
        if (done) break;
      }
    }
    await keepCopy('dashboard', state);
    const items = await mine;
    if (items) {
      visits = items;
      visit = (await visitCode(items)) || visit;
      await keepCopy('visits', { items });
    }
    draw();
  }

  async function loadMore() {
    if (!state?.next_cursor) return;
    /** @type {Dashboard} */
    const next = await getJSON('/api/v1/dashboard', { limit: PAGE, cursor: state.next_cursor });
    merge(state, next.items);
    state.next_cursor = next.next_cursor;
    await keepCopy('dashboard', state);
    draw();
  }

  try {
    await refresh();
  } catch (error) {
    if (!copy) throw error;
    announce({ fromCache: true, storedAt: new Date(copy.storedAt) });
  }
}

/**
 * Apply changed items (newest activity first; discarded drafts go). @param {Dashboard} state @param {Summary[]} changed
 */
function merge(state, changed) {
  const byId = new Map(state.items.map((item) => [item.id, item]));
  for (const item of changed) {
    if (item.deleted) byId.delete(item.id);
    else byId.set(item.id, item);
  }
  state.items = [...byId.values()].sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at));
}

/** Visits' code, where there is one to show. @param {any[]} items */
function visitCode(items) {
  return items.some((b) => b.status === 'booked' || b.status === 'checked_in') ? import('../visit.js') : null;
}

/** @param {Summary} item @param {HTMLElement | false | undefined} visit its visit's line */
function card(item, visit) {
  const node = el('li', { class: 'card' },
    el('h3', {}, el('a', { href: `#/applications/${item.id}` }, pick(item.service.name))),
    item.detail ? el('p', { class: 'detail' }, item.detail) : '',
    el('p', { class: 'meta' }, `${pick(item.service.agency_name)} · `,
      el('span', { class: 'code' }, item.tracking_code)),
    el('p', {}, el('span', { class: `badge state-${item.status}` }, t(`state.${item.status}`)),
      ` · ${t('dashboard.changed', { time: when(item.updated_at) })}`),
    promised(item.expected_by) || '',
    visit || '',
  );
  if (item.action) {
    const by = item.action.reply_by;
    node.append(el('div', { class: 'action' },
      el('p', {}, el('strong', {}, said('dashboard.todo')), ` ${pick(item.action.message)}`),
      by ? el('p', {}, el('strong', {}, t('reply.by', { date: date(`${by}T12:00:00`) }))) : '',
      el('a', { class: 'button wide', href: `#/applications/${item.id}` }, t('dashboard.answer'))));
  }
  if (item.status === 'draft') {
    node.append(el('a', { class: 'button wide', href: `#/services/${item.service.slug}/apply?draft=${item.id}` },
      t('dashboard.continue')));
  }
  return node;
}

/**
 * The outbox, as the citizen sees it; returns how many of their items are in it.
 * @param {HTMLElement} section @param {import('../outbox.js').OutboxItem[]} items
 */
function drawPending(section, items) {
  // A draft's submission is two items (save its answers, submit): show it once, unless refused.
  const mine = items.filter(
    (i) => ['apply', 'answer', 'upload'].includes(i.meta?.kind) && (i.meta.step !== 'save' || i.state === 'failed'),
  );
  section.replaceChildren();
  if (!mine.length) return 0;
  const list = el('ul', { class: 'cards' });
  for (const item of mine) {
    const upload = item.meta.kind === 'upload';
    const name = upload ? t('dashboard.document', { name: item.meta.label }) : pick(item.meta.name);
    if (item.state === 'waiting') {
      list.append(el('li', { class: 'card' }, el('h3', {}, name),
        el('p', {}, t('dashboard.waiting', { time: when(item.createdAt) }))));
      continue;
    }
    // A refused document is replaced in the form that uses it (which then says why): here it can only go.
    const fix = upload
      ? null
      : item.meta.kind === 'apply'
        ? `#/services/${item.meta.slug}/apply?fix=${item.id}`
        : `#/applications/${item.meta.id}?fix=${item.id}`;
    list.append(el('li', { class: 'card refused-item' }, el('h3', {}, name),
      el('p', {}, `${t('dashboard.refused')} ${refusalText(item.error)}`),
      el('div', { class: 'actions-row' },
        ...(fix ? [el('a', { class: 'button', href: fix }, t('dashboard.fix'))] : []),
        button(t('dashboard.discard'), () => discard(item.id), 'secondary'))));
  }
  section.append(
    el('section', { 'aria-labelledby': 'outbox-title' }, el('h2', { id: 'outbox-title' }, t('dashboard.outbox')), list),
  );
  return mine.length;
}
