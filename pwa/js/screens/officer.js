// @ts-check
// The officer console, for agencies without their own system: my agency's queue with filters
// (status, service, waiting time), one application (applicant, answers, documents to download,
// history) and a status change with a message in Thai and English; "needs information" names
// the fields the citizen must fill again. The server scopes everything to the officer's
// agency and audits every view; nothing here is kept on the device (answers are private).
import { ApiError, getJSON, send } from '../api.js';
import { t, pick, when, date, number, money, loadStrings } from '../i18n.js';
import { account } from '../session.js';
import { el } from '../views/dom.js';
import { page, field, showError, summary, say, busy, problemText, fieldProblems, setFlash, takeFlash } from './ui.js';

await loadStrings('staff'); // staff words: never downloaded by a citizen's phone
await loadStrings('more'); // each status's line of meaning, as the citizen reads it
await loadStrings('journey'); // and its label

const BASE = '/api/v1/officer';
const PAGE = 20;
const STATUSES = ['submitted', 'received', 'in_review', 'needs_info', 'approved', 'rejected', 'completed', 'withdrawn'];
const AGES = [1, 3, 7, 14, 30];
/** What the officer searched for: kept here, not in the address, so an ID number typed at a
 * shared counter stays out of the browser's history. Cleared when the queue is left. */
let searched = '';
/** What an agency may do from each status (backend/applications/status.py AGENCY_TRANSITIONS). */
const NEXT = /** @type {Record<string, string[]>} */ ({
  submitted: ['received', 'in_review', 'rejected'],
  received: ['in_review', 'needs_info', 'rejected'],
  in_review: ['needs_info', 'approved', 'rejected'],
  needs_info: ['in_review', 'rejected'],
  approved: ['completed'],
});

/** @param {HTMLElement} root @param {URLSearchParams} params @param {RegExpMatchArray} match */
export async function render(root, params, match) {
  const me = account();
  if (!me || me.role !== 'officer') {
    page(
      root,
      t('officer.title'),
      el('p', {}, t('staff.needed')),
      el(
        'p',
        {},
        el('a', { class: 'button', href: `#/signin?next=${encodeURIComponent(location.hash)}` }, t('signin.title')),
      ),
    );
    return;
  }
  // No citizen menu for an officer (app.css): set here, not in app.js, which every first visit loads.
  document.body.dataset.role = 'officer';
  // Drawn again (a sign-in's account change, a hash change): the heading stays while it loads.
  const heading = root.querySelector('h1');
  root.replaceChildren(...(heading ? [heading] : []), el('p', { class: 'status', role: 'status' }, t('loading')));
  if (params.has('appointments')) return (await import('../staff/office-day.js')).render(root, params);
  if (match[1]) return detail(root, Number(match[1]));
  if (match[2]) return performance(root);
  return queue(root, params, me.agency || '');
}

