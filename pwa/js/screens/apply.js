// @ts-check
// Apply for a service: its form, prefilled from my profile, kept on the phone as I type
// (IndexedDB), optionally saved as a draft on the server, and submitted through the outbox
// with an Idempotency-Key: offline it waits ("waiting to send (1)") and is sent once when the
// connection returns. A queued submission the server refused comes back here
// (?fix=<outbox id>) with the server's messages next to the fields, to correct and send again.
// Before it goes: check your answers, and the declaration that they are true (review.js).
import { getJSON, send } from '../api.js';
import { t, pick, when, date, number, loadStrings } from '../i18n.js';
import { enqueue, retry, replay, list, answerTo } from '../outbox.js';
import { el } from '../views/dom.js';
import {
  page, summary, say, busy, button, problemText, fieldProblems, refusalText, signedIn, setFlash, showError, fieldLink,
} from './ui.js';
import { buildForm } from './form.js';
import { fresh, drafts, walletFor } from './local.js';

await loadStrings('more'); // check your answers' words

const AUTOSAVE_MS = 400;

/** @param {HTMLElement} root @param {URLSearchParams} params @param {RegExpMatchArray} match */
export async function render(root, params, match) {
  const slug = match[1];
  const me = signedIn(root, t('apply.title'));
  if (!me) return;
  root.replaceChildren(el('p', { class: 'status', role: 'status' }, t('loading')));
  const service = await getJSON(`/api/v1/services/${encodeURIComponent(slug)}`);
  const draftKey = `apply:${slug}`;
  const fixId = Number(params.get('fix'));
  let fixing = fixId ? (await list()).find((item) => item.id === fixId) : undefined;
  const local = await drafts.get(draftKey);
  let serverDraft = Number(params.get('draft')) || fixing?.meta?.draft || local?.draft || 0;

  /** @type {Record<string, any>} */
  let values;
  if (fixing) values = fixing.meta.answers;
  else if (local && (!params.get('draft') || local.draft === serverDraft)) values = local.raw;
  else if (serverDraft) values = (await fresh(`app:${serverDraft}`, `/api/v1/applications/${serverDraft}`)).answers;
  else values = prefilled(service.form, await fresh('profile', '/api/v1/me/profile').catch(() => ({})));

  const documents = await walletFor(service.form);

  const saved = el('p', { class: 'meta', id: 'draft-saved' });
  let timer = 0;
  const fields = buildForm(service.form, values, {
    documents,
    onChange() {
      clearTimeout(timer);
      timer = window.setTimeout(async () => {
        await drafts.put(draftKey, { raw: fields.raw(), draft: serverDraft });
        saved.textContent = t('apply.savedHere', { time: when(Date.now()) });
      }, AUTOSAVE_MS);
    },
  });
  const problems = summary();
  const serverSave = button(t('apply.saveServer'), () => busy(form, saveOnServer), 'secondary');
  const form = el('form', { novalidate: '' },
    problems,
    el('p', { class: 'meta' }, t('apply.intro')),
    fields.element,
    el('div', { class: 'actions-row' }, el('button', { type: 'submit' }, t('review.continue')), serverSave),
    saved,
  );
  page(root, t('apply.titleFor', { name: pick(service.name) }),
    el('p', {}, el('a', { href: `#/services/${slug}` }, t('apply.back'))),
    el('p', { class: 'meta' }, pick(service.agency.name)),
    form,
  );
  if (fixing?.error) showRefusal(fixing.error);
  if (service.required_assurance === 'verified_in_person' && me.assurance !== 'verified_in_person') {
    // The server would refuse it (403): say so now rather than queue what cannot be sent.
    form.replaceChildren(el('p', { class: 'warning' }, t('apply.assurance')));
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const { answers, errors } = fields.check();
    if (complain(errors)) return;
    say(problems, '');
    const review = reviewSection({
      fields: service.form,
      answers,
      documents,
      onChange(name) {
        review.remove();
        form.hidden = false;
        fieldLink(`f-${name}`, '').click();
      },
      onSubmit: () => busy(review, () => submit(answers)),
    });
    form.hidden = true;
    form.after(review);
  });

  /** @param {Record<string, string>} errors */
  function complain(errors) {
    fields.showErrors(errors);
    const names = Object.keys(errors);
    const items = names.map((n) => fieldLink(`f-${n}`, `${fields.label(n)}: ${errors[n]}`));
    say(problems, names.length ? t('form.problems') : '', items);
    return names.length > 0;
  }

  /** The server refused the queued submission: its words at the top, per field beside each. @param {any} error */
  function showRefusal(error) {
    const perField = fieldProblems(error);
    const known = Object.fromEntries(
      Object.entries(perField).filter(([n]) => service.form.some((/** @type {any} */ f) => f.name === n)),
    );
    fields.showErrors(known);
    say(
      problems,
      `${t('apply.refused')} ${refusalText(error)}`,
      Object.entries(known).map(([n, m]) => fieldLink(`f-${n}`, `${fields.label(n)}: ${m}`)),
    );
  }

  /** @param {Record<string, any>} answers */
  async function submit(answers) {
    clearTimeout(timer); // a late autosave would bring back the draft this submission replaces
    const meta = { kind: 'apply', slug, name: service.name, answers, draft: serverDraft || undefined };
    const body = { service: slug, answers, submit: true };
    let item;
    if (fixing) {
      item = fixing;
      const step = fixing.url.endsWith('/submit') ? 'submit' : fixing.method === 'PUT' ? 'save' : 'create';
      // A refused draft submission: the corrected answers go to the draft first (online: the server just answered).
      if (step === 'submit')
        await send('PUT', `/api/v1/applications/${serverDraft}/answers`, { answers }).catch(() => {});
      await retry(fixing.id, step === 'create' ? body : step === 'save' ? { answers } : undefined, meta);
    } else if (serverDraft) {
      await enqueue({
        method: 'PUT',
        url: `/api/v1/applications/${serverDraft}/answers`,
        body: { answers },
        meta: { ...meta, step: 'save' },
      });
      item = await enqueue({ url: `/api/v1/applications/${serverDraft}/submit`, meta });
    } else {
      item = await enqueue({ url: '/api/v1/applications', body, meta });
    }
    await drafts.delete(draftKey);
    await replay().catch(() => {});
    const queue = await list();
    const refused = queue.find((i) => i.state === 'failed' && i.meta?.slug === slug);
    if (refused) {
      fixing = refused;
      root.querySelector('section.review')?.remove(); // back to the form, the server's words beside the fields
      form.hidden = false;
      showRefusal(refused.error);
      return;
    }
    if (!queue.some((i) => i.id === item.id)) {
      const created = answerTo(item.id);
      setFlash(created?.tracking_code ? t('apply.sent', { code: created.tracking_code }) : t('apply.sentShort'));
      location.hash = created?.id ? `#/applications/${created.id}?sent=1` : '#/dashboard';
      return;
    }
    setFlash(t('apply.queued'));
    location.hash = '#/dashboard';
  }

  async function saveOnServer() {
    const { answers, errors } = fields.check(true);
    if (complain(errors)) return;
    try {
      if (serverDraft) await send('PUT', `/api/v1/applications/${serverDraft}/answers`, { answers });
      else
        serverDraft = (
          await send(
            'POST',
            '/api/v1/applications',
            { service: slug, answers, submit: false },
            { 'idempotency-key': crypto.randomUUID() },
          )
        ).id;
      await drafts.put(draftKey, { raw: fields.raw(), draft: serverDraft });
      saved.textContent = t('apply.savedServer', { time: when(Date.now()) });
    } catch (error) {
      if (!complain(fieldProblems(error))) say(problems, problemText(error));
    }
  }
  serverSave.hidden = Boolean(fixing);
}

/**
 * Answers the portal already knows (name, ID number, phone, address). @param {any[]} form @param {Record<string,
 * string>} profile
 */
function prefilled(form, profile) {
  return Object.fromEntries(
    form.filter((f) => f.prefill && profile[f.prefill]).map((f) => [f.name, profile[f.prefill]]),
  );
}

// Check your answers (GOV.UK's pattern) before an application goes: every answer as the agency
// will read it, a "Change" beside each that takes the citizen back to that field, and the
// declaration that it is true, which must be ticked before the one button that submits.
/**
 * @param {{fields: import('./fields.js').FormField[], answers: Record<string, any>,
 *   documents: Record<string, import('./fields.js').WalletDocument[]>, onChange: (name: string) => void,
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
 * document's name. @param {import('./fields.js').FormField} f @param {any} value
 * @param {Record<string, import('./fields.js').WalletDocument[]>} documents
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
