// @ts-check
// The notification centre in reach: a link in the header with the number of unread notices,
// for a citizen signed in as themselves (app.js loads this only then; never while acting for
// someone, whose notices are theirs alone). Read again after each screen (reading notices
// lowers it) and when a push arrives; hidden once nobody is signed in.
import { t } from '../i18n.js';
import { account, onAccount } from '../session.js';
import { el } from '../views/dom.js';

let link = /** @type {HTMLAnchorElement | null} */ (null);
/** The count being asked, and whether to ask once more after it: a sign-in both changes the
 * account and the hash, and two requests at once would both go out. */
let asking = /** @type {Promise<void> | null} */ (null);
let again = false;

/** @param {HTMLAnchorElement} where */
export function start(where) {
  if (!link) {
    link = where;
    addEventListener('hashchange', show);
    navigator.serviceWorker?.addEventListener('message', (event) => { if (event.data?.type === 'push') show(); });
    onAccount((who) => { if (!who && link) link.hidden = true; });
  }
  show();
}

function show() {
  if (asking) { again = true; return; }
  asking = count().finally(() => {
    asking = null;
    if (again) { again = false; show(); }
  });
}

/** Draw the link with the current count (0: no badge); offline it keeps its last one. */
async function count() {
  // The copy of the account in localStorage may outlive the session: no cookie, no request.
  if (!link || account()?.role !== 'citizen' || !document.cookie.includes('portal_csrf=')) return;
  // Not through api.getJSON: the count is no screen's data, so it says nothing of how fresh
  // the screen is (the status bar stays as the screen left it).
  const answer = await fetch('/api/v1/me/notifications?limit=1', { headers: { accept: 'application/json' } })
    .catch(() => null);
  if (!answer?.ok) return;
  /** @type {{unread: number}} */
  const page = await answer.json();
  const unread = page.unread || 0;
  // The name read aloud holds what is seen ("แจ้งเตือน 3") and says what the number is.
  link.replaceChildren(
    t('nav.notifications'),
    unread ? el('span', { class: 'count' }, String(Math.min(unread, 99))) : '',
    unread ? el('span', { class: 'unseen' }, t('nav.unread')) : '',
  );
  link.hidden = false;
}
