// @ts-check
// The kiosk's start screen (#/kiosk) and its activation (#/kiosk/activate?code=…).
// Activation makes this browser a registered kiosk (the server sets its device credential);
// the page then forgets everything it held and starts again in kiosk mode. On a kiosk: the
// operator signs in with their passkey, finds the citizen by ID number (or enrols one who has
// no phone, after checking the ID card), records consent one of three ways (the citizen's
// passkey on this kiosk, approval on the citizen's own phone from a QR code, or in person with
// the ID card), then acts for them with the citizen screens until "Finish" or 3 idle minutes.
import { ApiError, send, isKiosk, KIOSK_HINT } from '../api.js';
import { t, loadStrings } from '../i18n.js';
import { account } from '../session.js';
import { el } from '../views/dom.js';
import {
  page,
  field,
  showError,
  summary,
  say,
  busy,
  button,
  isThaiId,
  isPhone,
  digits,
  fieldProblems,
  problemText,
} from './ui.js';
import { signIn, passkeyProblem, keyIcon } from './passkey.js';
import { landing } from './signin.js';
import { refresh, current, use, finish, clearDevice, restart, watch, qr } from './kiosk-chrome.js';

await loadStrings('staff'); // staff words: never downloaded by a citizen's phone

const BASE = '/api/v1/kiosk/assisted-sessions';
const POLL_MS = 2000;
const HINT_MAX_AGE_S = 400 * 24 * 3600; // as long as the device credential

/** @param {HTMLElement} root @param {URLSearchParams} params */
export async function render(root, params) {
  if (!isKiosk() || location.hash.startsWith('#/kiosk/activate')) return activate(root, params);
  const me = account();
  if (!me || me.role !== 'operator') return operatorSignIn(root, Boolean(me));
  if (params.has('checkin')) return (await import('../staff/checkin.js')).render(root);
  const assisted = current();
  if (!assisted) return findCitizen(root);
  if (!assisted.consent_at) return consent(root, assisted);
  return serving(root, assisted);
}

/** @param {HTMLElement} root @param {URLSearchParams} params */
function activate(root, params) {
  const code = /** @type {HTMLInputElement} */ (
    el('input', {
      type: 'text',
      autocomplete: 'off',
      autocapitalize: 'characters',
      maxlength: '40',
      value: params.get('code') || '',
    })
  );
  const problems = summary();
  const form = el(
    'form',
    { novalidate: '' },
    problems,
    field('kiosk-code', t('kiosk.activateCode'), code, t('kiosk.activateHint')),
    el('button', { type: 'submit' }, t('kiosk.activateButton')),
  );
  page(root, t('kiosk.activateTitle'), el('p', {}, t(isKiosk() ? 'kiosk.already' : 'kiosk.activateLead')), form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = code.value.trim();
    showError('kiosk-code', value ? '' : t('form.required'));
    if (!value) { code.focus(); return; }
    busy(form, async () => {
      try {
        await send('POST', '/api/v1/kiosk/activate', { code: value });
      } catch (error) {
        const fields = fieldProblems(error);
        if (fields.code) showError('kiosk-code', fields.code);
        say(problems, problemText(error));
        return;
      }
      // The device credential is HttpOnly: this cookie tells the page to ask whether it is a kiosk.
      const secure = location.protocol === 'https:' ? '; secure' : '';
      document.cookie = `${KIOSK_HINT}=1; path=/; samesite=strict; max-age=${HINT_MAX_AGE_S}${secure}`;
      await clearDevice(); // whatever this browser kept before it became a kiosk
      restart();
    });
  });
}

