// @ts-check
// Proving who I am with the national digital ID (ThaiD): the button that leaves for the
// provider, the screen I come back to (#/enrol?verified=1: create my passkey, or sign in with
// the account that already holds my number), and what My account says of my level.
import { ApiError, getJSON, send } from '../api.js';
import { t, currentLang, loadLang, date } from '../i18n.js';
import { el } from '../views/dom.js';
import { page, field, summary, say, busy, isPhone, digits, problemText, button } from './ui.js';
import { register, signIn, passkeyProblem, deviceName, keyIcon } from './passkey.js';
import { landing } from './signin.js';

/** @typedef {import('./passkey.js').Info} Info */

/** A button that leaves for the provider.
 * @param {Info} provider @param {'signup'|'verify'} intent @param {HTMLElement} box */
export function startButton(provider, intent, box) {
  const go = button(t(`digitalId.${intent}`, { name: provider.name }), () => busy(go, async () => {
    try {
      const { url } = await send('POST', '/api/v1/auth/digital-id/start', { intent });
      location.assign(url);
    } catch (error) {
      say(box, problemText(error));
    }
  }));
  go.classList.add('digital-id');
  return go;
}

/** How my identity is known, for My account.
 * @param {{assurance: string, assurance_provider?: string, assured_at?: string | null}} profile */
export function levelText(profile) {
  if (profile.assurance === 'self_asserted') return t('digitalId.level.self_asserted');
  const how = profile.assurance === 'verified_digital_id'
    ? t('digitalId.level.digital', { name: profile.assurance_provider || '' })
    : t('digitalId.level.in_person');
  return profile.assured_at ? `${how} · ${date(profile.assured_at)}` : how;
}

/** #/enrol?verified=1: back from the provider. @param {HTMLElement} root @param {URLSearchParams} params */
export async function render(root, params) {
  const problems = summary();
  /** @type {{full_name: string, national_id_masked: string, provider: string, holder: string, has_passkey: boolean}} */
  let person;
  try {
    person = await getJSON('/api/v1/auth/digital-id/person');
  } catch (error) {
    page(root, t('digitalId.title'),
      el('p', { role: 'alert' }, error instanceof ApiError ? problemText(error) : t('error.network')),
      el('p', {}, el('a', { class: 'button', href: '#/enrol' }, t('digitalId.again'))),
    );
    return;
  }
  const who = el('dl', { class: 'verified-person' },
    el('dt', {}, t('enrol.name')), el('dd', {}, person.full_name),
    el('dt', {}, t('enrol.id')), el('dd', {}, person.national_id_masked),
  );
  const intro = el('p', { class: 'lead' }, t('digitalId.verifiedAs', { name: person.provider }));
  if (person.holder === 'other') {
    page(root, t('digitalId.title'), intro, who, problems,
      el('p', {}, t('digitalId.held')),
      person.has_passkey ? el('p', {}, button(t('digitalId.claim'), () => busy(root, async () => {
        try {
          await landing(await signIn({}, {}, '/api/v1/auth/digital-id/claim'), params);
        } catch (error) {
          say(problems, passkeyProblem(error));
        }
      }))) : null,
      el('p', {}, t('digitalId.takeOver')),
      passkeyForm(problems, params, t('digitalId.takeOverSubmit'), 'secondary'),
    );
    return;
  }
  page(root, t('digitalId.title'), intro, who,
    el('p', {}, keyIcon(),
      el('span', {}, t(person.holder === 'verified' ? 'digitalId.ownAccount' : 'welcome.passkey'))),
    passkeyForm(problems, params, t('enrol.submit')),
  );
}

/** Phone and language, then the passkey.
 * @param {HTMLElement} problems @param {URLSearchParams} params @param {string} label @param {string} [kind] */
function passkeyForm(problems, params, label, kind = '') {
  const phone = /** @type {HTMLInputElement} */ (
    el('input', { type: 'tel', name: 'phone', autocomplete: 'tel', maxlength: '20' }));
  const submit = el('button', { type: 'submit' }, label);
  if (kind) submit.classList.add(kind);
  const form = el('form', { novalidate: '' },
    problems, field('phone', t('enrol.phone'), phone, t('enrol.phoneHint')), submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { phone: digits(phone.value), language: currentLang() };
    if (body.phone && !isPhone(body.phone)) {
      say(problems, t('form.phone'));
      return;
    }
    busy(form, async () => {
      try {
        const start = '/api/v1/auth/digital-id/enrol/options';
        const session = await register(start, body, '/api/v1/auth/enrol', deviceName());
        if (body.language !== currentLang()) await loadLang(body.language);
        await landing(session, params);
      } catch (error) {
        say(problems, passkeyProblem(error));
      }
    });
  });
  return form;
}
