// @ts-check
// Fields, and the pages of My account made of them.
// What a form field accepts, in words, and exactly what is wrong with an answer: a message for
// each kind of field (a choice, a date, a number, text, a file…) and each date or age rule said
// as people say it ("อายุ 60 ปีขึ้นไป"), not as a date limit. The same rules as the server's
// (backend/applications/validation.py), whose 422 stays the safety net. Error summaries link to
// their fields.
// My details (name and ID number, changed only in person; phone and address shown and changed
// here, the server checks, records who changed them and tells the citizen), "who accessed my
// data" (the activity log of every read or change, newest first, in words; #/account?show=activity)
// and my data as a page to read, print or save as PDF (#/account?show=data), JSON second.
// One module rather than two: every module is a line in the service worker's list, which each
// first visit downloads.
import { getJSON, send } from '../api.js';
import { t, when, number, loadStrings } from '../i18n.js';
import { el } from '../views/dom.js';
import {
  page, loading, field, showError, button, busy, problemText, fieldProblems, summary, say, isPhone, digits, isThaiId,
  fieldLink,
} from './ui.js';

await loadStrings('more'); // these words: only with the forms and My account


const MAX_TEXT = 2000;

/**
 * @typedef {{th: string, en: string}} I18n
 * @typedef {{name: string, type: string, label: I18n, required?: boolean, help?: I18n, min?: number, max?: number,
 * min_age?: number, min_length?: number, max_length?: number, choices?: {value: string, label: I18n}[],
 * prefill?: string, document_type?: string}} FormField a field of a service's form (backend/catalog/forms.py)
 * @typedef {{id: number | string, label: string, document_type: string, size_bytes: number, created_at: string,
 * queued?: 'waiting' | 'failed', outbox?: number, alias?: string, refused_by?: number}} WalletDocument a document, or
 * an upload still in the outbox (refused_by: an agency said it was unclear; never chosen for the citizen)
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

/** "1 2345 67890 12 3", as on the card. @param {string} id */
export function groupedId(id) {
  return id.length === 13 ? `${id[0]} ${id.slice(1, 5)} ${id.slice(5, 10)} ${id.slice(10, 12)} ${id[12]}` : id;
}

/**
 * @param {{full_name: string, national_id?: string, phone?: string, address?: string}} profile
 * @param {(profile: any) => void} onSaved
 * @returns {HTMLElement}
 */
export function profileSection(profile, onSaved) {
  const section = el('section', { class: 'profile', 'aria-labelledby': 'profile-title' });
  const status = el('p', { class: 'flash', role: 'status' });
  status.hidden = true;
  show();
  return section;

  function show() {
    const shown = (/** @type {string | undefined} */ value) => value || t('profile.none');
    section.replaceChildren(
      el('h2', { id: 'profile-title' }, t('profile.title')),
      status,
      el('dl', { class: 'answers' },
        el('dt', {}, t('profile.name')), el('dd', {}, profile.full_name),
        el('dt', {}, t('profile.nationalId')), el('dd', {}, groupedId(profile.national_id || '')),
        el('dt', {}, t('profile.phone')), el('dd', { id: 'profile-phone' }, shown(profile.phone)),
        el('dt', {}, t('profile.address')), el('dd', { id: 'profile-address' }, shown(profile.address)),
      ),
      el('p', { class: 'meta' }, t('profile.fixedHint')),
      button(t('profile.edit'), edit, 'secondary'),
    );
  }

  function edit() {
    const phone = /** @type {HTMLInputElement} */ (
      el('input', { type: 'tel', inputmode: 'tel', autocomplete: 'tel', maxlength: '20', value: profile.phone || '' })
    );
    const address = /** @type {HTMLTextAreaElement} */ (
      el('textarea', { rows: '3', maxlength: '300', autocomplete: 'street-address' })
    );
    address.value = profile.address || '';
    const problems = summary();
    const form = el('form', { novalidate: '' },
      el('h2', { id: 'profile-title' }, t('profile.title')),
      problems,
      field('profile-phone-input', t('profile.phone'), phone, t('profile.phoneHint')),
      field('profile-address-input', t('profile.address'), address, t('profile.addressHint')),
      el('div', { class: 'actions-row' },
        el('button', { type: 'submit' }, t('profile.save')),
        button(t('passkeys.cancel'), show, 'secondary'),
      ),
    );
    section.replaceChildren(form);
    phone.focus();
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const number = digits(phone.value.trim());
      /** @type {Record<string, string>} */
      const errors = {};
      if (number && !isPhone(number)) errors.phone = t('profile.phoneBad');
      if (address.value.trim().length > 300) errors.address = t('profile.addressLong');
      complain(errors);
      if (Object.keys(errors).length) return;
      busy(form, async () => {
        try {
          profile = await send('PATCH', '/api/v1/me/profile', { phone: number, address: address.value.trim() });
        } catch (error) {
          const said = fieldProblems(error);
          if (!complain(said)) say(problems, problemText(error));
          return;
        }
        onSaved(profile);
        show();
        status.textContent = t('profile.saved');
        status.hidden = false;
      });
    });

    /** @param {Record<string, string>} errors */
    function complain(errors) {
      showError('profile-phone-input', errors.phone || '');
      showError('profile-address-input', errors.address || '');
      /** @type {Record<string, string>} */
      const ids = { phone: 'profile-phone-input', address: 'profile-address-input' };
      const items = Object.entries(errors).map(([name, text]) => fieldLink(ids[name] || name, text));
      say(problems, items.length ? t('form.problems') : '', items);
      return items.length > 0;
    }
  }
}