/** @param {HTMLElement} root @param {URLSearchParams} params @param {string} agency */
async function queue(root, params, agency) {
  const offset = Number(params.get('offset') || 0);
  const chosen = {
    status: params.get('status') || '',
    service: params.get('service') || '',
    min_age_days: params.get('min_age_days') || '',
  };
  const q = searched;
  const [found, services] = await Promise.all([
    getJSON(`${BASE}/applications`, { ...chosen, ...(q ? { q } : {}), limit: PAGE, offset }),
    agency ? getJSON('/api/v1/services', { agency, limit: 50 }).then((r) => r.items, () => []) : Promise.resolve([]),
  ]);
  const status = select(
    'status',
    [['', t('officer.active')], ...STATUSES.map((s) => [s, t(`state.${s}`)])],
    chosen.status,
  );
  const service = select(
    'service',
    [['', t('catalog.all')], ...services.map((/** @type {any} */ s) => [s.slug, pick(s.name)])],
    chosen.service,
  );
  const age = select(
    'min_age_days',
    [['', t('officer.anyAge')], ...AGES.map((n) => [String(n), t('officer.olderThan', { n })])],
    chosen.min_age_days,
  );
  const filters = el(
    'form',
    { class: 'filters' },
    field('status', t('officer.status'), status),
    field('service', t('officer.service'), service),
    field('min_age_days', t('officer.age'), age),
  );
  const go = () => {
    const query = new URLSearchParams();
    for (const box of [status, service, age]) if (box.value) query.set(box.name, box.value);
    location.hash = `#/officer${query.size ? `?${query}` : ''}`;
  };
  filters.addEventListener('change', go);
  filters.addEventListener('submit', (event) => { event.preventDefault(); go(); });
  const box = /** @type {HTMLInputElement} */ (el('input', { type: 'search', maxlength: '40', autocomplete: 'off' }));
  box.value = q;
  const search = el('form', { class: 'filters', role: 'search' },
    field('officer-q', t('officer.search'), box, t('officer.searchHint')),
    el('div', { class: 'actions-row' }, el('button', { type: 'submit' }, t('officer.searchGo')),
      q ? el('button', { type: 'button', class: 'secondary', id: 'officer-q-clear' }, t('officer.searchClear')) : ''));
  search.addEventListener('submit', (event) => {
    event.preventDefault();
    searched = box.value.trim();
    queue(root, params, agency);
  });
  search.querySelector('#officer-q-clear')?.addEventListener('click', () => {
    searched = '';
    queue(root, params, agency);
  });
  addEventListener('hashchange', () => { searched = ''; }, { once: true });
  /** @param {number} to */
  const pageLink = (to) => {
    const query = new URLSearchParams(params);
    query.set('offset', String(to));
    return `#/officer?${query}`;
  };
  const pager = el('nav', { class: 'pager', 'aria-label': t('catalog.pages') });
  if (offset > 0) pager.append(el('a', { href: pageLink(Math.max(0, offset - PAGE)) }, t('catalog.prev')));
  if (offset + PAGE < found.total) pager.append(el('a', { href: pageLink(offset + PAGE) }, t('catalog.next')));
  page(
    root,
    t('officer.title'),
    takeFlash(),
    el('p', {}, el('a', { href: '#/officer/performance' }, t('officer.performance'))),
    el('p', {}, el('a', { href: '#/officer?appointments' }, t('officeDay.title'))),
    search,
    q ? null : filters,
    el(
      'p',
      { class: 'status', role: 'status' },
      found.total ? t('officer.found', { n: number(found.total) }) : t('officer.none'),
    ),
    el(
      'ul',
      { class: 'cards' },
      ...found.items.map((/** @type {any} */ item) =>
        el(
          'li',
          { class: 'card' },
          el(
            'h2',
            {},
            el(
              'a',
              { href: `#/officer/applications/${item.id}` },
              `${item.tracking_code} · ${pick(item.service_name)}`,
            ),
          ),
          el(
            'p',
            {},
            el('span', { class: `badge state-${item.status}` }, t(`state.${item.status}`)),
            ` · ${t('officer.waiting', { n: number(item.age_days) })}`,
            ` · ${t(`kiosk.assurance.${item.assurance || 'self_asserted'}`)}`,
          ),
          item.identity_disputed ? el('p', { class: 'warning' }, t('officer.disputed')) : '',
          item.overdue ? el('p', { class: 'warning' }, t('officer.late', { date: date(item.expected_by) })) : '',
          item.fee ? feeLine(item.fee, item.fee_satang) : '',
          el('p', { class: 'meta' }, t('dashboard.changed', { time: when(item.updated_at) })),
        ),
      ),
    ),
    pager,
  );
}

const FIGURES = ['received', 'online_pct', 'kiosk_pct', 'median_days', 'p90_days', 'within_promise_pct', 'push_pct'];

/** A figure, or a dash for one drawn from too few applications. @param {{value: number|null}} f */
const figure = (f) => (f.value === null ? '–' : number(f.value));

/**
 * My agency's figures for the newest month (the public ones) and its applications past the promised time.
 * @param {HTMLElement} root
 */
async function performance(root) {
  const found = await getJSON(`${BASE}/performance`);
  const agency = found.agency;
  /** @param {string} name @param {any} months */
  const row = (name, months) =>
    el('tr', {}, el('th', { scope: 'row' }, name), ...FIGURES.map((k) => el('td', {}, figure(months.at(-1)[k]))));
  const figures = agency
    ? [
        el('p', {}, t('officer.eservice', { done: agency.e_service.end_to_end, all: agency.e_service.services })),
        el('div', { class: 'table-wrap', role: 'region', 'aria-labelledby': 'perf-caption', tabindex: '0' },
          el('table', { class: 'figures' },
            el('caption', { id: 'perf-caption' }, t('officer.month', { month: agency.months.at(-1).month })),
            el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('officer.service')),
              ...FIGURES.map((k) => el('th', { scope: 'col' }, t(`perf.${k}`))))),
            el('tbody', {}, row(t('catalog.all'), agency.months),
              ...agency.services.map((/** @type {any} */ s) => row(pick(s.name), s.months))))),
        el('p', { class: 'meta' }, t('officer.fewer')),
      ]
    : [el('p', { class: 'status' }, t('officer.notReady'))];
  const late = found.overdue.map((/** @type {any} */ o) => el('li', {},
    el('a', { href: `#/officer/applications/${o.id}` }, `${o.tracking_code} · ${pick(o.service_name)}`),
    ` · ${t(`state.${o.status}`)} · ${t('officer.overdueBy', { n: number(o.days_overdue) })}`));
  page(
    root,
    t('officer.performance'),
    el('p', {}, el('a', { href: '#/officer' }, t('officer.back'))),
    ...figures,
    el('h2', {}, t('officer.overdue', { n: number(found.overdue_total) })),
    late.length ? el('ul', { class: 'links' }, ...late) : el('p', {}, t('officer.overdueNone')),
  );
}

