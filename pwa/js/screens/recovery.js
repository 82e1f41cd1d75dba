// @ts-check
// The recovery desk (#/kiosk/recovery, an operator at a kiosk serving the citizen): after checking
// their ID card in person (recorded in the assisted session), issue a single-use, 15-minute code
// (and its QR) with which they add a new passkey on their own phone at #/recover. For a citizen
// who can still sign in, a second staff member approves first with their passkey and a reason.
import { send } from '../api.js';
import { t, when, loadStrings } from '../i18n.js';
import { account } from '../session.js';
import { el } from '../views/dom.js';
import {
  page, field, showError, summary, say, busy, button, isThaiId, digits, fieldProblems, problemText,
} from './ui.js';
import { qr } from './kiosk-chrome.js';
import { passkeyProblem, signIn } from './passkey.js';

await loadStrings('staff'); // staff words: never downloaded by a citizen's phone

const ASSISTED = '/api/v1/kiosk/assisted-sessions/current';

/** @param {HTMLElement} root */
export async function render(root) {
  const me = account();
  if (!me || (me.role !== 'operator' && me.role !== 'admin')) {
    page(
      root,
      t('recovery.title'),
      el('p', {}, t('staff.needed')),
      el(
        'p',
        {},
        el(
          'a',
          { class: 'button', href: `#/signin?next=${encodeURIComponent('#/kiosk/recovery')}` },
          t('signin.title'),
        ),
      ),
    );
    return;
  }
  const id = /** @type {HTMLInputElement} */ (
    el('input', { type: 'text', inputmode: 'numeric', maxlength: '17', autocomplete: 'off' })
  );
  const checked = /** @type {HTMLInputElement} */ (el('input', { type: 'checkbox', id: 'recovery-checked' }));
  const problems = summary();
  const result = el('div', { 'aria-live': 'polite' });
  const form = el('form', { novalidate: '' }, problems,
    field('recovery-id', t('enrol.id'), id, t('enrol.idHint')),
    el('p', { class: 'field-error', id: 'recovery-checked-error', hidden: '' }),
    el('label', { class: 'choice', for: 'recovery-checked' }, checked, el('span', {}, t('kiosk.idChecked'))),
    el('button', { type: 'submit' }, t('recovery.issue')));
  page(root, t('recovery.title'), el('p', {}, t('recovery.deskLead')), form, result,
    el('p', {}, el('a', { href: '#/kiosk' }, t('kiosk.home'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const nationalId = digits(id.value);
    const badId = isThaiId(nationalId) ? '' : t('enrol.idInvalid');
    const badCheck = checked.checked ? '' : t('kiosk.idCheckNeeded');
    showError('recovery-id', badId);
    showError('recovery-checked', badCheck);
    if (badId || badCheck) { say(problems, t('form.problems'), [badId, badCheck].filter(Boolean)); return; }
    busy(form, () => issue(nationalId));
  });

  /** The code, once the card check is recorded in the open assisted session. @param {string} nationalId */
  async function issue(nationalId) {
    try {
      await send('POST', `${ASSISTED}/id-card-check`);
      const code = await send('POST', '/api/v1/staff/recovery-codes', { national_id: nationalId });
      say(problems, '');
      result.replaceChildren(
        el('h2', {}, t('recovery.issued')),
        qr(code.qr_svg, t('recovery.qr')),
        el('p', { class: 'receipt-code' }, code.code),
        el('p', {}, t('recovery.until', { time: when(code.expires_at) })),
        el('p', { class: 'meta' }, code.url));
    } catch (error) {
      const fields = fieldProblems(error);
      if (fields.national_id) showError('recovery-id', fields.national_id);
      say(problems, problemText(error));
      if (/** @type {any} */ (error)?.code === 'second_staff_approval_required') {
        result.replaceChildren(approval(nationalId));
      }
    }
  }

  /**
   * A second staff member (not the one serving) approves with their passkey, giving a reason.
   * @param {string} nationalId
   */
  function approval(nationalId) {
    const reason = /** @type {HTMLInputElement} */ (
      el('input', { type: 'text', maxlength: '500', autocomplete: 'off' }));
    return el('div', {},
      el('h2', {}, t('recovery.approvalTitle')),
      el('p', {}, t('recovery.approvalLead')),
      field('recovery-reason', t('recovery.reason'), reason),
      button(t('recovery.approve'), () => busy(form, async () => {
        const why = reason.value.trim();
        showError('recovery-reason', why.length >= 5 ? '' : t('recovery.reasonNeeded'));
        if (why.length < 5) return;
        try {
          // The options name what is approved; the passkey then confirms exactly that.
          const what = /** @type {any} */ ({ action: 'recovery_code', reason: why });
          await signIn(what, {}, `${ASSISTED}/approvals`);
          await issue(nationalId);
        } catch (error) {
          say(problems, passkeyProblem(error));
        }
      })));
  }
}
