// @ts-check
// After applying, the citizen knows where they stand and what to do next: the confirmation
// right after sending (the tracking code large, the next steps, the receipt), a decided
// application's outcome with its reason and what they can do, and the agency's contact.
import { t, pick, loadStrings } from '../i18n.js';
import { isKiosk } from '../api.js';
import { el } from '../views/dom.js';
import { promised } from './promise.js';

await loadStrings('more').catch(() => {}); // offline and not yet kept: their keys
await loadStrings('journey').catch(() => {}); // statuses' labels

const DECIDED = ['approved', 'rejected', 'completed'];

/** Just sent: what was sent, what happens next and by when. @param {any} app */
export function sentBox(app) {
  const agency = pick(app.service.agency_name);
  return el('section', { class: 'sent', 'aria-labelledby': 'sent-title' },
    el('h2', { id: 'sent-title' }, t('journey.sentTitle')),
    el('p', {}, t('journey.code')),
    el('p', { class: 'code-big' }, app.tracking_code),
    el('p', { class: 'hint' }, t('journey.keep')),
    promised(app.expected_by) || '',
    el('h3', {}, t('journey.next')),
    el('ol', {},
      el('li', {}, t('journey.step1', { agency })),
      el('li', {}, t('journey.step2')),
      el('li', {}, t('journey.step3'))),
    pushOffer(),
    el('p', {}, el('a', { class: 'button secondary', href: `/receipt/${app.id}`, target: '_blank', rel: 'noopener' },
      t('journey.receipt'))));
}

/** Right after applying, the moment to offer notifications: on a phone that was never asked
 * (not a kiosk, nor a delegate acting for someone, whose notices are the grantor's). */
function pushOffer() {
  const never = globalThis.Notification?.permission === 'default' && 'PushManager' in globalThis;
  if (!never || isKiosk() || localStorage.getItem('acting') !== null) return '';
  const go = el('button', { type: 'button' }, t('push.enable'));
  const box = el('div', { class: 'push-offer' }, el('p', {}, t('push.why')), go);
  go.addEventListener('click', async () => {
    const push = await import('../push.js');
    try {
      await push.enable(push.deviceName());
      box.replaceChildren(el('p', { role: 'status' }, t('push.on')));
    } catch {
      box.append(el('p', { role: 'alert' }, t('push.failed')));
    }
  });
  return box;
}

/** A decided application: the outcome first, the agency's reason, what the citizen can do.
 * @param {any} app */
export function decisionBox(app) {
  if (!DECIDED.includes(app.status)) return null;
  const said = [...app.history].reverse().find((/** @type {any} */ e) => e.status === app.status);
  const reason = said?.message && (said.message.th || said.message.en) ? pick(said.message) : '';
  return el('section', { class: `decision state-${app.status}`, 'aria-labelledby': 'decision-title' },
    el('h2', { id: 'decision-title' }, t(`state.${app.status}`)),
    reason ? el('p', {}, el('strong', {}, t('journey.reason')), ` ${reason}`) : '',
    el('p', {}, t(`journey.todo.${app.status}`)),
    app.status === 'rejected'
      ? el('p', {}, el('a', { class: 'button', href: `#/services/${app.service.slug}/apply` }, t('journey.applyAgain')))
      : '');
}

/** The agency's phone, email and website. @param {any} app */
export function contactBox(app) {
  const c = app.contact;
  if (!c || !(c.phone || c.email || c.website)) return null;
  const ways = [
    c.phone ? el('li', {}, el('a', { href: `tel:${c.phone}` }, t('journey.call', { phone: c.phone }))) : '',
    c.email ? el('li', {}, el('a', { href: `mailto:${c.email}` }, c.email)) : '',
    c.website ? el('li', {}, el('a', { href: c.website, rel: 'noopener', target: '_blank' }, c.website)) : '',
  ];
  return el('section', { 'aria-labelledby': 'contact-title' },
    el('h2', { id: 'contact-title' }, t('journey.contact', { agency: pick(app.service.agency_name) })),
    el('ul', {}, ...ways));
}
