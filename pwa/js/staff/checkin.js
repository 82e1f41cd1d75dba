// @ts-check
// At the office (#/kiosk?checkin): the operator checks a citizen in by the booking reference
// (scanned from the QR code on their phone or ticket: a scanner types it and presses Enter)
// or the application's tracking code, and prints the queue ticket. Printing shows only the
// ticket (css/staff.css's print rules); the form stays ready for the next citizen. While the
// operator serves a citizen whose ID card they checked, the card stands for the reference.
import { send } from '../api.js';
import { t, pick, loadStrings } from '../i18n.js';
import { el } from '../views/dom.js';
import { page, field, showError, summary, say, busy, problemText, fieldProblems, button } from '../screens/ui.js';
import { qr } from '../screens/kiosk-chrome.js';
import { sheet } from './sheet.js';
import { account, actingFor } from '../session.js';

await loadStrings('staff'); // staff words: never downloaded by a citizen's phone
await sheet('staff');

/** @param {HTMLElement} root */
export function render(root) {
  const code = /** @type {HTMLInputElement} */ (el('input', {
    type: 'text', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', maxlength: '40',
  }));
  const problems = summary();
  const ticket = el('div', { 'aria-live': 'polite' });
  const form = el('form', { novalidate: '' }, problems,
    field('checkin-code', t('checkin.code'), code, t('checkin.hint')),
    el('button', { type: 'submit' }, t('checkin.submit')));
  page(root, t('checkin.title'), el('p', {}, t('checkin.lead')), form, ticket,
    el('p', {}, el('a', { href: '#/kiosk' }, t('checkin.back'))));
  const served = actingFor();
  if (served && served !== account()) {
    form.after(el('p', {}, button(t('checkin.byCard', { name: served.full_name }), () => checkIn({}))));
  }
  code.focus();
  /** @param {Record<string, string>} body */
  const checkIn = (body) => busy(form, async () => {
    try {
      const made = await send('POST', '/api/v1/kiosk/check-in', body);
      say(problems, '');
      ticket.replaceChildren(ticketView(made));
      code.value = '';
    } catch (error) {
      const fields = fieldProblems(error);
      showError('checkin-code', fields.reference || '');
      ticket.replaceChildren();
      say(problems, problemText(error));
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = code.value.trim().toUpperCase();
    showError('checkin-code', value ? '' : t('form.required'));
    if (!value) { say(problems, t('form.problems'), [t('form.required')]); return; }
    // A tracking code has its agency and dashes (DOPA-7K3M-Q9); a booking reference has neither.
    checkIn(value.includes('-') ? { tracking_code: value } : { reference: value });
  });
}

/** The queue ticket, and printing it (only it). @param {any} made */
function ticketView(made) {
  const b = made.booking;
  const number = String(made.queue_number).padStart(3, '0');
  return el('section', { class: 'ticket', 'aria-labelledby': 'ticket-title' },
    el('h2', { id: 'ticket-title' }, pick(made.text)),
    el('p', { class: 'ticket-number' }, number),
    el('p', {}, pick(b.service_name)),
    el('p', {}, `${pick(b.when)} · ${pick(b.office.name)}`),
    b.tracking_code ? el('p', {}, t('checkin.tracking', { code: b.tracking_code })) : '',
    el('figure', { class: 'visit-qr' }, b.qr_svg ? qr(b.qr_svg, t('checkin.qr', { ref: b.reference })) : '',
      el('figcaption', {}, t('checkin.reference', { ref: b.reference }))),
    button(t('checkin.print'), () => print()));
}
