// @ts-check
// What a form field accepts, in words, and exactly what is wrong with an answer: a message for
// each kind of field (a choice, a date, a number, text, a file…) and each date or age rule said
// as people say it ("อายุ 60 ปีขึ้นไป"), not as a date limit. The same rules as the server's
// (backend/applications/validation.py), whose 422 stays the safety net.
import { t, number, loadStrings } from '../i18n.js';
import { el } from '../views/dom.js';
import { isThaiId, isPhone, digits } from './ui.js';

await loadStrings('form'); // these words: only with the forms

const MAX_TEXT = 2000;

/**
 * @typedef {{th: string, en: string}} I18n
 * @typedef {{name: string, type: string, label: I18n, required?: boolean, help?: I18n, min?: number, max?: number,
 * min_age?: number, min_length?: number, max_length?: number, choices?: {value: string, label: I18n}[],
 * prefill?: string, document_type?: string}} FormField a field of a service's form (backend/catalog/forms.py)
 * @typedef {{id: number | string, label: string, document_type: string, size_bytes: number, created_at: string,
 * queued?: 'waiting' | 'failed', outbox?: number, alias?: string}} WalletDocument a document, or an upload still in the
 * outbox
 */

/** Today at noon, `days` from now (a date limit counts days from today). @param {number} days */
export function daysFromToday(days) {
  const day = new Date();
  day.setHours(12, 0, 0, 0);
  day.setDate(day.getDate() + days);
  return day;
}

/** @param {number | null | undefined} n */
const given = (n) => n !== undefined && n !== null;

/**
 * A date field's rule in words ('' when it has none): an age ("Aged 60 or over"), "today or
 * earlier", "in the last 30 days", "from tomorrow, within 60 days". @param {FormField} f
 */
export function dateRule(f) {
  if (given(f.min_age)) return t('check.age', { n: number(/** @type {number} */ (f.min_age)) });
  const min = given(f.min) ? /** @type {number} */ (f.min) : null;
  const max = given(f.max) ? /** @type {number} */ (f.max) : null;
  if (max === 0) return min === null ? t('check.notFuture') : t('check.lastDays', { n: number(-min) });
  if (min !== null && max !== null && min >= 0)
    return t(min === 0 ? 'check.nextDaysToday' : 'check.nextDays', { n: number(max) });
  if (min !== null && max !== null) return t('check.around', { before: number(-min), after: number(max) });
  if (min === 0) return t('check.notPast');
  return '';
}

/**
 * @param {{d: string, m: string, y: string, era: number}} parts @returns {string} ISO date, or '' if not a real date
 */
export function isoDate({ d, m, y, era }) {
  if (!d || !m || !/^\d{4}$/.test(y)) return '';
  const year = Number(y) - era;
  const iso = `${String(year).padStart(4, '0')}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  const check = new Date(`${iso}T12:00:00`);
  return check.getDate() === Number(d) && check.getMonth() + 1 === Number(m) ? iso : '';
}

/** What is missing or wrong in a date's parts. @param {{d: string, m: string, y: string, era: number}} raw */
function dateProblem(raw) {
  if (!raw.d || !raw.m) return t('check.dayMonth');
  if (!/^\d{4}$/.test(raw.y)) return t(raw.era ? 'check.yearBE' : 'check.year');
  return t('check.noSuchDay');
}

/** @param {string} iso @param {number} years */
function yearsOld(iso, years) {
  const born = new Date(`${iso}T12:00:00`);
  const limit = new Date();
  limit.setHours(23, 0, 0, 0);
  limit.setFullYear(limit.getFullYear() - years);
  return born <= limit;
}

/**
 * The answer to send, or exactly what is wrong with it.
 * @param {FormField} f @param {any} raw @param {boolean} [draft] required fields may be empty
 * @returns {[any, string]}
 */
export function validate(f, raw, draft = false) {
  const empty = raw === '' || raw === null || raw === undefined || (f.type === 'date' && !raw.d && !raw.m && !raw.y)
    || (typeof raw === 'string' && !raw.trim());
  if (empty) return [null, f.required && !draft ? t(`check.need.${f.type}`) : ''];
  if (f.type === 'text') {
    const text = String(raw).trim();
    const longest = f.max_length || MAX_TEXT;
    if (text.length > longest) return [null, t('form.tooLong', { n: number(longest) })];
    if (f.min_length && text.length < f.min_length) return [null, t('form.tooShort', { n: number(f.min_length) })];
    return [text, ''];
  }
  if (f.type === 'number') {
    const value = Number(String(raw).replace(/,/g, '').trim());
    if (!Number.isFinite(value)) return [null, t('check.notNumber')];
    if (given(f.min) && value < Number(f.min)) return [null, t('form.numberMin', { n: number(Number(f.min)) })];
    if (given(f.max) && value > Number(f.max)) return [null, t('form.numberMax', { n: number(Number(f.max)) })];
    return [value, ''];
  }
  if (f.type === 'date') {
    const iso = typeof raw === 'string' ? raw : isoDate(raw);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return [null, dateProblem(raw)];
    const day = new Date(`${iso}T12:00:00`);
    const outside = (given(f.min) && day < daysFromToday(Number(f.min)))
      || (given(f.max) && day > daysFromToday(Number(f.max)))
      || (given(f.min_age) && !yearsOld(iso, Number(f.min_age)));
    return outside ? [null, t('check.outside', { rule: dateRule(f) })] : [iso, ''];
  }
  if (f.type === 'choice') {
    return (f.choices || []).some((c) => c.value === raw) ? [raw, ''] : [null, t('form.choice')];
  }
  if (f.type === 'thai-id') {
    const value = digits(String(raw));
    return isThaiId(value) ? [value, ''] : [null, t(value.length === 13 ? 'check.idChecksum' : 'form.thaiId')];
  }
  if (f.type === 'phone') {
    const value = digits(String(raw));
    return isPhone(value) ? [value, ''] : [null, t('form.phone')];
  }
  // file: a wallet document's id, or an upload still on the phone (not for a draft on the server)
  if (String(raw).startsWith('upload:')) return [draft ? null : raw, ''];
  const id = Number(raw);
  return Number.isInteger(id) && id > 0 ? [id, ''] : [null, t('check.need.file')];
}

/**
 * An error summary's line that takes the citizen to the field (GOV.UK's pattern): a link that
 * focuses the field's first control without changing the page's address.
 * @param {string} id the field's element id @param {string} text
 */
export function fieldLink(id, text) {
  const link = el('a', { href: `#${id}` }, text);
  link.addEventListener('click', (event) => {
    event.preventDefault();
    const target = document.getElementById(id);
    const controls = 'input, select, textarea';
    const control = target?.matches(controls) ? target : target?.querySelector(controls);
    target?.scrollIntoView({ block: 'center' });
    /** @type {HTMLElement | null | undefined} */ (control)?.focus();
  });
  return link;
}
