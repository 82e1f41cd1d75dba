// @ts-check
// The notification centre (#/notifications): what the portal told the citizen, newest first
// (also what reached the server while the phone was off), marked read; turning push on for
// this device (the only place that asks for permission, after saying why), which kinds to
// push, and which devices get them. app.js renders it again when a push arrives.
import { announce, getJSON } from '../api.js';
import { t, pick, when, loadStrings } from '../i18n.js';
import * as push from '../push.js';
import { el } from '../views/dom.js';
import { loading, signedIn } from './ui.js';
import { readCopy, keepCopy } from './local.js';

await loadStrings('more').catch(() => {}); // offline and not yet kept: their keys

const NOTIFICATIONS = '/api/v1/me/notifications';
const PREFERENCES = '/api/v1/me/notification-preferences';
const DEVICES = '/api/v1/me/push-subscriptions';
const COPY = 'notifications'; // the phone's copy of the three (IndexedDB, local.js)

/** @type {HTMLElement | null} */
let statusLine = null;

/** @param {HTMLElement} root */
export async function render(root) {
  if (!signedIn(root, t('notifications.title'))) return; // nothing of theirs to ask for
  await loadStrings('journey').catch(() => {}); // the switches' "on" and "off" (offline: their keys)
  // The phone's copy at once (saying from when), then the server's answers, drawn if they differ.
  const copy = await readCopy(COPY);
  if (copy) {
    await draw(root, copy.value);
    announce({ fromCache: false, storedAt: new Date(copy.storedAt) });
  } else root.replaceChildren(el('h1', {}, t('notifications.title')), loading());
  /** @type {{page: any, prefs: any, devices: any[]}} */
  let data;
  try {
    const [page, prefs, found] = await Promise.all([getJSON(NOTIFICATIONS), getJSON(PREFERENCES), getJSON(DEVICES)]);
    data = { page, prefs, devices: found };
  } catch (error) {
    const status = /** @type {any} */ (error).status;
    if (status === 401 || status === 403) {
      root.replaceChildren(el('h1', {}, t('notifications.title')), el('p', {}, t('notifications.signin')));
      return;
    }
    if (!copy) throw error;
    announce({ fromCache: true, storedAt: new Date(copy.storedAt) });
    return;
  }
  await keepCopy(COPY, data);
  if (!copy || JSON.stringify(data) !== JSON.stringify(copy.value)) await draw(root, data);
}

/** @param {HTMLElement} root @param {{page: any, prefs: any, devices: any[]}} data */
async function draw(root, { page, prefs, devices: found }) {
  const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  statusLine = status;
  const list = el('ul', { class: 'cards' });
  const actions = el('p', {});
  root.replaceChildren(
    el('h1', {}, t('notifications.title')), status, actions, list,
    await optIn(status),
    el('h2', {}, t('notifications.settings')), kinds(status, prefs), devices(status, found),
  );
  showPage(page, list, actions, status, false);
}

/**
 * @param {any} page @param {HTMLElement} list @param {HTMLElement} actions @param {HTMLElement} status
 * @param {boolean} append a further (older) page
 */
function showPage(page, list, actions, status, append) {
  const items = page.items.map(item);
  if (append) list.append(...items); else list.replaceChildren(...items);
  if (!append && !page.items.length) list.replaceChildren(el('li', {}, t('notifications.empty')));
  actions.replaceChildren();
  if (page.unread) {
    actions.append(button(t('notifications.markAll'), async () => {
      await push.send('POST', `${NOTIFICATIONS}/read`, { all: true });
      showPage(await getJSON(NOTIFICATIONS), list, actions, status, false);
      status.textContent = t('notifications.allRead');
    }));
  }
  if (page.next_cursor) {
    actions.append(' ', button(t('notifications.older'), async () => {
      showPage(await getJSON(NOTIFICATIONS, { cursor: page.next_cursor }), list, actions, status, true);
    }));
  }
}

/** @param {any} n */
function item(n) {
  // Inside the app a notice names its service (a push says no more than the lock screen shows).
  const title = n.kind === 'security'
    ? t('notifications.security')
    : n.service ? `${pick(n.service)} · ${n.tracking_code}` : t('notifications.item', { code: n.tracking_code });
  const link = el('a', { href: n.url }, title);
  if (!n.read_at) {
    // Marked read when opened; the link goes on whatever the answer.
    link.addEventListener('click', () => {
      push.send('POST', `${NOTIFICATIONS}/read`, { ids: [n.id] }).catch(() => {});
    });
  }
  const heading = el('h2', {}, link);
  if (!n.read_at) heading.append(' ', el('strong', {}, `· ${t('notifications.unread')}`));
  return el(
    'li',
    { class: 'card' },
    heading,
    el('p', {}, pick(n.text)),
    el('p', { class: 'meta' }, when(n.created_at)),
  );
}

