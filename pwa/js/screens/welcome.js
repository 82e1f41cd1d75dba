// @ts-check
// Welcome: what a passkey is, in one sentence, for someone who has never heard the word;
// then create an account or sign in. Says at once when this phone cannot use passkeys.
import { t } from '../i18n.js';
import { el } from '../views/dom.js';
import { page } from './ui.js';
import { deviceNotes, keyIcon } from './passkey.js';

/** @param {HTMLElement} root @param {URLSearchParams} params */
export async function render(root, params) {
  const next = params.get('next') ? `?next=${encodeURIComponent(params.get('next') || '')}` : '';
  page(root, t('welcome.title'),
    el('p', { class: 'lead' }, keyIcon(), el('span', {}, t('welcome.passkey'))),
    el('p', {}, t('welcome.how')),
    await deviceNotes(),
    el('p', {}, el('a', { class: 'button', href: `#/enrol${next}` }, t('welcome.enrol'))),
    el('p', {}, el('a', { href: `#/signin${next}` }, t('welcome.signin'))),
    el('p', { class: 'meta' }, t('welcome.noPhone')),
  );
}
