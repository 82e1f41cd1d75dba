// @ts-check
// The officer console's day at an office (#/officer?appointments&office=…&day=…): who booked
// which time, who arrived (their queue number), who did not come; a booking whose time has
// begun can be recorded as a no-show. Every listing is audited by the server.
import { getJSON, send } from '../api.js';
import { t, pick, locale, number, loadStrings } from '../i18n.js';
import { el } from '../views/dom.js';
import { page, field, busy, summary, say, problemText, setFlash, takeFlash, button } from '../screens/ui.js';
import { sheet } from './sheet.js';

await loadStrings('staff'); // staff words: never downloaded by a citizen's phone
await sheet('staff');

const BASE = '/api/v1/officer';

/** @param {HTMLElement} root @param {URLSearchParams} params */
export async function render(root, params) {
  const title = t('officeDay.title');
  /** @type {any[]} */
  const offices = await getJSON(`${BASE}/offices`);
  const office = Number(params.get('office')) || offices[0]?.id;
  const back = el('p', {}, el('a', { href: '#/officer' }, t('officer.back')));
  if (!office) { page(root, title, back, el('p', {}, t('officeDay.noOffice'))); return; }
  const found = await getJSON(`${BASE}/offices/${office}/appointments`, { day: params.get('day') || '' });
  const chooseOffice = /** @type {HTMLSelectElement} */ (el('select', { name: 'office' },
    ...offices.map((o) => el('option', { value: String(o.id) }, pick({ th: o.name_th, en: o.name_en })))));
  chooseOffice.value = String(office);
  const day = /** @type {HTMLInputElement} */ (el('input', { type: 'date', name: 'day', value: found.day }));
  const filters = el('form', { class: 'filters' },
    field('day-office', t('officeDay.office'), chooseOffice), field('day-date', t('officeDay.day'), day));
  filters.addEventListener('change', () => {
    const query = new URLSearchParams({ appointments: '', office: chooseOffice.value, day: day.value });
    location.hash = `#/officer?${query}`;
  });
  filters.addEventListener('submit', (event) => event.preventDefault());
  const problems = summary();
  const redraw = () => render(root, params);
  const time = new Intl.DateTimeFormat(locale(), { timeStyle: 'short', timeZone: 'Asia/Bangkok' });
  const rows = found.bookings.map((/** @type {any} */ { booking: b, citizen_name: name }) => el('tr', {},
    el('td', {}, time.format(new Date(b.starts_at))),
    el('th', { scope: 'row' }, name),
    el('td', {}, pick(b.service_name)),
    el('td', {}, b.reference),
    el('td', {}, b.status === 'checked_in'
      ? t('officeDay.arrived', { n: String(b.queue_number) }) : t(`officeDay.state.${b.status}`)),
    el('td', {}, b.status === 'booked' && Date.parse(b.starts_at) <= Date.now()
      ? button(t('officeDay.noShow'), () => busy(root, async () => {
        try {
          await send('POST', `${BASE}/appointments/${b.id}/no-show`);
          setFlash(t('officeDay.recorded', { name }));
          await redraw();
        } catch (error) {
          say(problems, problemText(error));
        }
      }), 'secondary')
      : '')));
  page(root, title,
    takeFlash(),
    back,
    filters,
    el('p', { class: 'day-figures', role: 'status' },
      el('span', {}, t('officeDay.booked', { n: number(found.booked) })),
      el('span', {}, t('officeDay.arrivedCount', { n: number(found.arrived) })),
      el('span', {}, t('officeDay.noShows', { n: number(found.no_shows) }))),
    problems,
    rows.length
      ? el('div', { class: 'table-wrap', role: 'region', 'aria-labelledby': 'day-caption', tabindex: '0' },
        el('table', { class: 'figures' },
          el('caption', { id: 'day-caption' }, t('officeDay.caption')),
          el('thead', {}, el('tr', {}, ...['time', 'citizen', 'service', 'reference', 'state', 'action'].map(
            (k) => el('th', { scope: 'col' }, t(`officeDay.col.${k}`))))),
          el('tbody', {}, ...rows)))
      : el('p', {}, t('officeDay.none')));
}
