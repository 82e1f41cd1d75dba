// @ts-check
// One application: where it stands, what the agency asked for (and the form to answer it,
// sent through the outbox), my answers and documents, the full status history, and withdraw
// while the agency has not decided. Read from the phone's copy when offline.
import { getJSON, send } from '../api.js';
import { t, pick, when, date, number, loadStrings } from '../i18n.js';
import { enqueue, retry, replay, list } from '../outbox.js';
import { el } from '../views/dom.js';
import {
  page,
  field,
  summary,
  say,
  busy,
  button,
  problemText,
  fieldProblems,
  refusalText,
  signedIn,
  setFlash,
  takeFlash,
} from './ui.js';
import { promised } from './promise.js';
import { sentBox, decisionBox, contactBox } from './journey.js';
import { buildForm } from './form.js';
import { feeSection } from './fee.js';
import { fresh, drafts, walletFor, said } from './local.js';

await loadStrings('more'); // each status's line of meaning (the one glossary)
await loadStrings('journey').catch(() => {}); // its label (offline and not yet kept: their keys)

/** @param {HTMLElement} root @param {URLSearchParams} params @param {RegExpMatchArray} match */
export async function render(root, params, match) {
  const id = Number(match[1]);
  if (!signedIn(root, t('detail.title'))) return;
  root.replaceChildren(el('p', { class: 'status', role: 'status' }, t('loading')));
  const app = await fresh(`app:${id}`, `/api/v1/applications/${id}`);
  /** @type {any} */
  const service = await getJSON(`/api/v1/services/${encodeURIComponent(app.service.slug)}`).catch(() => ({ form: [] }));
  /** @type {any[]} */
  const form = service.form;
  const fee = app.status === 'draft' ? null : await feeSection(id, service);
  // A visit to the office (booked, or to book): its code and words load only then.
  const visit = app.parts?.appointments
    ? (await import('../visit.js')).applicationVisit(app, () => render(root, new URLSearchParams(), match))
    : null;
  const byName = new Map(form.map((f) => [f.name, f]));
  const fixId = Number(params.get('fix'));
  const fixing = fixId ? (await list()).find((item) => item.id === fixId) : undefined;
  // The fields the agency asked for again (needs_info): required in the reply, whatever the
  // form says; and the wallet documents they may use.
  const asked = (app.action?.fields || []).map((/** @type {string} */ n) => byName.get(n)).filter(Boolean)
    .map((/** @type {any} */ f) => ({ ...f, required: true }));
  const wallet = await walletFor(asked);

  const answers = el('dl', { class: 'answers' });
  const documents = el('ul', {});
  for (const [name, value] of Object.entries(app.answers)) {
    const f = byName.get(name);
    const label = f ? pick(f.label) : name;
    answers.append(el('dt', {}, label), el('dd', {}, shown(f, value)));
    if (f?.type === 'file') {
      documents.append(
        el(
          'li',
          {},
          el(
            'a',
            { href: `/api/v1/documents/${value}/content`, target: '_blank', rel: 'noopener' },
            t('detail.view', { name: label }),
          ),
        ),
      );
    }
  }
  const history = el('ol', { class: 'history' }, ...app.history.map((/** @type {any} */ entry) => el('li', {},
    el('strong', {}, t(`state.${entry.status}`)), ` · ${when(entry.at)}`,
    entry.message && (entry.message.th || entry.message.en) ? el('p', {}, pick(entry.message)) : '',
  )));

  page(
    root,
    pick(app.service.name),
    params.get('sent') ? (takeFlash(), sentBox(app)) : takeFlash(),
    params.get('sent') ? fee : null, // just sent: what to pay and how, right after what happens next
    decisionBox(app),
    el(
      'p',
      { class: 'meta' },
      `${pick(app.service.agency_name)} · ${t('detail.tracking', { code: app.tracking_code })}`,
    ),
    el(
      'p',
      {},
      el('span', { class: `badge state-${app.status}` }, t(`state.${app.status}`)),
      ` · ${t('dashboard.changed', { time: when(app.updated_at) })}`,
    ),
    el('p', { class: 'meaning' }, t(`meaning.${app.status}`)),
    params.get('sent') ? null : promised(app.expected_by),
    app.action ? answerSection() : null,
    params.get('sent') ? null : fee,
    visit,
    app.status === 'draft' ? draftSection() : null,
    el('h2', {}, t('detail.answers')),
    answers,
    documents.childElementCount ? el('h2', {}, t('detail.documents')) : null,
    documents.childElementCount ? documents : null,
    el('h2', {}, t('detail.history')),
    history,
    app.can_withdraw ? withdrawSection() : null,
    contactBox(app),
    el('p', {}, el('a', { href: '#/dashboard' }, said('detail.back'))),
  );

  /** What the agency asked for, and the form to answer it (only the fields it named). */
  function answerSection() {
    const local = fixing?.meta ?? {};
    const fields = buildForm(asked, local.answers || {}, { documents: wallet, onChange() {}, camera: true });
    const problems = summary();
    const note = /** @type {HTMLTextAreaElement} */ (el('textarea', { name: 'message', rows: '3', maxlength: '1000' }));
    note.value = local.message || '';
    const reply = el('form', { novalidate: '' },
      problems, fields.element,
      field('answer-message', t('detail.message'), note),
      el('button', { type: 'submit' }, t('detail.sendAnswer')),
    );
    if (fixing?.error) {
      fields.showErrors(fieldProblems(fixing.error));
      say(problems, `${t('apply.refused')} ${refusalText(fixing.error)}`);
    }
    reply.addEventListener('submit', (event) => {
      event.preventDefault();
      const checked = fields.check();
      fields.showErrors(checked.errors);
      const names = Object.keys(checked.errors);
      say(
        problems,
        names.length ? t('form.problems') : '',
        names.map((n) => `${fields.label(n)}: ${checked.errors[n]}`),
      );
      if (names.length) return;
      busy(reply, async () => {
        const body = { answers: checked.answers, message: note.value.trim() };
        const meta = { kind: 'answer', id, name: app.service.name, ...body };
        const item = fixing ? fixing : await enqueue({ url: `/api/v1/applications/${id}/answer`, body, meta });
        if (fixing) await retry(fixing.id, body, meta);
        await replay().catch(() => {});
        const now = (await list()).find((i) => i.id === item.id);
        if (now?.state === 'failed') {
          fields.showErrors(fieldProblems(now.error));
          say(problems, `${t('apply.refused')} ${refusalText(now.error)}`);
          return;
        }
        setFlash(t(now ? 'apply.queued' : 'detail.answered'));
        const next = now ? '#/dashboard' : `#/applications/${id}`;
        if (location.hash === next) await render(root, new URLSearchParams(), match); // no hashchange
        else location.hash = next;
      });
    });
    return el('section', { class: 'action', 'aria-labelledby': 'todo-title' },
      el('h2', { id: 'todo-title' }, said('dashboard.todo')),
      el('p', {}, pick(app.action.message)),
      replyBy(app.action.reply_by),
      reply);
  }

  function draftSection() {
    const problem = el('p', { class: 'error', role: 'alert' });
    return el('div', { class: 'actions-row' }, problem,
      el('a', { class: 'button', href: `#/services/${app.service.slug}/apply?draft=${id}` }, t('dashboard.continue')),
      button(t('detail.discardDraft'), () => busy(root, async () => {
        try {
          await send('DELETE', `/api/v1/applications/${id}`);
          await drafts.delete(`apply:${app.service.slug}`);
          location.hash = '#/dashboard';
        } catch (error) {
          problem.textContent = problemText(error);
        }
      }), 'secondary'));
  }

  function withdrawSection() {
    const reason = /** @type {HTMLTextAreaElement} */ (el('textarea', { name: 'reason', rows: '2', maxlength: '500' }));
    const confirm = el('div', { class: 'warning', role: 'alert' });
    confirm.hidden = true;
    const go = button(t('detail.withdraw'), () => {
      if (confirm.hidden) {
        confirm.replaceChildren(el('p', {}, t('detail.withdrawSure')));
        confirm.hidden = false;
        return;
      }
      busy(root, async () => {
        try {
          await send('POST', `/api/v1/applications/${id}/withdraw`, { reason: reason.value.trim() });
          setFlash(t('meaning.withdrawn'));
          await render(root, new URLSearchParams(), match);
        } catch (error) {
          confirm.replaceChildren(el('p', {}, problemText(error)));
        }
      });
    }, 'danger');
    return el('section', { 'aria-labelledby': 'withdraw-title' },
      el('h2', { id: 'withdraw-title' }, t('detail.withdrawTitle')),
      el('p', {}, t('detail.withdrawIntro')),
      field('withdraw-reason', t('detail.reason'), reason),
      confirm, go);
  }
}

/** The agency's last day, and what follows it. @param {string | undefined} day ISO date */
function replyBy(day) {
  if (!day) return '';
  return el('p', { class: 'reply-by' }, el('strong', {}, t('reply.by', { date: date(`${day}T12:00:00`) })), ' ',
    t('reply.after'));
}

/**
 * An answer as the citizen reads it: the choice's label, a date in their calendar. @param {any} f @param {any} value
 */
function shown(f, value) {
  if (f?.type === 'choice')
    return pick(f.choices.find((/** @type {any} */ c) => c.value === value)?.label || { th: value, en: value });
  if (f?.type === 'date') return date(`${value}T12:00:00`);
  if (f?.type === 'number') return number(value);
  if (f?.type === 'file') return t('detail.attached');
  return String(value);
}