/** Turn push on (or off) for this device, saying first what it is for. @param {HTMLElement} status */
async function optIn(status) {
  const section = el('section', { 'aria-labelledby': 'push-heading' });
  const heading = el('h2', { id: 'push-heading' }, t('push.heading'));
  const state = push.permission();
  if (state === 'unsupported' || state === 'denied') {
    section.append(heading, el('p', {}, t(state === 'denied' ? 'push.denied' : 'push.unsupported')));
    return section;
  }
  if (state === 'granted' && await push.current()) {
    section.append(heading, el('p', {}, t('push.on')), button(t('push.disable'), async () => {
      await push.forgetDevice();
      section.replaceWith(await optIn(status));
    }));
    return section;
  }
  const name = /** @type {HTMLInputElement} */ (
    el('input', { type: 'text', id: 'push-device', maxlength: '60', value: push.deviceName() })
  );
  section.append(heading, el('p', {}, t('push.why')), el('label', { for: 'push-device' }, t('push.device')), name,
    el('p', {}, button(t('push.enable'), async () => {
      try {
        await push.enable(name.value.trim());
      } catch {
        status.textContent = t('push.failed');
      }
      section.replaceWith(await optIn(status));
    })));
  return section;
}

/**
 * Which kinds are pushed: one switch each, showing and announcing on or off (muted ones still
 * appear in the list).
 * @param {HTMLElement} status @param {{muted: string[], kinds: string[]}} prefs
 */
function kinds(status, prefs) {
  /** @type {Set<string>} */
  let muted = new Set(prefs.muted);
  const group = el(
    'div',
    { role: 'group', 'aria-labelledby': 'kinds-label' },
    el('p', { id: 'kinds-label' }, t('notifications.kinds')),
  );
  for (const kind of prefs.kinds) {
    const state = el('span', { class: 'state', 'aria-hidden': 'true' });
    const toggle = el('button', { type: 'button', role: 'switch', class: 'switch' },
      t(`notifications.kind.${kind}`), state);
    const show = () => {
      toggle.setAttribute('aria-checked', String(!muted.has(kind)));
      state.textContent = t(muted.has(kind) ? 'switch.off' : 'switch.on');
    };
    show();
    toggle.addEventListener('click', async () => {
      const next = new Set(muted);
      if (!next.delete(kind)) next.add(kind);
      try {
        await push.send('PUT', PREFERENCES, { muted: [...next] });
      } catch {
        status.textContent = t(navigator.onLine ? 'error.network' : 'error.offline');
        return;
      }
      muted = next;
      show();
      status.textContent = t('notifications.saved');
    });
    group.append(el('p', {}, toggle));
  }
  return group;
}

/** The devices that receive notifications, each removable. @param {HTMLElement} status @param {any[]} known */
function devices(status, known) {
  const list = el('ul', { class: 'cards' });
  /** @param {any[]} found */
  const show = (found) => {
    list.replaceChildren(...found.map((/** @type {any} */ d) => {
      const name = d.device_name || t('notifications.unnamed');
      const label = d.current ? `${name} (${t('notifications.thisDevice')})` : name;
      return el('li', { class: 'card' }, el('p', {}, label), el('p', { class: 'meta' }, when(d.updated_at)),
        button(t('notifications.remove'), async () => {
          await push.send('DELETE', `${DEVICES}/${d.id}`);
          status.textContent = t('notifications.removed', { name });
          show(await getJSON(DEVICES));
        }, t('notifications.removeNamed', { name })));
    }));
    if (!found.length) list.replaceChildren(el('li', {}, t('notifications.noDevices')));
  };
  show(known);
  return el(
    'section',
    { 'aria-labelledby': 'devices-heading' },
    el('h3', { id: 'devices-heading' }, t('notifications.devices')),
    list,
  );
}

/**
 * A button whose action, if it fails, says so in the centre's status line.
 * @param {string} text @param {() => Promise<void>} action @param {string} [label] an accessible name with more context
 */
function button(text, action, label) {
  const node = el('button', label ? { type: 'button', 'aria-label': label } : { type: 'button' }, text);
  node.addEventListener('click', () => {
    action().catch(() => {
      if (statusLine) statusLine.textContent = t(navigator.onLine ? 'error.network' : 'error.offline');
    });
  });
  return node;
}
