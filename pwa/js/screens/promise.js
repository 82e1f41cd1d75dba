// @ts-check
// By when the agency promised to decide an application, or that it is late: one line that the
// dashboard's cards and the application screen share.
import { t, date, loadStrings } from '../i18n.js';
import { el } from '../views/dom.js';

await loadStrings('journey').catch(() => {}); // offline and not yet kept: their keys

/**
 * By when the agency promised to decide (the server's `expected_by`, a Thai date), or that it
 * is past that day ("overdue"), judged by the phone's today. @param {string | null | undefined} day
 */
export function promised(day) {
  if (!day) return null;
  const late = new Date().toLocaleDateString('sv') > day; // YYYY-MM-DD, the phone's own day
  const node = el('p', { class: 'promise' },
    late ? el('strong', {}, t('promise.overdue', { date: date(day) })) : t('promise.by', { date: date(day) }));
  node.classList.toggle('overdue', late);
  return node;
}