/** @param {HTMLElement} root @param {number} id */
async function detail(root, id) {
  const app = await getJSON(`${BASE}/applications/${id}`);
  /** @type {any[]} */
  const form = (await getJSON(`/api/v1/services/${encodeURIComponent(app.service)}`).catch(() => ({ form: [] }))).form;
  const byName = new Map(form.map((f) => [f.name, f]));
  const label = (/** @type {string} */ name) => (byName.has(name) ? pick(byName.get(name).label) : name);
  const answers = el('dl', { class: 'answers' });
  for (const [name, value] of Object.entries(app.answers)) {
    if (byName.get(name)?.type === 'file') continue; // listed with the documents
    answers.append(el('dt', {}, label(name)), el('dd', {}, shown(byName.get(name), value)));
  }
  const documents = app.documents.map((/** @type {any} */ doc) => el('li', {},
    el('a', { href: doc.url, download: '' }, t('officer.download', { name: label(doc.field) })),
    ` · ${doc.content_type} · ${t('upload.kb', { n: number(Math.max(1, Math.round(doc.size_bytes / 1024))) })}`));
  const history = el('ol', { class: 'history' }, ...app.history.map((/** @type {any} */ entry) => el('li', {},
    el('strong', {}, t(`state.${entry.status}`)), ` · ${when(entry.at)}`,
    entry.message && (entry.message.th || entry.message.en) ? el('p', {}, pick(entry.message)) : '')));
  const applicant = app.applicant;
  page(
    root,
    `${app.tracking_code} · ${pick(app.service_name)}`,
    takeFlash(),
    el('p', {}, el('a', { href: '#/officer' }, t('officer.back'))),
    el(
      'p',
      {},
      el('span', { class: `badge state-${app.status}` }, t(`state.${app.status}`)),
      app.submitted_at ? ` · ${t('officer.submitted', { date: date(app.submitted_at) })}` : '',
    ),
    el('p', { class: 'meta' }, t(`meaning.${app.status}`)), // what the citizen is told it means
    el('h2', {}, t('officer.applicant')),
    app.identity_disputed ? el('p', { class: 'warning', role: 'alert' }, t('officer.disputedLead')) : null,
    el(
      'dl',
      { class: 'answers' },
      el('dt', {}, t('enrol.name')),
      el('dd', {}, applicant.full_name),
      el('dt', {}, t('enrol.id')),
      el('dd', {}, applicant.national_id || '–'),
      el('dt', {}, t('officer.assurance')),
      el('dd', {}, t(`kiosk.assurance.${applicant.assurance}`)),
    ),
    app.submitted_by
      ? el('p', { class: 'warning' }, t(`officer.by.${app.submitted_by.role}`, { name: app.submitted_by.full_name }))
      : null,
    app.fee ? el('h2', {}, t('fee.title')) : null,
    app.fee ? feeLine(app.fee.state, app.fee.amount_satang) : null,
    app.fee ? el('p', { class: 'meta' }, t('officer.feeDetail', {
      ref1: app.fee.reference1, ref2: app.fee.reference2,
      date: date(app.fee.paid_at || app.fee.due_at), receipt: app.fee.receipt_number || '–' })) : null,
    el('h2', {}, t('detail.answers')),
    answers,
    el('h2', {}, t('detail.documents')),
    documents.length ? el('ul', {}, ...documents) : el('p', {}, t('officer.noDocuments')),
    NEXT[app.status] ? changeForm(root, app, form) : null,
    el('h2', {}, t('detail.history')),
    history,
  );
}

/**
 * The status change: next status, a message in both languages, and for needs_info the fields. @param {HTMLElement} root
 * @param {any} app @param {any[]} form
 */
