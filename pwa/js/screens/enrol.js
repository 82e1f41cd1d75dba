// @ts-check
// Create an account: ID number (grouped as typed, as on the card; checksum checked here, the
// server checks again), name, optional phone, language → what the phone is about to ask → the
// browser creates a passkey → signed in. A one-line privacy notice links the full one.
import { t, currentLang, loadLang, loadStrings } from '../i18n.js';
import { el } from '../views/dom.js';
import {
  page, field, showError, summary, say, busy, isThaiId, isPhone, digits, fieldProblems, fieldLink,
} from './ui.js';
import { register, passkeyProblem, deviceName, deviceNotes, keyIcon, digitalId } from './passkey.js';

// A first visit may open here: the digital ID's screens (digital-id.js) load only where it is
// offered, sign-in's (for `landing`) once the account exists, and this screen's own words
// are a set of their own rather than those of every form and of My account ('more').
await loadStrings('enrol');
const digitalIdScreens = () => import('./digital-id.js');

/** "1 2345 67890 12 3": the ID card's groups. */
const GROUPS = [1, 4, 5, 2, 1];

/** Group the digits as typed, keeping the caret after the same digit. @param {HTMLInputElement} input */
export function groupAsTyped(input) {
  input.addEventListener('input', () => {
    const caret = input.selectionStart ?? input.value.length;
    const before = input.value.slice(0, caret).replace(/\D/g, '').length;
    const all = input.value.replace(/\D/g, '').slice(0, 13);
    const parts = [];
    let at = 0;
    for (const size of GROUPS) if (at < all.length) parts.push(all.slice(at, (at += size)));
    input.value = parts.join(' ');
    let place = 0;
    for (let seen = 0; place < input.value.length && seen < before; place += 1)
      if (input.value[place] !== ' ') seen += 1;
    input.setSelectionRange(place, place);
  });
}

/** @param {HTMLElement} root @param {URLSearchParams} params */
export async function render(root, params) {
  // back from the digital ID
  if (params.has('verified')) return (await digitalIdScreens()).render(root, params);
  const id = input('national_id', { inputmode: 'numeric', autocomplete: 'off', maxlength: '17' });
  groupAsTyped(id);
  const name = input('full_name', { autocomplete: 'name', maxlength: '120' });
  const phone = input('phone', { type: 'tel', autocomplete: 'tel', maxlength: '20' });
  const language = el('fieldset', { id: 'language', role: 'radiogroup' }, el('legend', {}, t('enrol.language')));
  for (const code of ['th', 'en']) {
    const radio = el('input', { type: 'radio', name: 'language', value: code, id: `language-${code}` });
    if (code === currentLang()) radio.setAttribute('checked', '');
    language.append(
      el(
        'label',
        { class: 'choice', for: `language-${code}` },
        radio,
        el('span', { lang: code }, t(`enrol.lang.${code}`)),
      ),
    );
  }
  const problems = summary();
  const provider = await digitalId();
  const verify = provider ? (await digitalIdScreens()).startButton(provider, 'signup', problems) : null;
  const form = el('form', { novalidate: '' },
    problems,
    field('national_id', t('enrol.id'), id, t('enrol.idHint')),
    field('full_name', t('enrol.name'), name),
    field('phone', t('enrol.phone'), phone, t('enrol.phoneHint')),
    language,
    el('p', { id: 'enrol-next' }, t('enrol.phoneWillAsk')),
    el('button', { type: 'submit', 'aria-describedby': 'enrol-next' }, t('enrol.submit')),
    el('p', { class: 'meta' }, t('enrol.privacyLine'), ' ',
      el('a', { href: `/privacy?lang=${currentLang()}` }, t('enrol.privacyLink'))),
  );
  page(root, t('enrol.title'),
    el('p', { class: 'lead' }, keyIcon(), el('span', {}, t('welcome.passkey'))),
    await deviceNotes(),
    provider && verify ? el('section', { class: 'digital-id-choice' },
      el('p', {}, t('digitalId.recommended', { name: provider.name })), verify,
      el('p', {}, t('digitalId.orByHand'))) : null,
    form,
    el('p', {}, el('a', { href: `#/signin${params.size ? `?${params}` : ''}` }, t('enrol.haveAccount'))),
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = /** @type {HTMLInputElement | null} */ (form.querySelector('input[name=language]:checked'));
    const body = {
      national_id: digits(id.value),
      full_name: name.value.trim(),
      phone: digits(phone.value),
      language: chosen?.value || 'th',
    };
    /** @type {Record<string, string>} */
    const errors = {};
    if (!isThaiId(body.national_id)) errors.national_id = t('enrol.idInvalid');
    if (!body.full_name) errors.full_name = t('form.required');
    if (body.phone && !isPhone(body.phone)) errors.phone = t('form.phone');
    if (show(errors, problems)) return;
    busy(form, async () => {
      try {
        const session = await register('/api/v1/auth/enrol/options', body, '/api/v1/auth/enrol', deviceName());
        if (body.language !== currentLang()) await loadLang(body.language);
        await (await import('./signin.js')).landing(session, params);
      } catch (error) {
        const fields = fieldProblems(error);
        if (!show(fields, problems)) say(problems, passkeyProblem(error));
        // The number is held by another account: proving who they are settles it.
        if (verify && /** @type {any} */ (error)?.code === 'id_needs_verification') problems.append(verify);
      }
    });
  });
}

/** @param {string} name @param {Record<string, string>} attrs */
function input(name, attrs) {
  return /** @type {HTMLInputElement} */ (el('input', { type: 'text', name, ...attrs }));
}

/**
 * Show per-field errors (and clear the others); true if there were any.
 * @param {Record<string, string>} errors @param {HTMLElement} problems
 */
function show(errors, problems) {
  for (const name of ['national_id', 'full_name', 'phone']) showError(name, errors[name] || '');
  const list = Object.entries(errors).map(([name, text]) => fieldLink(name, text));
  say(problems, list.length ? t('form.problems') : '', list);
  if (list.length) document.getElementById(Object.keys(errors)[0])?.focus();
  return list.length > 0;
}
