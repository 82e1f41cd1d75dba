// @ts-check
// The catalog: search by words (Thai or English), agency and life event; paged.
// The first view is one request (/api/v1/catalog: a page of services, the agencies and life
// events); later searches ask /api/v1/services. Offline, search and filters run on the
// services this phone holds (the service worker's copies; from the second visit on, the whole
// catalog, refreshed daily) and say the list may be out of date.
import { announce, getJSON, lastCopy, isKiosk } from '../api.js';
import { t, pick, money } from '../i18n.js';
import { el } from '../views/dom.js';

const PAGE = 10;
/** Offline search, and keeping the whole catalog for it: after the first view. */
const held = () => import('./catalog-held.js');
/** This page opened under a service worker (which keeps each answer): not a first visit. */
const repeatVisit = Boolean(navigator.serviceWorker?.controller);

/** @typedef {import('./catalog-held.js').Named} Named */
/** @typedef {import('./catalog-held.js').Query} Query */

/** @param {HTMLElement} root @param {URLSearchParams} params */
export async function render(root, params) {
  let offset = Number(params.get('offset') || 0);
  // Typed into the catalog as last drawn (the worker serves it inside the shell: sw.js) before
  // this module ran: kept, and searched for.
  const typed = (/** @type {HTMLInputElement | null} */ (root.querySelector('#q'))?.value || '').trim();
  /** @param {string} q @param {string} agency @param {string} lifeEvent @returns {Query} */
  const query = (q, agency, lifeEvent) => ({ q: q.trim(), agency, life_event: lifeEvent, limit: PAGE, offset });
  const first = query(params.get('q') || '', params.get('agency') || '', params.get('life_event') || '');
  const fresh = getJSON('/api/v1/catalog', first);
  let settled = false;
  fresh.then(() => { settled = true; }, () => { settled = true; }); // awaited below; a failure is reported once
  // A repeat visit draws the phone's copy at once (the status bar says from when), then the
  // server's answer: the link's speed does not hold up the screen.
  const kept = await lastCopy('/api/v1/catalog', first);
  if (kept && !settled) announce({ fromCache: false, storedAt: kept.storedAt }); // (once in, the answer says)
  /** @type {{services: any, agencies: Named[], life_events: Named[]}} */
  const view = kept ? kept.body : await fresh;
  let events = view.life_events;

  const form = el('form', { class: 'filters', role: 'search' });
  const q = /** @type {HTMLInputElement} */ (
    el('input', { type: 'search', id: 'q', name: 'q', value: params.get('q') || typed })
  );
  const agency = select('agency', view.agencies, params.get('agency'));
  const lifeEvent = select('life_event', events, params.get('life_event'));
  form.append(
    field('q', t('catalog.search'), q),
    field('agency', t('catalog.agency'), agency),
    field('life_event', t('catalog.lifeEvent'), lifeEvent),
  );
  const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const list = el('ul', { class: 'cards' });
  const pager = el('nav', { class: 'pager', 'aria-label': t('catalog.pages') });
  root.replaceChildren(el('h1', {}, t('catalog.title')), form, status, list, pager);

  /** @param {any} page @param {boolean} [held] found in the phone's copy, offline */
  function show(page, held = false) {
    status.textContent = page.total ? t('catalog.found', { n: page.total }) : t('catalog.none');
    if (held) status.textContent += ` · ${t('catalog.held')}`;
    list.replaceChildren(...page.items.map(card));
    pager.replaceChildren();
    if (offset > 0) pager.append(pageButton(t('catalog.prev'), () => { offset -= PAGE; refresh(); }));
    if (offset + PAGE < page.total) pager.append(pageButton(t('catalog.next'), () => { offset += PAGE; refresh(); }));
  }
  let asked = 0;
  async function load() {
    const mine = ++asked;
    status.textContent = t('loading');
    const wanted = query(q.value, agency.value, lifeEvent.value);
    /** @type {[any, boolean]} */
    let found;
    /** @returns {Promise<[any, boolean]>} */
    const searchHeld = async () => [await (await held()).search(wanted, events), true];
    if (!navigator.onLine) found = await searchHeld();
    else {
      found = await getJSON('/api/v1/services', wanted).then(
        (page) => /** @type {[any, boolean]} */ ([page, false]),
        // The network failed (not the server refusing): search what the phone holds.
        (error) => { if (error?.status) throw error; return searchHeld(); },
      );
    }
    if (mine === asked) show(...found); // an older search answering late is not shown
  }
  const refresh = () =>
    load().catch(() => {
      status.textContent = t(navigator.onLine ? 'error.network' : 'error.offline');
    });
  let timer = 0;
  form.addEventListener('input', () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => {
      offset = 0;
      refresh();
    }, 250);
  });
  form.addEventListener('submit', (event) => { event.preventDefault(); offset = 0; refresh(); });
  show(view.services, Boolean(kept) && !navigator.onLine);
  if (typed && !params.get('q')) refresh();
  if (kept) {
    // The copy is on screen: bring in what changed, unless the citizen has searched meanwhile.
    const answer = await fresh.catch(() => null);
    if (answer && !asked) {
      /** @param {'services' | 'agencies' | 'life_events'} k */
      const same = (k) => JSON.stringify(answer[k]) === JSON.stringify(view[k]);
      if (!same('agencies')) agency.replaceChildren(...select('agency', answer.agencies, agency.value).children);
      if (!same('life_events'))
        lifeEvent.replaceChildren(...select('life_event', answer.life_events, lifeEvent.value).children);
      if (!same('services')) show(answer.services);
      events = answer.life_events;
    }
  }
  // Offline search comes in once the first view is drawn (kept with the shell); from the
  // second visit on, the whole catalog to search in too. A first visit stays light.
  if (navigator.onLine && !isKiosk()) held().then((m) => { if (repeatVisit) m.keepWhole(); }, () => {});
}

/** @param {any} item */
function card(item) {
  const fee = item.fee_satang ? t('catalog.fee', { fee: money(item.fee_satang) }) : t('catalog.free');
  return el(
    'li',
    { class: 'card' },
    el('h2', {}, el('a', { href: `#/services/${item.slug}` }, pick(item.name))),
    el('p', {}, pick(item.summary)),
    el(
      'p',
      { class: 'meta' },
      `${pick(item.agency.name)} · ${fee} · ${t('catalog.days', { n: item.processing_days })}`,
    ),
  );
}

/**
 * @param {string} name @param {{code: string, name: {th: string, en: string}}[]} options @param {string | null} chosen
 */
function select(name, options, chosen) {
  const box = /** @type {HTMLSelectElement} */ (el('select', { id: name, name }));
  box.append(el('option', { value: '' }, t('catalog.all')));
  for (const option of options) {
    const opt = el('option', { value: option.code }, pick(option.name));
    if (option.code === chosen) opt.setAttribute('selected', '');
    box.append(opt);
  }
  return box;
}

/** @param {string} id @param {string} text @param {HTMLElement} control */
function field(id, text, control) {
  return el('div', {}, el('label', { for: id }, text), control);
}

/** @param {string} text @param {() => void} onClick */
function pageButton(text, onClick) {
  const button = el('button', { type: 'button' }, text);
  button.addEventListener('click', onClick);
  return button;
}
