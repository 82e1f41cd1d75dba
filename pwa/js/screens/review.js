// @ts-check
// Check your answers (GOV.UK's pattern) before an application goes: every answer as the agency
// will read it, a "Change" beside each that takes the citizen back to that field, and the
// declaration that it is true, which must be ticked before the one button that submits.
import { t, pick, date, number, loadStrings } from '../i18n.js';
import { el } from '../views/dom.js';
import { summary, say, showError } from './ui.js';
import { fieldLink } from './checks.js';

await loadStrings('form'); // (checks.js loads them too: said here, as each module that uses them does)

/**
 * @param {{fields: import('./checks.js').FormField[], answers: Record<string, any>,
 *   documents: Record<string, import('./checks.js').WalletDocument[]>, onChange: (name: string) => void,
 *   onSubmit: () => Promise<void>}} options
 * @returns {HTMLElement}
 */
export function reviewSection({ fields, answers, documents, onChange, onSubmit }) {
  const list = el('dl', { class: 'answers' });
  for (const f of fields) {
    const label = pick(f.label);
    const named = t('review.changeField', { label });
    const change = el('button', { type: 'button', class: 'secondary', 'aria-label': named }, t('review.change'));
    change.addEventListener('click', () => onChange(f.name));
    list.append(el('dt', {}, label), el('dd', {}, answerText(f, answers[f.name], documents), ' ', change));
  }
  const problems = summary();
  const box = /** @type {HTMLInputElement} */ (el('input', { type: 'checkbox', id: 'declare', name: 'declare' }));
  const declaration = el('div', { class: 'field', id: 'declare-field' },
    el('p', { class: 'field-error', id: 'declare-error', hidden: '' }),
    el('label', { class: 'choice', for: 'declare' }, box, el('span', {}, t('review.declare'))));
  const go = el('button', { type: 'submit' }, t('review.submit'));
  const form = el('form', { novalidate: '' }, declaration, go);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const missing = box.checked ? '' : t('review.declareNeeded');
    showError('declare', missing);
    say(problems, missing ? t('form.problems') : '', missing ? [fieldLink('declare', missing)] : []);
    if (missing) return;
    go.setAttribute('disabled', '');
    try {
      await onSubmit();
    } finally {
      go.removeAttribute('disabled');
    }
  });
  const heading = el('h2', { id: 'review-title', tabindex: '-1' }, t('review.title'));
  const section = el('section', { class: 'review', 'aria-labelledby': 'review-title' },
    problems, heading, el('p', { class: 'meta' }, t('review.intro')), list, form);
  queueMicrotask(() => heading.focus());
  return section;
}

/**
 * An answer as a person reads it: a choice's words, a date in the citizen's calendar, a
 * document's name. @param {import('./checks.js').FormField} f @param {any} value
 * @param {Record<string, import('./checks.js').WalletDocument[]>} documents
 */
function answerText(f, value, documents) {
  if (value === undefined || value === null || value === '') return t('review.none');
  if (f.type === 'choice') return pick(f.choices?.find((c) => c.value === value)?.label || { th: value, en: value });
  if (f.type === 'date') return date(`${value}T12:00:00`);
  if (f.type === 'number') return number(value);
  if (f.type === 'file') {
    const docs = documents[f.document_type || ''] || [];
    const doc = docs.find((d) => d.alias === value || String(d.id) === String(value));
    return doc?.label || pick(f.label);
  }
  return String(value);
}