/** @param {HTMLElement} root @param {boolean} otherRole */
function operatorSignIn(root, otherRole) {
  const problems = summary();
  page(root, t('kiosk.title'),
    el('p', { class: 'lead' }, keyIcon(), el('span', {}, t(otherRole ? 'kiosk.notOperator' : 'kiosk.signinLead'))),
    problems,
    button(t('kiosk.signin'), () => busy(root, async () => {
      try {
        await landing(await signIn({}), new URLSearchParams());
        // An operator lands on #/kiosk, where this screen already is: no hashchange redraws it.
        if (location.hash === '#/kiosk') await render(root, new URLSearchParams());
      } catch (error) {
        say(problems, passkeyProblem(error));
      }
    })),
    el('p', {}, el('a', { href: '#/kiosk/recovery' }, t('recovery.title'))),
  );
}

/**
 * Find the citizen by ID number; unknown, enrol them (no phone needed) after the ID-card check. @param {HTMLElement}
 * root
 */
function findCitizen(root) {
  const id = /** @type {HTMLInputElement} */ (
    el('input', { type: 'text', inputmode: 'numeric', maxlength: '17', autocomplete: 'off' })
  );
  const checked = /** @type {HTMLInputElement} */ (el('input', { type: 'checkbox', id: 'id-checked' }));
  const name = /** @type {HTMLInputElement} */ (el('input', { type: 'text', maxlength: '120', autocomplete: 'off' }));
  const phone = /** @type {HTMLInputElement} */ (el('input', { type: 'tel', maxlength: '20', autocomplete: 'off' }));
  const notFound = el('p', { class: 'warning' }, t('kiosk.notFound'));
  const enrol = el(
    'div',
    {},
    notFound,
    field('citizen-name', t('enrol.name'), name),
    field('citizen-phone', t('kiosk.phone'), phone, t('kiosk.phoneHint')),
  );
  enrol.hidden = true;
  const problems = summary();
  const submit = el('button', { type: 'submit' }, t('kiosk.find'));
  /**
   * Show the enrolment fields (a found account is used as it is: the name then changes nothing). @param {boolean}
   * missing
   */
  const enrolling = (missing) => {
    enrol.hidden = false;
    notFound.hidden = !missing;
    newCitizen.hidden = true;
    submit.textContent = t('kiosk.enrolStart');
    name.focus();
  };
  const newCitizen = button(t('kiosk.newCitizen'), () => enrolling(false), 'secondary');
  const form = el('form', { novalidate: '' }, problems,
    field('citizen-id', t('enrol.id'), id, t('enrol.idHint')),
    el('p', { class: 'field-error', id: 'id-checked-error', hidden: '' }),
    el('label', { class: 'choice', for: 'id-checked' }, checked, el('span', {}, t('kiosk.idChecked'))),
    enrol, el('div', { class: 'actions-row' }, submit, newCitizen));
  page(root, t('kiosk.serveTitle'), el('p', {}, t('kiosk.serveLead')), form,
    el('p', {}, el('a', { href: '#/kiosk?checkin' }, t('checkin.title'))),
    el('p', {}, el('a', { href: '#/kiosk/recovery' }, t('recovery.title'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const nationalId = digits(id.value);
    const adding = !enrol.hidden;
    /** @type {Record<string, string>} */
    const errors = {};
    if (!isThaiId(nationalId)) errors['citizen-id'] = t('enrol.idInvalid');
    if (adding && !checked.checked) errors['id-checked'] = t('kiosk.idCheckNeeded');
    if (adding && name.value.trim().length < 2) errors['citizen-name'] = t('form.required');
    if (adding && phone.value.trim() && !isPhone(digits(phone.value))) errors['citizen-phone'] = t('form.phone');
    for (const key of ['citizen-id', 'id-checked', 'citizen-name', 'citizen-phone']) showError(key, errors[key] || '');
    if (Object.keys(errors).length) { say(problems, t('form.problems'), Object.values(errors)); return; }
    busy(form, async () => {
      /** @type {Record<string, unknown>} */
      const body = { national_id: nationalId, id_card_checked: checked.checked };
      if (adding) Object.assign(body, { full_name: name.value.trim(), phone: digits(phone.value) });
      try {
        const assisted = await send('POST', `${BASE}/`, body);
        use(assisted);
        consent(root, assisted);
      } catch (error) {
        if (error instanceof ApiError && error.code === 'account_not_found' && !adding) {
          say(problems, '');
          enrolling(true);
          return;
        }
        const fields = fieldProblems(error);
        if (fields.national_id) showError('citizen-id', fields.national_id);
        if (fields.phone) showError('citizen-phone', fields.phone);
        say(problems, problemText(error));
      }
    });
  });
}

/**
 * Consent before acting: the citizen's passkey here, their phone, or in person. @param {HTMLElement} root @param {any}
 * assisted
 */
function consent(root, assisted) {
  const problems = summary();
  const citizen = assisted.citizen;
  const phoneArea = el('div', { 'aria-live': 'polite' });
  let polling = 0;
  const stopPolling = () => { clearInterval(polling); polling = 0; };
  const unwatch = watch((now) => {
    if (now?.consent_at) { stopPolling(); unwatch(); serving(root, now); }
  });
  addEventListener('hashchange', () => { stopPolling(); unwatch(); }, { once: true });
  const inPerson = /** @type {HTMLInputElement} */ (el('input', { type: 'checkbox', id: 'consent-checked' }));
  const reason = /** @type {HTMLInputElement} */ (
    el('input', { type: 'text', maxlength: '500', autocomplete: 'off' }));
  const override = el('div', { hidden: '' },
    el('p', {}, t('kiosk.overrideLead')),
    field('override-reason', t('recovery.reason'), reason),
    button(t('kiosk.override'), () => busy(root, async () => {
      const why = reason.value.trim();
      showError('override-reason', why.length >= 5 ? '' : t('recovery.reasonNeeded'));
      if (why.length < 5) return;
      try {
        // A second staff member's passkey confirms this action, for this reason; then consent.
        const what = /** @type {any} */ ({ action: 'in_person_consent', reason: why });
        await signIn(what, {}, `${BASE}/current/approvals`);
        use(await send('POST', `${BASE}/current/consent/in-person`, { id_card_checked: true }));
      } catch (error) {
        say(problems, passkeyProblem(error));
      }
    }), 'secondary'));
  const methods = el(
    'div',
    {},
    ...(citizen.has_passkey
      ? [
          el(
            'section',
            { 'aria-labelledby': 'consent-passkey' },
            el('h2', { id: 'consent-passkey' }, t('kiosk.consentPasskey')),
            el('p', {}, t('kiosk.consentPasskeyLead')),
            button(t('kiosk.consentPasskeyButton'), () =>
              busy(root, async () => {
                try {
                  // passkey.js's sign-in ceremony (its fallbacks for browsers without the JSON helpers
                  // included), at the consent endpoints: …/options, then the credential.
                  use(await signIn({}, {}, `${BASE}/current/consent/passkey`));
                } catch (error) {
                  say(problems, passkeyProblem(error));
                }
              }),
            ),
          ),
        ]
      : []),
    el(
      'section',
      { 'aria-labelledby': 'consent-phone' },
      el('h2', { id: 'consent-phone' }, t('kiosk.consentPhone')),
      el('p', {}, t('kiosk.consentPhoneLead')),
      button(
        t('kiosk.consentPhoneButton'),
        () =>
          busy(root, async () => {
            try {
              const code = await send('POST', `${BASE}/current/consent/phone`);
              phoneArea.replaceChildren(
                qr(code.qr_svg, t('kiosk.consentQr')),
                el('p', {}, t('kiosk.consentCode', { code: code.code })),
                el('p', { class: 'meta' }, t('kiosk.waiting')),
              );
              stopPolling();
              polling = window.setInterval(() => refresh().catch(() => {}), POLL_MS);
            } catch (error) {
              say(problems, problemText(error));
            }
          }),
        'secondary',
      ),
      phoneArea,
    ),
    el(
      'section',
      { 'aria-labelledby': 'consent-person' },
      el('h2', { id: 'consent-person' }, t('kiosk.consentInPerson')),
      el('p', { class: 'field-error', id: 'consent-checked-error', hidden: '' }),
      el(
        'label',
        { class: 'choice', for: 'consent-checked' },
        inPerson,
        el('span', {}, t('kiosk.consentInPersonCheck')),
      ),
      button(
        t('kiosk.consentInPersonButton'),
        () => {
          showError('consent-checked', inPerson.checked ? '' : t('kiosk.idCheckNeeded'));
          if (!inPerson.checked) {
            inPerson.focus();
            return;
          }
          busy(root, async () => {
            try {
              use(await send('POST', `${BASE}/current/consent/in-person`, { id_card_checked: true }));
            } catch (error) {
              say(problems, problemText(error));
              // The citizen could consent themselves: only a supervisor's passkey overrides.
              if (/** @type {any} */ (error)?.code === 'consent_in_person_refused') override.hidden = false;
            }
          });
        },
        'secondary',
      ),
      override,
    ),
  );
  page(root, t('kiosk.consentTitle'),
    el('p', {}, t('kiosk.consentLead', { name: citizen.full_name, id: citizen.national_id_masked })),
    el('p', { class: 'meta' }, t(`kiosk.assurance.${citizen.assurance}`)),
    problems, methods,
    citizen.assurance === 'self_asserted' && citizen.has_passkey && assisted.id_card_checked
      ? claimSection(root, problems) : null,
    button(t('kiosk.cancel'), () => finish(), 'secondary'));
}

/**
 * The person in front, ID card checked, cannot sign in to the self-asserted account holding
 * their number (someone enrolled with it): with a second staff member's passkey and a reason,
 * the number becomes theirs in a new account and the other is frozen.
 * @param {HTMLElement} root @param {HTMLElement} problems
 */
function claimSection(root, problems) {
  const name = /** @type {HTMLInputElement} */ (el('input', { type: 'text', maxlength: '120', autocomplete: 'off' }));
  const reason = /** @type {HTMLInputElement} */ (el('input', { type: 'text', maxlength: '500', autocomplete: 'off' }));
  return el('section', { 'aria-labelledby': 'claim-identity' },
    el('h2', { id: 'claim-identity' }, t('kiosk.claimTitle')),
    el('p', {}, t('kiosk.claimLead')),
    field('claim-name', t('kiosk.claimName'), name),
    field('claim-reason', t('recovery.reason'), reason),
    button(t('kiosk.claim'), () => busy(root, async () => {
      const why = reason.value.trim();
      showError('claim-name', name.value.trim().length >= 2 ? '' : t('form.required'));
      showError('claim-reason', why.length >= 5 ? '' : t('recovery.reasonNeeded'));
      if (why.length < 5 || name.value.trim().length < 2) return;
      try {
        const what = /** @type {any} */ ({ action: 'identity_claim', reason: why });
        await signIn(what, {}, `${BASE}/current/approvals`);
        const assisted = await send('POST', `${BASE}/current/claim-identity`, { full_name: name.value.trim() });
        use(assisted);
        consent(root, assisted);
      } catch (error) {
        say(problems, passkeyProblem(error));
      }
    }), 'danger'));
}

/** Consent given: what the operator can do for the citizen. @param {HTMLElement} root @param {any} assisted */
function serving(root, assisted) {
  page(root, t('kiosk.servingTitle', { name: assisted.citizen.full_name }),
    el('p', { class: 'flash', role: 'status' }, t(`kiosk.consented.${assisted.consent_method}`)),
    el('ul', { class: 'links' },
      el('li', {}, el('a', { href: '#/' }, t('kiosk.apply'))),
      el('li', {}, el('a', { href: '#/dashboard' }, t('kiosk.applications'))),
      el('li', {}, el('a', { href: '#/kiosk?checkin' }, t('checkin.title'))),
    ),
    el('p', {}, t('kiosk.servingLead')),
  );
}
