// @ts-check
// A visit to the district office (issue 17): the booking of an application (on its screen) or
// of a service that needs a visit before applying (#/services/<slug>?visit), with when and
// where in Thailand's time (Thai dates in the Buddhist era), the reference and its QR code to
// show at the kiosk, the calendar file, and moving or cancelling until the cut-off; choosing
// a free time, and when it has just gone (409 slot_full) the next free ones. Bookings are read
// from the phone's copy offline, but booking, moving and cancelling happen now or not at all:
// nothing is queued. Loaded only where a visit is (its words too: i18n/appointments).
import { ApiError, getJSON, send } from './api.js';
import { t, pick, locale, loadStrings } from './i18n.js';
import { el } from './views/dom.js';
import { page, button, busy, summary, say, problemText, signedIn, setFlash, takeFlash, loading } from './screens/ui.js';
import { fresh } from './screens/local.js';

await loadStrings('appointments');

/** @typedef {{id: number, reference: string, status: string, service: string, service_name: {th: string, en: string},
 *   office: {id: number, name: {th: string, en: string}, address: {th: string, en: string}},
 *   starts_at: string, when: {th: string, en: string}, change_until: string, application_id?: number | null,
 *   queue_number?: number | null, qr_svg?: string}} Booking */
/** @typedef {{id: number, office: Booking['office'], when: {th: string, en: string}, free: number}} FreeSlot */

const BASE = '/api/v1/appointments';
const CHOICES = 10;

/** @param {Booking} b */
export const active = (b) => b.status === 'booked' || b.status === 'checked_in';

/** A moment as read at the office: Thailand's time, the Buddhist era in Thai. @param {string} value */
function bangkok(value) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Bangkok' })
    .format(new Date(value));
}

/** @param {{when: {th: string, en: string}}} b */
const at = (b) => t('visit.at', { when: pick(b.when) });

/** The visit line of a dashboard card. @param {Booking} b */
export function visitLine(b) {
  return el('p', { class: 'visit-line' }, t('visit.line', { when: pick(b.when), office: pick(b.office.name) }));
}

/** The dashboard's visits booked before applying (they belong to no application's card).
 * @param {Booking[]} bookings @returns {HTMLElement | string} */
export function beforeApplying(bookings) {
  const mine = bookings.filter((b) => active(b) && !b.application_id);
  if (!mine.length) return '';
  return el('section', { 'aria-labelledby': 'visits-title' },
    el('h2', { id: 'visits-title' }, t('visit.mine')),
    el('ul', { class: 'cards' }, ...mine.map((b) => el('li', { class: 'card' },
      el('h3', {}, el('a', { href: `#/services/${b.service}?visit` },
        t('visit.before', { service: pick(b.service_name) }))),
      el('p', {}, `${at(b)} · ${pick(b.office.name)}`)))));
}

/**
 * The visit section of an application's screen (`parts.appointments` of its detail, from the
 * phone's copy when offline), or null when it has none to book.
 * @param {any} app @param {() => unknown} redraw
 */
export function applicationVisit(app, redraw) {
  /** @type {{bookings: Booking[], bookable?: boolean} | undefined} */
  const part = app.parts?.appointments;
  if (!part) return null;
  return section(part.bookings.length
    ? part.bookings.map((b) => booking(b, redraw))
    : [el('p', {}, t('visit.needed')), chooser(app.service.slug, { application_id: app.id }, redraw)]);
}

/** #/services/<slug>?visit: a visit the service needs before one applies.
 * @param {HTMLElement} root @param {string} slug */
export async function serviceVisit(root, slug) {
  const title = t('visit.beforeTitle');
  if (!signedIn(root, title)) return;
  root.replaceChildren(el('h1', {}, title), loading());
  const [service, mine] = await Promise.all([
    getJSON(`/api/v1/services/${encodeURIComponent(slug)}`),
    fresh('visits', BASE),
  ]);
  /** @type {Booking[]} */
  const items = mine.items;
  const booked = items.filter((b) => active(b) && !b.application_id && b.service === slug);
  const redraw = () => serviceVisit(root, slug);
  page(root, title,
    takeFlash(),
    el('p', { class: 'meta' }, pick(service.name)),
    section(booked.length
      ? booked.map((b) => booking(b, redraw))
      : [el('p', {}, t('visit.needed')), chooser(slug, {}, redraw)]),
    el('p', {}, el('a', { href: `#/services/${slug}` }, t('visit.back'))));
}

/** @param {(Node | string)[]} children */
function section(children) {
  return el('section', { class: 'visit', 'aria-labelledby': 'visit-title' },
    el('h2', { id: 'visit-title' }, t('visit.title')), ...children);
}

/** A booking: when, where, the reference and its QR code, the calendar file, move and cancel.
 * @param {Booking} b @param {() => unknown} redraw */
