// @ts-check
// An application's fee: while unpaid, the Thai QR code any banking app pays (amount and agency
// beside it, in the citizen's language); once paid, the e-receipt. The code is SVG the server
// drew (backend/lib/qr.py), parsed as SVG, never as HTML.
import { getJSON } from '../api.js';
import { t, pick, money, date, loadStrings } from '../i18n.js';
import { el } from '../views/dom.js';

await loadStrings('more').catch(() => {}); // offline and not yet kept: their keys

/**
 * The fee section of application `id`, or null when it owes nothing.
 * @param {number} id @param {any} service the catalog's service (fee_satang, fee_kind)
 * @returns {Promise<HTMLElement | null>}
 */
export async function feeSection(id, service) {
  if (!service.fee_satang && service.fee_kind !== 'per_application') return null;
  /** @type {any} */
  const fee = await getJSON(`/api/v1/applications/${id}/fee`).catch(() => null);
  if (!fee || fee.state === 'cancelled') return null;
  const title = el('h2', { id: 'fee-title' }, t('fee.title'));
  const amount = el('p', { class: 'fee-amount' }, money(fee.amount_satang));
  if (fee.state === 'paid') {
    return el('section', { class: 'fee', 'aria-labelledby': 'fee-title' }, title, amount,
      el('p', {}, el('span', { class: 'badge state-completed' }, t('fee.paid')), ` · ${date(fee.paid_at)}`),
      el('p', {}, el('a', { class: 'button secondary', href: fee.receipt_url, target: '_blank', rel: 'noopener' },
        t('fee.receipt'))));
  }
  const svg = new DOMParser().parseFromString(fee.qr_svg, 'image/svg+xml').documentElement;
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('fee.qrLabel', { amount: money(fee.amount_satang) }));
  const overdue = fee.state === 'overdue';
  return el('section', { class: 'fee', 'aria-labelledby': 'fee-title' }, title,
    overdue ? el('p', { class: 'warning', role: 'alert' }, t('fee.overdue')) : '',
    el('figure', { class: 'fee-qr' }, document.importNode(svg, true),
      el('figcaption', {}, amount, el('p', {}, t('fee.to', { agency: pick(fee.agency) })),
        el('p', {}, t('fee.due', { date: date(fee.due_at) })))),
    el('p', {}, t('fee.how')),
    el('p', { class: 'meta' }, t('fee.refs', { ref1: fee.reference1, ref2: fee.reference2 })));
}
