// @ts-check
// My account, in the order people need it: my details (phone and address to change), links to
// notifications, documents and who accessed my data (?show=activity), how my identity is
// known, my passkeys (name, created, last used, synced or on one device only) to add, rename
// and remove; where I am signed in, and ending everything else at once (after a lost phone or a
// recovery); authorisations; my data (PDPA) as a page to print (?show=data) or a JSON file,
// deleting the account (confirmed with the last four digits of the ID number); signing out
// last. The only passkey says plainly what losing it means, and removing it asks again.
import { ApiError, getJSON, send } from '../api.js';
import { t, date, when, loadStrings } from '../i18n.js';
import { enqueue, list as queued } from '../outbox.js';
import { setAccount } from '../session.js';
import { el } from '../views/dom.js';
import {
  page,
  field,
  showError,
  button,
  busy,
  problemText,
  fieldProblems,
  signedIn,
  setFlash,
  takeFlash,
  loading,
} from './ui.js';
import { register, passkeyProblem, deviceName, supported, digitalId } from './passkey.js';
import { fresh, clearPersonal } from './local.js';
import { startButton, levelText } from './digital-id.js';
import { profileSection, activity, myData } from './fields.js';

await loadStrings('more'); // its words: only where My account is opened

/** The pages inside My account (`#/account?show=…`). */
const INSIDE = /** @type {Record<string, (root: HTMLElement) => Promise<void>>} */ ({ activity, data: myData });

/**
 * @typedef {{id: number, name: string, created_at: string, last_used_at: string | null, multi_device: boolean}} Passkey
 */

/** This phone stops getting the account's pushes: the portal forgets it and the browser
 * unsubscribes. push.js loads only where push may be on; never holds up leaving (offline). */
function forgetPush() {
  if (globalThis.Notification?.permission !== 'granted') return Promise.resolve();
  const forget = import('../push.js').then((push) => push.forgetDevice());
  return Promise.race([forget, new Promise((done) => setTimeout(done, 3000))]).catch(() => {});
}