function booking(b, redraw) {
  const problems = summary();
  const below = el('div', {});
  const box = el('div', {});
  const parts = [
    el('p', { class: 'visit-when' }, at(b)),
    el('p', {}, [pick(b.office.name), pick(b.office.address)].filter(Boolean).join(' · ')),
  ];
  if (b.status === 'checked_in') parts.push(el('p', {}, el('span', { class: 'badge state-completed' },
    t('visit.arrived', { n: String(b.queue_number) }))));
  parts.push(el('figure', { class: 'visit-qr' }, ...qr(b),
    el('figcaption', {}, el('p', {}, t('visit.reference')), el('p', { class: 'visit-ref' }, b.reference))));
  if (b.status !== 'booked') return el('div', {}, ...parts);
  box.append(...parts);
  const late = Date.now() >= Date.parse(b.change_until);
  const cancel = button(t('visit.cancel'), () => {
    if (!cancel.dataset.sure) {
      cancel.dataset.sure = '1';
      say(problems, t('visit.cancelSure'));
      return;
    }
    act(problems, box, async () => {
      await send('DELETE', `${BASE}/${b.id}`);
      setFlash(t('visit.cancelled'));
    }, redraw);
  }, 'danger');
  const move = button(t('visit.move'), () => {
    if (!navigator.onLine) { say(problems, t('visit.offline')); return; }
    below.replaceChildren(picker(b.service, b.id, t('visit.moveTo'), async (slot) => {
      const moved = await send('PUT', `${BASE}/${b.id}`, { slot_id: slot });
      setFlash(t('visit.moved', { when: pick(moved.when) }));
    }, redraw));
  }, 'secondary');
  box.append(
    el('p', {}, t('visit.show')),
    el('p', { class: late ? 'warning' : 'meta' },
      late ? t('visit.tooLate') : t('visit.until', { when: bangkok(b.change_until) })),
    el('p', {}, el('a', { href: `${BASE}/${b.id}/calendar.ics`, download: `appointment-${b.reference}.ics` },
      t('visit.ics'))),
    problems,
    late ? '' : el('div', { class: 'actions-row' }, move, cancel),
    below);
  return box;
}

/** The QR code the server drew (SVG, parsed as SVG, never as HTML). @param {Booking} b @returns {Node[]} */
function qr(b) {
  if (!b.qr_svg) return [];
  const svg = new DOMParser().parseFromString(b.qr_svg, 'image/svg+xml').documentElement;
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('visit.qr', { ref: b.reference }));
  svg.querySelector('title')?.remove();
  return [document.importNode(svg, true)];
}

/** "Choose a time" that opens the free times; booking one. @param {string} slug
 * @param {{application_id?: number}} extra @param {() => unknown} redraw */
function chooser(slug, extra, redraw) {
  const problems = summary();
  const area = el('div', {});
  const open = button(t('visit.choose'), () => {
    if (!navigator.onLine) { say(problems, t('visit.offline')); return; }
    area.replaceChildren(picker(slug, 0, t('visit.book'), async (slot) => {
      const made = await send('POST', BASE, { slot_id: slot, ...extra });
      setFlash(t('visit.booked', { when: pick(made.when) }));
    }, redraw));
    open.remove();
  });
  return el('div', {}, problems, open, area);
}

/**
 * Free times of `slug` to choose from (not `current`), and what choosing one does; on 409
 * slot_full, the next free times the server offered.
 * @param {string} slug @param {number} current @param {string} label
 * @param {(slot: number) => Promise<void>} choose @param {() => unknown} redraw
 */
function picker(slug, current, label, choose, redraw) {
  const problems = summary();
  const times = el('fieldset', { class: 'slots' }, el('legend', {}, t('visit.times')));
  const submit = el('button', { type: 'submit' }, label);
  const form = el('form', { novalidate: '' }, problems, times, submit);
  /** @param {FreeSlot[]} slots */
  const show = (slots) => {
    const offered = slots.filter((s) => s.id !== current);
    times.replaceChildren(el('legend', {}, t('visit.times')), ...offered.map((s) => el('label', { class: 'choice' },
      el('input', { type: 'radio', name: 'slot', value: String(s.id) }),
      el('span', {}, `${at(s)} · ${pick(s.office.name)} · ${t('visit.free', { n: String(s.free) })}`))));
    submit.hidden = !offered.length;
    return offered.length;
  };
  times.append(loading());
  getJSON('/api/v1/appointment-slots', { service: slug, limit: CHOICES }).then(
    (slots) => { if (!show(slots)) say(problems, t('visit.none')); },
    (error) => { times.replaceChildren(); say(problems, failure(error)); },
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = /** @type {HTMLInputElement | null} */ (form.querySelector('input[name=slot]:checked'));
    if (!chosen) { say(problems, t('visit.pick')); return; }
    act(problems, form, () => choose(Number(chosen.value)), redraw, (error) => {
      if (!(error instanceof ApiError) || error.code !== 'slot_full') return false;
      const left = show(/** @type {any} */ (error.body).next_free || []);
      say(problems, t(left ? 'visit.full' : 'visit.fullNone'));
      return true;
    });
  });
  return form;
}

/**
 * A booking, move or cancel: now, online, or a message saying why not (nothing is queued).
 * @param {HTMLElement} problems @param {HTMLElement} area @param {() => Promise<void>} work
 * @param {() => unknown} redraw @param {(error: unknown) => boolean} [handled]
 */
function act(problems, area, work, redraw, handled = () => false) {
  if (!navigator.onLine) { say(problems, t('visit.offline')); return; }
  busy(area, async () => {
    try {
      await work();
    } catch (error) {
      if (!handled(error)) say(problems, failure(error));
      return;
    }
    await redraw();
  });
}

/** Why it did not happen; no answer at all means no network (whatever navigator.onLine says).
 * @param {unknown} error */
function failure(error) {
  if (!(error instanceof ApiError)) return t('visit.offline');
  return error.code === 'outside_consent' ? t('visit.notAllowed') : problemText(error);
}
