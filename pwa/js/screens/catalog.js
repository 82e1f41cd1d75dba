// @ts-check
// The catalog: search by words (Thai or English), agency and life event; paged.
import { announce, getJSON, lastCopy } from '../api.js';
import { t, pick, money } from '../i18n.js';
import { el } from '../views/dom.js';

const PAGE = 10;

/** @param {HTMLElement} root @param {URLSearchParams} params */
export async function render(root, params) {
  let offset = Number(params.get('offset') || 0);
  /** @param {string} q @param {string} agency @param {string} lifeEvent */
  const query = (q, agency, lifeEvent) => ({ q: q.trim(), agency, life_event: lifeEvent, limit: PAGE, offset });
  const first = query(params.get('q') || '', params.get('agency') || '', params.get('life_event') || '');
  // All three requests at once: on a slow link each round trip costs ~0.5 s.
  const fresh = Promise.all([
    getJSON('/api/v1/services', first), getJSON('/api/v1/agencies'), getJSON('/api/v1/life-events'),
  ]);
  let settled = false;
  fresh.then(() => { settled = true; }, () => { settled = true; }); // awaited below; a failure is reported once
  // A repeat visit draws the phone's copy at once (the status bar says from when), then the
  // server's answer: the link's speed does not hold up the screen.
  const copies = await Promise.all([
    lastCopy('/api/v1/services', first), lastCopy('/api/v1/agencies'), lastCopy('/api/v1/life-events'),
  ]);
  const kept = copies.every(Boolean) ? /** @type {{body: any, storedAt: Date | null}[]} */ (copies) : null;
  if (kept && !settled) { // (once the answers are in, they have said how fresh they are)
    const times = kept.map((c) => c.storedAt?.getTime() || 0);
    announce({ fromCache: false, storedAt: new Date(Math.min(...times)) });
  }
  const [firstPage, agencies, events] = kept ? kept.map((c) => c.body) : await fresh;

  const form = el('form', { class: 'filters', role: 'search' });
  const q = /** @type {HTMLInputElement} */ (
    el('input', { type: 'search', id: 'q', name: 'q', value: params.get('q') || '' })
  );
  const agency = select('agency', agencies, params.get('agency'));
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

  /** @param {any} page */
  function show(page) {
    status.textContent = page.total ? t('catalog.found', { n: page.total }) : t('catalog.none');
    list.replaceChildren(...page.items.map(card));
    pager.replaceChildren();
    if (offset > 0) pager.append(pageButton(t('catalog.prev'), () => { offset -= PAGE; refresh(); }));
    if (offset + PAGE < page.total) pager.append(pageButton(t('catalog.next'), () => { offset += PAGE; refresh(); }));
  }
  let asked = 0;
  async function load() {
    const mine = ++asked;
    status.textContent = t('loading');
    const page = await getJSON('/api/v1/services', query(q.value, agency.value, lifeEvent.value));
    if (mine === asked) show(page); // an older search answering late is not shown
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
  show(firstPage);
  if (!kept) return;
  // The copy is on screen: bring in what changed, unless the citizen has searched meanwhile.
  const answers = await fresh.catch(() => null);
  if (!answers || asked) return;
  const same = (/** @type {number} */ i) => JSON.stringify(answers[i]) === JSON.stringify(kept[i].body);
  if (!same(1)) agency.replaceChildren(...select('agency', answers[1], agency.value).children);
  if (!same(2)) lifeEvent.replaceChildren(...select('life_event', answers[2], lifeEvent.value).children);
  if (!same(0)) show(answers[0]);
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