/** @param {HTMLElement} root @param {URLSearchParams} [params] */
export async function render(root, params) {
  const me = signedIn(root, t('account.title'));
  if (!me) return;
  const inside = INSIDE[params?.get('show') || ''];
  if (inside) return inside(root);
  const [profile, provider] = await Promise.all([getJSON('/api/v1/me/profile').catch(() => null), digitalId()]);
  const identity = identitySection(params, profile, provider);
  const details = profile ? profileSection(profile, () => {}) : null;
  const status = el('p', { class: 'flash', role: 'status' });
  status.hidden = true;
  const list = el('ul', { class: 'cards' });
  const add = button(t('passkeys.add'), () => busy(root, async () => {
    try {
      await register('/api/v1/me/passkeys/options', undefined, '/api/v1/me/passkeys', deviceName());
      tell(t('passkeys.added'));
      await load();
    } catch (error) {
      tell(passkeyProblem(error), true);
    }
  }), 'secondary');
  add.hidden = !supported();
  const out = el('div', { class: 'actions-row' },
    button(t('account.signout'), () => signOut(false), 'secondary'),
    button(t('account.signoutAll'), () => signOut(true), 'secondary'),
  );
  const sessions = el('ul', { class: 'plain' });
  const endOthers = button(t('account.endOthers'), () => busy(root, async () => {
    try {
      const done = await send('POST', '/api/v1/me/sessions/end-others');
      tell(t('account.endedOthers', { sessions: done.sessions_ended, passkeys: done.passkeys_revoked }));
      await Promise.all([load(), loadSessions()]);
    } catch (error) {
      tell(problemText(error), true);
    }
  }), 'danger');
  const confirmOut = el('div', { class: 'warning', role: 'alert' });
  confirmOut.hidden = true;
  const erasure = el('div', {});
  const eraseButton = () => button(t('account.erase'), () => {
    erasure.replaceChildren(eraseForm());
    erasure.querySelector('input')?.focus();
  }, 'danger');
  erasure.append(eraseButton());
  // The lists first, then the whole screen at once: nothing below them moves when they arrive.
  root.replaceChildren(el('h1', {}, t('account.title')), loading());
  await Promise.all([load(), loadSessions()]).catch((error) => tell(problemText(error), true));
  const link = (/** @type {string} */ href, /** @type {string} */ key) => el('li', {}, el('a', { href }, t(key)));
  const html = document.documentElement;
  const large = button(t('display.large'), () => {
    const on = html.classList.toggle('large-text');
    if (on) localStorage.large = '1'; else delete localStorage.large; // local.js applies it at start
    large.setAttribute('aria-pressed', String(on));
  }, 'toggle');
  large.setAttribute('aria-pressed', String(html.classList.contains('large-text')));
  page(root, t('account.title'),
    takeFlash(),
    el('p', {}, t('account.signedInAs', { name: me.full_name })),
    details,
    el('nav', { 'aria-label': t('account.more') }, el('ul', { class: 'links' },
      link('#/notifications', 'notifications.title'),
      link('#/documents', 'account.documents'),
      link('#/account?show=activity', 'account.activity'))),
    el('p', {}, large),
    identity,
    el('h2', {}, t('passkeys.title')),
    el('p', {}, t('passkeys.intro')),
    status, list, add,
    el('h2', {}, t('account.sessionsTitle')),
    el('p', {}, t('account.sessionsIntro')),
    sessions, endOthers,
    el('h2', {}, t('delegation.title')),
    el('p', {}, t('delegation.accountIntro')),
    el('p', {}, el('a', { class: 'button secondary', href: '#/delegations' }, t('delegation.manage'))),
    el('h2', {}, t('account.dataTitle')),
    el('p', {}, t('account.dataIntro')),
    el('p', {}, el('a', { class: 'button secondary', href: '#/account?show=data' }, t('account.readable'))),
    el('p', {}, el('a', { href: '/api/v1/me/export', download: '' }, t('account.json'))),
    el('h2', {}, t('account.eraseTitle')),
    el('p', {}, t('account.eraseIntro')),
    erasure,
    el('h2', {}, t('account.signoutTitle')),
    el('p', {}, t('account.signoutIntro')),
    confirmOut, out,
  );

  /** @param {string} text @param {boolean} [bad] */
  function tell(text, bad = false) {
    status.textContent = text;
    status.className = bad ? 'error' : 'flash';
    status.hidden = !text;
  }

  async function loadSessions() {
    /** @type {{id: number, last_seen_at: string, user_agent: string, passkey: string, current: boolean}[]} */
    const found = await getJSON('/api/v1/me/sessions');
    sessions.replaceChildren(...found.map((s) => el('li', {},
      el('h3', {}, s.current ? t('account.thisDevice') : s.user_agent.slice(0, 60) || '—'),
      el('p', { class: 'meta' },
        [t('account.lastSeen', { time: when(s.last_seen_at) }), s.passkey].filter(Boolean).join(' · ')))));
    endOthers.hidden = found.length < 2 && found.every((s) => s.current);
  }

  async function load() {
    /** @type {Passkey[]} */
    const keys = await fresh('passkeys', '/api/v1/me/passkeys');
    list.replaceChildren(...keys.map((key) => card(key, keys.length === 1)));
  }

  /** @param {Passkey} key @param {boolean} last */
  function card(key, last) {
    const used = key.last_used_at ? t('passkeys.used', { time: when(key.last_used_at) }) : t('passkeys.neverUsed');
    // The only passkey: no red button beside it, and what losing it means said before any.
    const actions = el('div', { class: 'actions-row' },
      button(t('passkeys.rename'), () => rename(key, item), 'secondary'),
      button(t('passkeys.remove'), () => remove(key, last, item), last ? 'secondary' : 'danger'),
    );
    const item = el('li', { class: 'card' },
      el('h3', {}, key.name || t('passkeys.unnamed')),
      el('p', { class: 'meta' }, `${t('passkeys.created', { date: date(key.created_at) })} · ${used}`),
      el('p', {}, t(key.multi_device ? 'passkeys.synced' : 'passkeys.deviceBound')),
      last ? el('p', { class: 'warning' }, t('passkeys.onlyOne')) : '',
      actions,
    );
    return item;
  }

  /** @param {Passkey} key @param {HTMLElement} item */
  function rename(key, item) {
    const id = `rename-${key.id}`;
    const input = /** @type {HTMLInputElement} */ (el('input', { type: 'text', maxlength: '60', value: key.name }));
    const form = el('form', { class: 'inline-form', novalidate: '' },
      field(id, t('passkeys.newName'), input),
      el('div', { class: 'actions-row' },
        el('button', { type: 'submit' }, t('passkeys.save')),
        button(t('passkeys.cancel'), () => load(), 'secondary'),
      ),
    );
    item.replaceChildren(form);
    input.focus();
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const name = input.value.trim();
      showError(id, name ? '' : t('form.required'));
      if (!name) return;
      busy(form, async () => {
        try {
          await send('PATCH', `/api/v1/me/passkeys/${key.id}`, { name });
          tell(t('passkeys.renamed'));
          await load();
        } catch (error) {
          showError(id, problemText(error));
        }
      });
    });
  }

  /** @param {Passkey} key @param {boolean} last @param {HTMLElement} item */
  function remove(key, last, item) {
    const warning = el('div', { class: 'warning', role: 'alert' },
      el('p', {}, t(last ? 'passkeys.lastWarning' : 'passkeys.removeWarning', { name: key.name })),
      last ? el('p', {}, t('passkeys.recoveryPath')) : '',
      el('div', { class: 'actions-row' },
        button(t(last ? 'passkeys.removeAnyway' : 'passkeys.remove'), () => busy(root, async () => {
          try {
            await send('DELETE', `/api/v1/me/passkeys/${key.id}${last ? '?confirm_last=true' : ''}`);
            tell(t('passkeys.removed'));
            await load();
          } catch (error) {
            tell(problemText(error), true);
          }
        }), 'danger'),
        button(t('passkeys.keep'), () => load(), 'secondary'),
      ),
    );
    item.append(warning);
    warning.querySelector('button')?.focus();
  }

  /** @param {boolean} everywhere */
  async function signOut(everywhere) {
    const waiting = (await queued()).length;
    if (waiting && confirmOut.hidden) {
      // Queued applications would be lost: say so once, then the same button goes ahead.
      confirmOut.replaceChildren(el('p', {}, t('account.signoutWaiting', { n: waiting })));
      confirmOut.hidden = false;
      return;
    }
    await busy(root, async () => {
      let message = everywhere ? 'account.signedOutAll' : 'account.signedOut';
      await forgetPush(); // first: forgetting this device takes the session being ended
      try {
        await send('POST', `/api/v1/auth/${everywhere ? 'signout-all' : 'signout'}`);
      } catch (error) {
        const ended = error instanceof ApiError && error.status === 401; // already signed out
        const offline = !(error instanceof ApiError) && !everywhere;
        if (!ended && !offline) { tell(problemText(error), true); return; }
        if (offline) message = 'account.signedOutOffline';
      }
      await clearPersonal();
      delete document.body.dataset.role; // an officer's menu comes back for whoever is next
      // Offline: this phone forgets everything now; the server ends the session when it hears.
      if (message === 'account.signedOutOffline')
        await enqueue({ url: '/api/v1/auth/signout', meta: { kind: 'signout' } });
      setFlash(t(message));
      setAccount(null);
      location.hash = '#/signin';
    });
  }

  function eraseForm() {
    const id = 'erase-confirm';
    const input = /** @type {HTMLInputElement} */ (
      el('input', { type: 'text', inputmode: 'numeric', maxlength: '4', autocomplete: 'off', pattern: '[0-9]{4}' })
    );
    const form = el('form', { class: 'warning', novalidate: '' },
      el('p', {}, t('account.eraseWarning')),
      field(id, t('account.eraseConfirm'), input),
      el('div', { class: 'actions-row' },
        el('button', { type: 'submit', class: 'danger' }, t('account.eraseNow')),
        button(t('passkeys.cancel'), () => erasure.replaceChildren(eraseButton()), 'secondary'),
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const confirm = input.value.trim();
      const problem = /^[0-9]{4}$/.test(confirm) ? '' : t('account.eraseConfirmHint');
      showError(id, problem);
      if (problem) return;
      busy(form, async () => {
        try {
          await send('POST', '/api/v1/me/erase', { confirm });
        } catch (error) {
          showError(id, fieldProblems(error).confirm || problemText(error));
          return;
        }
        await forgetPush(); // after: a refused confirmation leaves notifications on
        await clearPersonal();
        setFlash(t('account.erased'));
        setAccount(null);
        location.hash = '#/signin';
      });
    });
    return form;
  }
}

/** How my identity is known, and (self-asserted, digital ID on) the way to prove it.
 * Fetched before the screen draws, so nothing moves.
 * @param {URLSearchParams | undefined} params @param {any} profile @param {any} provider */
function identitySection(params, profile, provider) {
  if (!profile) return null;
  const box = el('p', { 'aria-live': 'polite' }); // not role=status: the passkeys' own message is the screen's
  const verified = params?.get('verified') === 'digital_id';
  if (verified) box.append(t('digitalId.done'));
  return el('section', { class: 'identity' },
    el('h2', {}, t('digitalId.levelTitle')),
    el('p', { class: 'assurance' }, levelText(profile)),
    box,
    profile.assurance === 'self_asserted' && provider ? el('p', {}, t('digitalId.why')) : '',
    profile.assurance === 'self_asserted' && provider ? startButton(provider, 'verify', box) : '',
  );
}
