// @ts-check
// The catalog: search by words (Thai or English), agency and life event; paged.
import { getJSON } from '../api.js';
import { t, pick, money } from '../i18n.js';
import { el } from '../views/dom.js';

const PAGE = 10;

/** @param {HTMLElement} root @param {URLSearchParams} params */
export async function render(root, params) {
  let offset = Number(params.get('offset') || 0);
  /** @param {string} q @param {string} agency @param {string} lifeEvent */
  const search = (q, agency, lifeEvent) => getJSON('/api/v1/services', {
    q: q.trim(), agency, life_event: lifeEvent, limit: PAGE, offset,
  });
  // All three requests at once: on a slow link each round trip costs ~0.5 s.
  const firstPage = search(params.get('q') || '', params.get('agency') || '', params.get('life_event') || '');
  firstPage.catch(() => {}); // awaited below; a failure there is reported once
  const [agencies, events] = await Promise.all([getJSON('/api/v1/agencies'), getJSON('/api/v1/life-events')]);
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

  /** @param {Promise<any>} [pending] */
  async function load(pending) {
    status.textContent = t('loading');
    const page = await (pending || search(q.value, agency.value, lifeEvent.value));
    status.textContent = page.total ? t('catalog.found', { n: page.total }) : t('catalog.none');
    list.replaceChildren(...page.items.map(card));
    pager.replaceChildren();
    if (offset > 0) pager.append(pageButton(t('catalog.prev'), () => { offset -= PAGE; refresh(); }));
    if (offset + PAGE < page.total) pager.append(pageButton(t('catalog.next'), () => { offset += PAGE; refresh(); }));
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
  await load(firstPage);
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
