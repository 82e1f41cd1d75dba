// @ts-check
// One service: what it is, what it costs, how long it takes, which documents it needs, and
// booking a visit to the office when it offers times (?visit: js/visit.js).
import { announce, getJSON, lastCopy } from '../api.js';
import { t, pick, money, loadStrings } from '../i18n.js';
import { el } from '../views/dom.js';

/** @param {HTMLElement} root @param {URLSearchParams} params @param {RegExpMatchArray} match */
export async function render(root, params, match) {
  const slug = match[1];
  if (params.has('visit')) return (await import('../visit.js')).serviceVisit(root, slug);
  const url = `/api/v1/services/${encodeURIComponent(slug)}`;
  const fresh = getJSON(url);
  let settled = false;
  fresh.then(() => { settled = true; }, () => { settled = true; });
  // The phone's copy at once (saying from when), then the server's answer if it differs.
  const copy = await lastCopy(url);
  if (copy && !settled) announce({ fromCache: false, storedAt: copy.storedAt });
  if (copy) draw(root, slug, copy.body);
  else root.replaceChildren(el('p', { class: 'status', role: 'status' }, t('loading')));
  const answer = copy ? await fresh.catch(() => copy.body) : await fresh;
  if (!copy || JSON.stringify(answer) !== JSON.stringify(copy.body)) draw(root, slug, answer);
  // Last on the page, so nothing moves when it comes; its words load only then.
  const shown = location.hash;
  const times = await getJSON('/api/v1/appointment-slots', { service: slug, limit: 1 }).catch(() => []);
  if (!times.length) return;
  await loadStrings('appointments');
  const offer = el('a', { href: `#/services/${slug}?visit` }, t('visit.offer'));
  if (location.hash === shown) root.append(el('p', {}, offer));
}

/** @param {HTMLElement} root @param {string} slug @param {any} s */
function draw(root, slug, s) {
  const fee = s.fee_kind === 'per_application' ? t('catalog.feeByAgency')
    : s.fee_satang ? t('catalog.fee', { fee: money(s.fee_satang) }) : t('catalog.free');
  // The form's optional documents too, marked so: the page and the form never disagree.
  const optional = (s.form || []).filter((/** @type {any} */ f) => f.type === 'file' && !f.required)
    .map((/** @type {any} */ f) => `${pick(f.label)} ${t('form.optional')}`);
  const names = [...(s.required_documents || []).map((/** @type {any} */ d) => pick(d.name)), ...optional];
  const docs = names.length
    ? el('ul', {}, ...names.map((name) => el('li', {}, name)))
    : el('p', {}, t('service.noDocuments'));
  root.replaceChildren(
    el('p', {}, el('a', { href: '#/' }, t('service.back'))),
    el('h1', {}, pick(s.name)),
    el('p', {}, pick(s.description.th ? s.description : s.summary)),
    el('p', { class: 'meta' }, `${pick(s.agency.name)} · ${fee} · ${t('catalog.days', { n: s.processing_days })}`),
    el('p', {}, el('a', { class: 'button', href: `#/services/${slug}/apply` }, t('service.apply'))),
    el('h2', {}, t('service.documents')), docs,
    el('h2', {}, t('service.contact')),
    el('p', {}, `${pick(s.contact.name)} ${s.contact.phone ? '· ' + s.contact.phone : ''}`),
  );
}
