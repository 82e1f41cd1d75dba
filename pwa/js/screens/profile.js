// @ts-check
// My details on My account: name and ID number (changed only in person), phone and address
// shown and changed here (the server checks, records who changed them and tells the citizen).
import { send } from '../api.js';
import { t, loadStrings } from '../i18n.js';
import { el } from '../views/dom.js';
import { field, showError, button, busy, problemText, fieldProblems, summary, say, isPhone, digits } from './ui.js';
import { fieldLink } from './checks.js';

await loadStrings('account'); // its words: only where My account is opened

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
