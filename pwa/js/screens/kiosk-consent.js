// @ts-check
// On the citizen's own phone (#/kiosk-consent?code=…, from the QR code a kiosk shows): let
// the operator at the district office act for me during this visit. Signing in first if needed.
import { send } from '../api.js';
import { t, loadStrings } from '../i18n.js';
import { el } from '../views/dom.js';
import { page, field, showError, summary, say, busy, signedIn, fieldProblems, problemText } from './ui.js';

await loadStrings('more').catch(() => {}); // offline and not yet kept: their keys

/** @param {HTMLElement} root @param {URLSearchParams} params */
export async function render(root, params) {
  const me = signedIn(root, t('consent.title'));
  if (!me) return;
  const code = /** @type {HTMLInputElement} */ (
    el('input', {
      type: 'text',
      autocomplete: 'off',
      autocapitalize: 'characters',
      maxlength: '20',
      value: params.get('code') || '',
    })
  );
  const problems = summary();
  const form = el('form', { novalidate: '' }, problems,
    field('consent-code', t('consent.code'), code, t('consent.codeHint')),
    el('button', { type: 'submit' }, t('consent.approve')));
  page(
    root,
    t('consent.title'),
    el('p', {}, t('consent.lead', { name: me.full_name })),
    el(
      'ul',
      {},
      el('li', {}, t('consent.scope1')),
      el('li', {}, t('consent.scope2')),
      el('li', {}, t('consent.scope3')),
    ),
    form,
    el('p', {}, el('a', { href: '#/dashboard' }, t('consent.decline'))),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = code.value.trim();
    showError('consent-code', value ? '' : t('form.required'));
    if (!value) { code.focus(); return; }
    busy(form, async () => {
      try {
        await send('POST', '/api/v1/me/kiosk-consent', { code: value });
        page(root, t('consent.title'), el('p', { class: 'flash', role: 'status' }, t('consent.done')),
          el('p', {}, el('a', { href: '#/dashboard' }, t('nav.dashboard'))));
      } catch (error) {
        const fields = fieldProblems(error);
        if (fields.code) showError('consent-code', fields.code);
        say(problems, problemText(error));
      }
    });
  });
}