function changeForm(root, app, form) {
  const problems = summary();
  const next = select('new-status', [['', t('form.choose')], ...NEXT[app.status].map((s) => [s, t(`state.${s}`)])], '');
  const th = /** @type {HTMLTextAreaElement} */ (el('textarea', { rows: '3', maxlength: '1000', lang: 'th' }));
  const en = /** @type {HTMLTextAreaElement} */ (el('textarea', { rows: '3', maxlength: '1000', lang: 'en' }));
  const needs = el('fieldset', { id: 'needs', class: 'group' }, el('legend', {}, t('officer.needs')),
    el('p', { class: 'field-error', id: 'needs-error', hidden: '' }),
    ...form.map((f, i) => el('label', { class: 'choice', for: `need-${i}` },
      el('input', { type: 'checkbox', id: `need-${i}`, value: f.name }), el('span', {}, pick(f.label)))));
  const replyBy = /** @type {HTMLInputElement} */ (el('input', { type: 'date' }));
  const replyField = field('reply-by', t('officer.replyBy'), replyBy, t('officer.replyByHint'));
  needs.hidden = replyField.hidden = true;
  next.addEventListener('change', () => { needs.hidden = replyField.hidden = next.value !== 'needs_info'; });
  const change = el('form', { novalidate: '' }, problems,
    field('new-status', t('officer.newStatus'), next),
    field('message-th', t('officer.messageTh'), th, t('officer.messageHint')),
    field('message-en', t('officer.messageEn'), en),
    needs, replyField,
    el('button', { type: 'submit' }, t('officer.save')));
  // One key per change the officer means to make: a retry after a lost answer is not a second change.
  let key = crypto.randomUUID();
  change.addEventListener('input', () => { key = crypto.randomUUID(); });
  change.addEventListener('submit', (event) => {
    event.preventDefault();
    const fields = [...needs.querySelectorAll('input:checked')].map(
      (box) => /** @type {HTMLInputElement} */ (box).value,
    );
    const errors = {
      'new-status': next.value ? '' : t('form.required'),
      'message-th':
        next.value === 'needs_info' && !th.value.trim() && !en.value.trim() ? t('officer.messageNeeded') : '',
      needs: next.value === 'needs_info' && !fields.length ? t('officer.needsNeeded') : '',
    };
    for (const [name, text] of Object.entries(errors)) showError(name, text);
    const wrong = Object.values(errors).filter(Boolean);
    if (wrong.length) { say(problems, t('form.problems'), wrong); return; }
    busy(change, async () => {
      const body = {
        status: next.value,
        message: { th: th.value.trim(), en: en.value.trim() },
        needs: next.value === 'needs_info' ? fields : [],
        ...(next.value === 'needs_info' && replyBy.value ? { reply_by: replyBy.value } : {}),
      };
      try {
        await send('POST', `${BASE}/applications/${app.id}/status`, body, { 'idempotency-key': key });
        setFlash(t('officer.changed', { status: t(`state.${body.status}`) }));
        await detail(root, app.id);
      } catch (error) {
        const perField = fieldProblems(error);
        if (perField.needs) showError('needs', perField.needs);
        showError('reply-by', perField.reply_by || '');
        say(
          problems,
          error instanceof ApiError && error.status === 409
            ? `${t('officer.conflict')} ${problemText(error)}`
            : problemText(error),
        );
      }
    });
  });
  return el(
    'section',
    { 'aria-labelledby': 'change-title' },
    el('h2', { id: 'change-title' }, t('officer.changeTitle')),
    change,
  );
}

/** @param {string} name @param {string[][]} options [value, label] @param {string} chosen */
function select(name, options, chosen) {
  const box = /** @type {HTMLSelectElement} */ (el('select', { name }));
  for (const [value, text] of options) box.append(el('option', { value }, text));
  box.value = chosen;
  return box;
}

/** An answer as the officer reads it. @param {any} f @param {any} value */
function shown(f, value) {
  if (f?.type === 'choice')
    return pick(f.choices.find((/** @type {any} */ c) => c.value === value)?.label || { th: value, en: value });
  if (f?.type === 'date') return date(`${value}T12:00:00`);
  return String(value);
}

/** A fee's state and amount: due, overdue (a warning: the agency decides) or paid.
 * @param {'due' | 'overdue' | 'paid' | 'cancelled'} state @param {number} satang */
function feeLine(state, satang) {
  const badge = { paid: 'completed', overdue: 'rejected', cancelled: 'withdrawn', due: 'needs_info' }[state];
  return el('p', { class: state === 'overdue' ? 'warning' : '' },
    el('span', { class: `badge state-${badge}` }, t(`officer.fee.${state}`)), ` · ${money(satang)}`);
}
