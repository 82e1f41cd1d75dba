// @ts-check
// Sign in without typing: passkeys in the ID field's autofill (conditional UI), or a button;
// else the ID number, which offers that account's passkeys. Lost phone: a district office.
import { ApiError } from '../api.js';
import { t } from '../i18n.js';
import { account } from '../session.js';
import { el } from '../views/dom.js';
import {
  page,
  field,
  showError,
  summary,
  say,
  busy,
  isThaiId,
  digits,
  button,
  nextHash,
  takeFlash,
  problemText,
} from './ui.js';
import { signIn, passkeyProblem, autofillAvailable, supported, deviceNotes, keyIcon } from './passkey.js';

/** The pending autofill request: aborted before asking again (one WebAuthn call at a time). */
let autofill = /** @type {{controller: AbortController, settled: Promise<unknown>} | null} */ (null);

async function stopAutofill() {
  const pending = autofill;
  autofill = null;
  if (!pending) return;
  pending.controller.abort();
  await pending.settled;
}

const STAFF_HOME = /** @type {Record<string, string>} */ ({ operator: '#/kiosk', officer: '#/officer' });

/** Signed in: go where they were heading. @param {any} session @param {URLSearchParams} params */
export async function landing(session, params) {
  const { adopt } = await import('./local.js'); // not before: a lighter first visit
  await adopt(session);
  const role = session.account.role;
  location.hash = role === 'citizen' ? nextHash(params) : STAFF_HOME[role] || '#/account';
}

/** @param {HTMLElement} root @param {URLSearchParams} params */
export async function render(root, params) {
  await stopAutofill();
  if (account()) {
    location.hash = nextHash(params);
    return;
  }
  const problems = summary();
  const id = /** @type {HTMLInputElement} */ (el('input', {
    type: 'text', name: 'national_id', inputmode: 'numeric', maxlength: '17',
    // "webauthn": the browser may list passkeys in this field's autofill.
    autocomplete: 'username webauthn',
  }));
  const fallback = el('form', { novalidate: '' },
    el('h2', {}, t('signin.fallbackTitle')),
    el('p', {}, t('signin.fallback')),
    field('national_id', t('enrol.id'), id, t('enrol.idHint')),
    el('button', { type: 'submit', class: 'secondary' }, t('signin.continue')),
  );
  const query = params.size ? `?${params}` : '';
  /** @param {{national_id?: string}} body */
  const attempt = (body) => busy(root, async () => {
    await stopAutofill();
    try {
      await landing(await signIn(body), params);
    } catch (error) {
      say(problems, passkeyProblem(error));
    }
  });
  page(root, t('signin.title'),
    takeFlash(),
    el('p', { class: 'lead' }, keyIcon(), el('span', {}, t('signin.lead'))),
    await deviceNotes(),
    problems,
    supported() ? button(t('signin.button'), () => attempt({})) : null,
    fallback,
    el('ul', { class: 'links' },
      el('li', {}, el('a', { href: `#/enrol${query}` }, t('signin.enrol'))),
      el('li', {}, el('a', { href: '#/welcome' }, t('signin.what'))),
    ),
    el('p', { class: 'meta' }, t('signin.lost')),
  );

  fallback.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = digits(id.value);
    const bad = isThaiId(value) ? '' : t('enrol.idInvalid');
    showError('national_id', bad);
    if (bad) { id.focus(); return; }
    attempt({ national_id: value });
  });
  addEventListener('hashchange', () => { stopAutofill(); }, { once: true });

  if (supported() && (await autofillAvailable())) {
    const controller = new AbortController();
    const settled = signIn({}, { mediation: 'conditional', signal: controller.signal }).then(
      (session) => landing(session, params),
      // The browser's own refusals (nothing picked, aborted) are not news; the server's are.
      (error) => {
        if (autofill?.controller === controller && error instanceof ApiError) say(problems, problemText(error));
      },
    );
    autofill = { controller, settled };
  }
}