// Who accessed my data.
const PAGE = 50;
const AREAS = new Set(['account', 'application', 'document', 'passkey', 'session', 'signin', 'assisted', 'recovery',
  'delegation', 'data', 'digital_id', 'enrol', 'fee', 'appointment']);
const BY = new Set(['me', 'operator', 'officer', 'agency_api', 'admin', 'citizen']);
/** Actions that read, not change (the rest change something, or sign in and out). */
const READS = /(?:^|\.)(?:read|viewed|exported)$/;

/**
 * @typedef {{id: number, at: string, action: string, by: string, by_name?: string, kiosk?: string}} Entry
 */

/** Who accessed my data. @param {HTMLElement} root */
export async function activity(root) {
  root.replaceChildren(el('h1', {}, t('activity.title')), loading());
  const list = el('ol', { class: 'cards' });
  const more = el('button', { type: 'button', class: 'secondary' }, t('activity.more'));
  const status = el('p', { role: 'status' });
  let before = 0;
  more.addEventListener('click', () => next().catch((error) => { status.textContent = problemText(error); }));
  await next().catch((error) => { status.textContent = problemText(error); });
  page(root, t('activity.title'),
    el('p', {}, t('activity.intro')),
    status, list, more,
    el('p', {}, el('a', { href: '#/account' }, t('activity.back'))),
  );

  async function next() {
    /** @type {Entry[]} */
    const entries = await getJSON(`/api/v1/me/activity?limit=${PAGE}${before ? `&before=${before}` : ''}`);
    list.append(...entries.map(item));
    if (!list.childElementCount) status.textContent = t('activity.empty');
    before = entries.length ? entries[entries.length - 1].id : before;
    more.hidden = entries.length < PAGE;
  }
}

/** @param {Entry} entry */
function item(entry) {
  const area = entry.action.split('.')[0];
  const what = t(`activity.what.${AREAS.has(area) ? area : 'other'}`);
  const verb = t(READS.test(entry.action) ? 'activity.verb.read' : 'activity.verb.changed');
  const byKey = BY.has(entry.by) ? entry.by : 'system';
  const who = t(`activity.by.${byKey}`, { name: entry.by_name || '' }).trim();
  const where = entry.kiosk ? ` ${t('activity.at', { kiosk: entry.kiosk })}` : '';
  return el('li', { class: 'card' },
    el('p', {}, el('strong', {}, `${who}${where}`), ` · ${verb} ${what}`),
    el('p', { class: 'meta' }, el('time', { datetime: entry.at }, when(entry.at))),
  );
}

// My data as a page.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** My data as a page. @param {HTMLElement} root */
export async function myData(root) {
  root.replaceChildren(el('h1', {}, t('mydata.title')), loading());
  /** @type {Record<string, any>} */
  let data;
  try {
    data = await getJSON('/api/v1/me/export');
  } catch (error) {
    page(root, t('mydata.title'), el('p', { role: 'alert' }, problemText(error)));
    return;
  }
  const { exported_at: at, ...parts } = data;
  page(root, t('mydata.title'),
    el('p', {}, t('mydata.intro', { time: when(at) })),
    el('div', { class: 'actions-row' },
      button(t('mydata.print'), () => print()),
      el('a', { class: 'button secondary', href: '/api/v1/me/export', download: '' }, t('account.json'))),
    ...Object.entries(parts).map(([name, value]) => el('section', { class: 'mydata' },
      el('h2', {}, name.replace(/_/g, ' ')), shown(value))),
    el('p', {}, el('a', { href: '#/account' }, t('activity.back'))),
  );
}

/** A value as a person reads it: lists of items, each a list of its fields. @param {any} value @returns {Node} */
function shown(value) {
  if (Array.isArray(value)) {
    return value.length ? el('ol', { class: 'plain' }, ...value.map((v) => el('li', {}, shown(v)))) : text(null);
  }
  if (value && typeof value === 'object') {
    return el('dl', { class: 'answers' },
      ...Object.entries(value).flatMap(([k, v]) => [el('dt', {}, k.replace(/_/g, ' ')), el('dd', {}, shown(v))]));
  }
  return text(value);
}

/** @param {any} value */
function text(value) {
  if (value === null || value === undefined || value === '') return document.createTextNode(t('mydata.empty'));
  return document.createTextNode(typeof value === 'string' && ISO_TIME.test(value) ? when(value) : String(value));
}
