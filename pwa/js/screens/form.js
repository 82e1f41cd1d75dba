// @ts-check
// A service's form, drawn from its field schema (backend/catalog/forms.py) and checked with
// the rules the server applies (backend/applications/validation.py), so the server's 422 is a
// safety net. Dates show in the citizen's calendar (Buddhist era in Thai) and travel as ISO
// (YYYY-MM-DD); a file field picks a wallet document of its type, or uploads one after
// checking its size and type here (through the outbox: offline it waits on the phone).
import { t, pick, date, number, locale, currentLang, loadStrings } from '../i18n.js';
import { subscribe, discard, list } from '../outbox.js';
import { el } from '../views/dom.js';
import { field as labelled, showError, problemText, refusalText } from './ui.js';
import { validate, dateRule, isoDate } from './fields.js';

await loadStrings('more').catch(() => {}); // offline and not yet kept: their keys

const MAX_UPLOAD = 10 * 1024 * 1024; // DOCUMENT_MAX_BYTES' default (the server says 413 above its own)
const MAX_TEXT = 2000; // as checks.js
const LONG_TEXT = 200; // longer answers (addresses) get a text area
const RADIOS = 6; // more choices than this: a drop-down list
const BUDDHIST_ERA = 543;
/** The first bytes of what the wallet accepts (the server checks them too). */
const SIGNATURES = [
  [0x25, 0x50, 0x44, 0x46, 0x2d],
  [0xff, 0xd8, 0xff],
  [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
];
const AUTOFILL = /** @type {Record<string, string>} */ ({ full_name: 'name', phone: 'tel', address: 'street-address' });

/**
 * @typedef {import('./fields.js').FormField} FormField
 * @typedef {import('./fields.js').WalletDocument} WalletDocument
 * @typedef {{field: FormField, id: string, element: HTMLElement, raw: () => any}} Control
 */

/**
 * @param {FormField[]} fields
 * @param {Record<string, any>} values what to show at first: typed text, or answers as sent
 * @param {{documents: Record<string, WalletDocument[]>, onChange: () => void, camera?: boolean}} options camera: a
 * file field's first way is a new photo
 */
export function buildForm(fields, values, { documents, onChange, camera = false }) {
  const controls = fields.map(
    (f) => control(f, values[f.name], documents[f.document_type || ''] || [], onChange, camera),
  );
  const element = el('div', { class: 'form-fields' }, ...controls.map((c) => c.element));
  element.addEventListener('input', onChange);
  element.addEventListener('change', onChange);
  return {
    element,
    /** What is typed, as it is (for the draft). */
    raw: () => Object.fromEntries(controls.map((c) => [c.field.name, c.raw()])),
    /**
     * Answers as the server wants them, and a message per field that is not right (a draft may leave out required
     * ones).
     */
    check(draft = false) {
      /** @type {Record<string, any>} */
      const answers = {};
      /** @type {Record<string, string>} */
      const errors = {};
      for (const c of controls) {
        const [value, error] = validate(c.field, c.raw(), draft);
        if (error) errors[c.field.name] = error;
        else if (value !== null) answers[c.field.name] = value;
      }
      return { answers, errors };
    },
    /**
     * Show these messages next to their fields (and clear the others); focus the first. @param {Record<string, string>}
     * errors
     */
    showErrors(errors) {
      for (const c of controls) showError(c.id, errors[c.field.name] || '');
      const first = controls.find((c) => errors[c.field.name]);
      /** @type {HTMLElement | null} */ (first?.element.querySelector('input, select, textarea'))?.focus();
    },
    /** @param {string} name */
    label: (name) => { const f = fields.find((x) => x.name === name); return f ? pick(f.label) : name; },
  };
}

/**
 * @param {FormField} f @param {any} value @param {WalletDocument[]} docs @param {() => void} onChange
 * @param {boolean} camera @returns {Control}
 */
function control(f, value, docs, onChange, camera) {
  const id = `f-${f.name}`;
  const label = pick(f.label) + (f.required ? '' : ` ${t('form.optional')}`);
  const help = f.help ? pick(f.help) : '';
  if (f.type === 'date') return dateControl(f, id, label, value);
  if (f.type === 'file') return fileControl(f, id, label, value, docs, onChange, camera);
  if (f.type === 'choice' && (f.choices || []).length <= RADIOS) {
    const group = el('fieldset', { id, role: 'radiogroup', class: 'group' }, el('legend', {}, label));
    if (help) hint(group, id, help);
    group.append(el('p', { class: 'field-error', id: `${id}-error`, hidden: '' }));
    for (const [i, choice] of (f.choices || []).entries()) {
      const radio = el('input', { type: 'radio', name: f.name, value: choice.value, id: `${id}-${i}` });
      if (choice.value === value) radio.setAttribute('checked', '');
      group.append(el('label', { class: 'choice', for: `${id}-${i}` }, radio, el('span', {}, pick(choice.label))));
    }
    const raw = () => /** @type {HTMLInputElement | null} */ (group.querySelector('input:checked'))?.value || '';
    return { field: f, id, element: group, raw };
  }
  /** @type {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} */
  let input;
  if (f.type === 'choice') {
    input = /** @type {HTMLSelectElement} */ (
      el('select', { name: f.name }, el('option', { value: '' }, t('form.choose')))
    );
    for (const choice of f.choices || []) {
      const option = el('option', { value: choice.value }, pick(choice.label));
      if (choice.value === value) option.setAttribute('selected', '');
      input.append(option);
    }
  } else if (f.type === 'text' && (f.max_length || MAX_TEXT) > LONG_TEXT) {
    input = /** @type {HTMLTextAreaElement} */ (
      el('textarea', { name: f.name, rows: '3', maxlength: String(f.max_length || MAX_TEXT) })
    );
    input.value = value ?? '';
  } else {
    /** @type {Record<string, string>} */
    const attrs = {
      type: f.type === 'phone' ? 'tel' : 'text',
      name: f.name,
      value: value === undefined || value === null ? '' : String(value),
    };
    if (f.type === 'text') attrs.maxlength = String(f.max_length || MAX_TEXT);
    if (f.type === 'number') attrs.inputmode = 'decimal';
    if (f.type === 'thai-id') Object.assign(attrs, { inputmode: 'numeric', maxlength: '17' });
    attrs.autocomplete = AUTOFILL[f.prefill || ''] || 'off';
    input = /** @type {HTMLInputElement} */ (el('input', attrs));
  }
  const element = labelled(id, label, input, help || undefined);
  return { field: f, id, element, raw: () => input.value };
}

/** @param {HTMLElement} parent @param {string} id @param {string} text */
function hint(parent, id, text) {
  parent.append(el('p', { class: 'hint', id: `${id}-hint` }, text));
  parent.setAttribute('aria-describedby', `${id}-hint`);
}

/**
 * Day, month and year (Buddhist era in Thai), so nobody has to convert years in their head.
 * @param {FormField} f @param {string} id @param {string} label @param {any} value
 */
function dateControl(f, id, label, value) {
  const era = currentLang() === 'th' ? BUDDHIST_ERA : 0;
  const start = typeof value === 'string' ? value.split('-') : null; // an ISO answer
  const parts =
    start && start.length === 3
      ? { d: String(Number(start[2])), m: String(Number(start[1])), y: String(Number(start[0]) + era) }
      : {
          d: value?.d || '',
          m: value?.m || '',
          y: value?.y && value.era !== era ? String(Number(value.y) - value.era + era) : value?.y || '',
        };
  const day = /** @type {HTMLSelectElement} */ (
    el('select', { id: `${id}-d`, name: `${f.name}-d` }, el('option', { value: '' }, '–'))
  );
  for (let d = 1; d <= 31; d += 1) day.append(el('option', { value: String(d) }, String(d)));
  const month = /** @type {HTMLSelectElement} */ (
    el('select', { id: `${id}-m`, name: `${f.name}-m` }, el('option', { value: '' }, '–'))
  );
  const names = new Intl.DateTimeFormat(locale(), { month: 'long' });
  for (let m = 1; m <= 12; m += 1)
    month.append(el('option', { value: String(m) }, names.format(new Date(2000, m - 1, 15))));
  const year = /** @type {HTMLInputElement} */ (
    el('input', {
      id: `${id}-y`,
      name: `${f.name}-y`,
      type: 'text',
      inputmode: 'numeric',
      maxlength: '4',
      autocomplete: 'off',
      value: parts.y,
    })
  );
  day.value = parts.d;
  month.value = parts.m;
  const shown = el('p', { class: 'hint', id: `${id}-shown`, 'aria-live': 'polite' });
  const group = el('fieldset', { id, class: 'group' }, el('legend', {}, label));
  const help = [f.help ? pick(f.help) : '', dateRule(f)].filter(Boolean).join(' · ');
  if (help) hint(group, id, help);
  group.append(
    el('p', { class: 'field-error', id: `${id}-error`, hidden: '' }),
    el('div', { class: 'date-parts' },
      el('div', {}, el('label', { for: day.id }, t('form.day')), day),
      el('div', {}, el('label', { for: month.id }, t('form.month')), month),
      el('div', {}, el('label', { for: year.id }, t(era ? 'form.yearBE' : 'form.year')), year),
    ),
    shown,
  );
  const raw = () => ({ d: day.value, m: month.value, y: year.value.trim(), era });
  const show = () => {
    const iso = isoDate(raw());
    shown.textContent = iso
      ? new Intl.DateTimeFormat(locale(), { dateStyle: 'full' }).format(new Date(`${iso}T12:00:00`))
      : '';
  };
  group.addEventListener('input', show);
  group.addEventListener('change', show);
  show();
  return { field: f, id, element: group, raw };
}

/**
 * A wallet document of the field's type, picked from the list or uploaded now. An upload goes
 * through the outbox (upload.js): offline, or cut off, it waits on the phone, is shown here as
 * "waiting to send" and may be picked at once (the answer names it "upload:<key>" until it is
 * sent); the option becomes the document once the wallet has it.
 * @param {FormField} f @param {string} id @param {string} label @param {any} value @param {WalletDocument[]} docs
 * @param {() => void} onChange @param {boolean} camera
 */
function fileControl(f, id, label, value, docs, onChange, camera) {
  const group = el('fieldset', { id, class: 'group' }, el('legend', {}, label));
  hint(group, id, t(docs.some((d) => !d.queued) ? 'upload.pick' : 'upload.none'));
  const error = el('p', { class: 'field-error', id: `${id}-error`, hidden: '' });
  const options = el('div', { class: 'documents' });
  /** @param {WalletDocument} doc @param {boolean} chosen */
  const addOption = (doc, chosen) => {
    const radio = el('input', { type: 'radio', name: f.name, value: String(doc.id), id: `${id}-${doc.id}` });
    if (chosen && !doc.refused_by) radio.setAttribute('checked', '');
    options.append(el('label', { class: 'choice', for: radio.id }, radio, el('span', {}, describe(doc, label))));
  };
  for (const doc of docs)
    if (doc.queued !== 'failed') addOption(doc, value === doc.id || value === doc.alias || Number(value) === doc.id);
  const picker = /** @type {HTMLInputElement} */ (
    el('input', { type: 'file', id: `${id}-upload`, accept: 'application/pdf,image/jpeg,image/png' })
  );
  const progress = el('p', { class: 'hint', id: `${id}-progress`, role: 'status' });
  picker.setAttribute('aria-describedby', `${id}-upload-hint ${id}-progress`);
  const photo = /** @type {HTMLInputElement} */ (
    el('input', { type: 'file', id: `${id}-camera`, accept: 'image/*', capture: 'environment' })
  );
  group.append(error, camera ? el('div', { class: 'field camera' }, el('label', { for: photo.id }, t('upload.camera')),
    photo) : '', options,
    el('div', { class: 'field' },
      el('label', { for: picker.id }, t('upload.label')),
      el('p', { class: 'hint', id: `${id}-upload-hint` }, t('upload.hint', { mb: MAX_UPLOAD / 1024 / 1024 })),
      picker, progress));
  // Follow this field's uploads in the outbox (here, another tab): sent, refused, or still waiting.
  /** @param {import('../outbox.js').OutboxItem[]} items */
  const follow = async (items) => {
    for (const radio of /** @type {NodeListOf<HTMLInputElement>} */ (
      options.querySelectorAll('input[value^="upload:"]')
    )) {
      const item = items.find((i) => `upload:${i.idempotencyKey}` === radio.value);
      if (item?.state === 'waiting') {
        const sent = item.meta.upload?.offset;
        progress.textContent = !navigator.onLine
          ? t('upload.queued')
          : sent
            ? t('upload.progress', { n: Math.floor((100 * sent) / item.meta.size) })
            : t('upload.sending');
        continue;
      }
      const doc = item ? null : await (await import('../upload.js')).sent(radio.value.slice(7));
      if (doc) {
        radio.value = String(doc.id);
        /** @type {HTMLElement} */ (radio.nextElementSibling).textContent = describe(doc, label);
        progress.textContent = t('upload.done');
      } else {
        radio.closest('label')?.remove();
        progress.textContent = '';
        showError(id, item?.error ? refusalText(item.error) : t('upload.missing'));
      }
      onChange();
    }
  };
  const stop = subscribe(follow);
  addEventListener('hashchange', () => stop(), { once: true });
  /** @param {HTMLInputElement} input */
  const take = async (input) => {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    const problem = await checkFile(file);
    showError(id, problem);
    if (problem) return;
    try {
      const { queue } = await import('../upload.js');
      // A refused file of this type could never be sent: this one replaces it.
      for (const doc of docs) if (doc.queued === 'failed') await discard(/** @type {number} */ (doc.outbox));
      const item = await queue(file, f.document_type || '');
      addOption({ id: `upload:${item.idempotencyKey}`, label: file.name, document_type: f.document_type || '',
        size_bytes: file.size, created_at: new Date().toISOString(), queued: 'waiting' }, true);
      onChange();
      await follow(await list());
    } catch (failure) {
      showError(id, problemText(failure));
    }
  };
  picker.addEventListener('change', () => take(picker));
  photo.addEventListener('change', () => take(photo));
  const raw = () => {
    const chosen = /** @type {HTMLInputElement | null} */ (options.querySelector('input:checked'))?.value || '';
    return chosen.startsWith('upload:') ? chosen : Number(chosen) || '';
  };
  return { field: f, id, element: group, raw };
}

/** "Scan · 3 Dec 2569 · 120 KB", or "… · waiting to send". @param {WalletDocument} doc @param {string} label */
function describe(doc, label) {
  const size = t('upload.kb', { n: number(Math.max(1, Math.round(doc.size_bytes / 1024))) });
  const refused = doc.refused_by ? ` · ${t('upload.refused')}` : '';
  return `${doc.label || label} · ${doc.queued ? t('upload.waiting') : date(doc.created_at)} · ${size}${refused}`;
}

/** Why this file cannot go to the wallet ('' if it can): too big, or not a PDF, JPEG or PNG. @param {File} file */
export async function checkFile(file) {
  if (file.size > MAX_UPLOAD) return t('upload.tooLarge', { mb: MAX_UPLOAD / 1024 / 1024 });
  const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
  return SIGNATURES.some((sig) => sig.every((byte, i) => head[i] === byte)) ? '' : t('upload.type');
}
