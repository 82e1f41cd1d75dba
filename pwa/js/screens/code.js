// @ts-check
// A passkey from a code: a recovery code a district office gave a citizen who lost their
// passkey (#/recover?code=…, from the QR code), or a staff invitation (#/invitation?code=…).
// Either way the browser creates a passkey on this device and the person is signed in.
import { t, loadStrings } from '../i18n.js';
import { el } from '../views/dom.js';
import { page, field, showError, summary, say, busy, fieldProblems, setFlash } from './ui.js';
import { register, passkeyProblem, deviceName, deviceNotes, keyIcon } from './passkey.js';
import { landing } from './signin.js';

// Opened from a QR code, often a phone's first visit: its words are with enrolment's, not
// with those of every screen after sign-in ('more').
await loadStrings('enrol');

/** @param {HTMLElement} root @param {URLSearchParams} params */
export async function render(root, params) {
  const kind = location.hash.startsWith('#/invitation') ? 'invitation' : 'recover';
  const code = /** @type {HTMLInputElement} */ (
    el('input', {
      type: 'text',
      name: 'code',
      autocomplete: 'off',
      autocapitalize: 'characters',
      maxlength: '40',
      value: params.get('code') || '',
    })
  );
  const problems = summary();
  const form = el('form', { novalidate: '' },
    problems,
    field('code', t(`${kind}.code`), code, t('code.hint')),
    el('button', { type: 'submit' }, t('code.submit')),
  );
  page(root, t(`${kind}.title`),
    el('p', { class: 'lead' }, keyIcon(), el('span', {}, t(`${kind}.lead`))),
    await deviceNotes(),
    form,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = code.value.trim();
    showError('code', value ? '' : t('form.required'));
    if (!value) { code.focus(); return; }
    busy(form, async () => {
      try {
        const session = await register(
          `/api/v1/auth/${kind}/options`,
          { code: value },
          `/api/v1/auth/${kind}`,
          deviceName(),
        );
        // After a recovery: My account, to see (and end) the other passkeys and sessions.
        if (kind === 'recover') setFlash(t('recover.reviewOthers'));
        await landing(session, new URLSearchParams(kind === 'recover' ? { next: '#/account' } : {}));
      } catch (error) {
        const fields = fieldProblems(error);
        if (fields.code) showError('code', fields.code);
        say(problems, fields.code ? t('form.problems') : passkeyProblem(error));
      }
    });
  });
}
