// @ts-check
// Authorisations (หนังสือมอบอำนาจ): whom I let act for me, and who let me act for them.
// #/delegations lists both, makes an invitation (powers, services, last day) and ends one;
// #/delegate?invitation=… is where the person invited accepts it, signed in on their own phone.
// Acting for someone is acting.js's business: this screen only starts it.
import { getJSON, send } from '../api.js';
import { t, pick, when, date, loadStrings } from '../i18n.js';
import { el } from '../views/dom.js';
import { actFor } from '../acting.js';
import { page, button, busy, field, summary, say, problemText, signedIn, loading } from './ui.js';

await loadStrings('more').catch(() => {}); // offline and not yet kept: their keys

/** @typedef {{id: number, state: string, grantor_name: string, delegate_name: string, powers: string[],
 *   services: string[], valid_until: string, made_at_kiosk?: boolean, end_reason?: string}} Delegation */

const POWERS = ['follow', 'apply', 'documents'];

await loadStrings('delegation'); // its words: only on the phones that use it

/** @param {HTMLElement} root @param {URLSearchParams} params @param {RegExpMatchArray} match */
export async function render(root, params, match) {
  const title = t(match[1] === 'delegate' ? 'delegation.acceptTitle' : 'delegation.title');
  if (!signedIn(root, title)) return;
  if (match[1] === 'delegate') return accept(root, title, params.get('invitation') || '');
  root.replaceChildren(el('h1', {}, title), loading());
  /** @type {{given: Delegation[], received: Delegation[]}} */
  const mine = await getJSON('/api/v1/delegations');
  const invited = el('div', { 'aria-live': 'polite' });
  page(root, title,
    el('p', {}, t('delegation.intro')),
    el('h2', {}, t('delegation.received')),
    list(mine.received, 'received', root),
    el('h2', {}, t('delegation.given')),
    list(mine.given, 'given', root),
    el('h2', {}, t('delegation.newTitle')),
    await form(invited),
    invited,
  );
}

/** @param {Delegation[]} items @param {'given' | 'received'} side @param {HTMLElement} root */
function list(items, side, root) {
  if (!items.length) return el('p', { class: 'status' }, t(`delegation.none.${side}`));
  return el('ul', { class: 'cards' }, ...items.map((d) => {
    const who = side === 'given' ? d.delegate_name || t('delegation.waiting') : d.grantor_name;
    const actions = el('p', { class: 'actions' });
    if (side === 'received' && d.state === 'active')
      actions.append(button(t('delegation.actFor', { name: d.grantor_name }), () => actFor(d)));
    if (d.state === 'active' || d.state === 'invited')
      actions.append(button(t(side === 'given' ? 'delegation.revoke' : 'delegation.decline'), () =>
        busy(root, async () => {
          await send('DELETE', `/api/v1/delegations/${d.id}`);
          location.reload();
        }), 'secondary'));
    return el('li', { class: 'card' },
      el('h3', {}, who),
      el('p', {}, t(`delegation.state.${d.state}`),
        d.state === 'active' ? ` · ${t('delegation.until', { date: date(d.valid_until) })}` : ''),
      el('p', {}, d.powers.map((p) => t(`delegation.power.${p}`)).join(' · ')),
      el('p', { class: 'hint' }, d.services.length ? d.services.join(', ') : t('delegation.allServices')),
      actions);
  }));
}

/** The invitation form: powers, services (all, or the ones ticked), last day. @param {HTMLElement} out */
async function form(out) {
  /** @type {{items: {slug: string, name: {th: string, en: string}}[]}} */
  const catalog = await getJSON('/api/v1/services', { limit: 50 }).catch(() => ({ items: [] }));
  const box = summary();
  const powers = el('fieldset', { id: 'powers' }, el('legend', {}, t('delegation.powers')),
    ...POWERS.map((p) => el('label', { class: 'choice' },
      el('input', { type: 'checkbox', name: 'power', value: p, ...(p === 'follow' ? { checked: '' } : {}) }),
      ` ${t(`delegation.power.${p}`)}`)));
  const services = /** @type {HTMLSelectElement} */ (el('select', { multiple: '', size: '5' },
    ...catalog.items.map((s) => el('option', { value: s.slug }, pick(s.name)))));
  const last = new Date(Date.now() + 90 * 86400e3).toISOString().slice(0, 10);
  const until = /** @type {HTMLInputElement} */ (el('input', { type: 'date', value: last, required: '' }));
  const node = el('form', { novalidate: '' }, box,
    powers,
    field('services', t('delegation.services'), services, t('delegation.servicesHint')),
    field('valid_until', t('delegation.validUntil'), until, t('delegation.validUntilHint')),
    el('button', { type: 'submit' }, t('delegation.invite')));
  node.addEventListener('submit', (event) => {
    event.preventDefault();
    const ticked = /** @type {NodeListOf<HTMLInputElement>} */ (node.querySelectorAll('input[name=power]:checked'));
    const chosen = [...ticked].map((i) => i.value);
    const slugs = [...services.selectedOptions].map((o) => o.value);
    busy(node, async () => {
      try {
        const terms = { powers: chosen, services: slugs, valid_until: until.value };
        /** @type {{invitation: string, link: string, expires_at: string}} */
        const made = await send('POST', '/api/v1/delegations', terms);
        say(box, '');
        out.replaceChildren(
          el('p', { class: 'flash', role: 'status' }, t('delegation.invited', { date: when(made.expires_at) })),
          field('invitation-link', t('delegation.link'), el('input', { readonly: '', value: made.link })),
          el('p', { class: 'hint' }, t('delegation.linkHint')),
        );
      } catch (error) {
        say(box, problemText(error));
      }
    });
  });
  return node;
}

/** Accept an invitation: I will be able to act for the person who sent it.
 * @param {HTMLElement} root @param {string} title @param {string} invitation */
function accept(root, title, invitation) {
  const box = summary();
  page(root, title, box,
    el('p', {}, t('delegation.acceptIntro')),
    button(t('delegation.accept'), () => busy(root, async () => {
      try {
        /** @type {Delegation} */
        const made = await send('POST', '/api/v1/delegations/accept', { invitation });
        page(root, title,
          el('p', { class: 'flash', role: 'status' }, t('delegation.accepted', { name: made.grantor_name })),
          el('p', {}, button(t('delegation.actFor', { name: made.grantor_name }), () => actFor(made))),
          el('p', {}, el('a', { href: '#/delegations' }, t('delegation.title'))));
      } catch (error) {
        say(box, problemText(error));
      }
    })));
}
