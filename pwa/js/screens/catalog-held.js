// @ts-check
// The catalog offline (issue 16, point 5): search and filters run on the services this phone
// holds, every copy the service worker keeps of a catalog answer; from the second visit on,
// `keepWhole` makes that the whole catalog (refreshed daily). The catalog screen loads this
// once its first view is drawn, so the service worker keeps it for offline use.
import { isKiosk, lastCopy } from '../api.js';

const DATA_CACHE = 'portal-data'; // sw.js keeps the last good answer of each API GET there
const WHOLE = 50; // the server's largest page: the whole catalog in a few requests
const WHOLE_MAX_AGE_MS = 24 * 3600 * 1000;

/** @typedef {{code: string, name: {th: string, en: string}}} Named */
/** @typedef {{q: string, agency: string, life_event: string, limit: number, offset: number}} Query */

/** Read the whole catalog through the service worker, which keeps each page: a few requests a day. */
export async function keepWhole() {
  const kept = await lastCopy('/api/v1/services', { limit: WHOLE, offset: 0 });
  if (kept && Date.now() - (kept.storedAt?.getTime() || 0) < WHOLE_MAX_AGE_MS) return;
  for (let offset = 0, total = 1; offset < total && offset < 20 * WHOLE; offset += WHOLE) {
    const url = `/api/v1/services?limit=${WHOLE}&offset=${offset}`;
    const response = await fetch(url, { headers: { accept: 'application/json' } }).catch(() => null);
    if (!response?.ok) return;
    total = (await response.json()).total;
  }
}

/** The bodies of every copy the phone keeps of catalog answers, whatever their query. */
async function copies() {
  // (A kiosk keeps none: opening the cache would make one.)
  if (isKiosk() || !(await globalThis.caches?.has(DATA_CACHE))) return [];
  const cache = await caches.open(DATA_CACHE);
  const paths = ['/api/v1/services', '/api/v1/catalog'];
  const wanted = (await cache.keys()).filter((request) => paths.includes(new URL(request.url).pathname));
  const bodies = await Promise.all(wanted.map((request) => cache.match(request).then((hit) => hit?.json())));
  return bodies.filter(Boolean);
}

/**
 * A search on the services this phone holds, as the server does it: every word in the names,
 * summaries, agency or life events; in the agency; for the life event; by Thai name.
 * @param {Query} wanted @param {Named[]} events @returns {Promise<{items: any[], total: number}>}
 */
export async function search(wanted, events) {
  const bySlug = new Map();
  for (const body of await copies())
    for (const item of (body.services || body).items || []) bySlug.set(item.slug, item);
  const labels = new Map(events.map((e) => [e.code, `${e.name.th} ${e.name.en}`]));
  const words = wanted.q.toLowerCase().split(/\s+/).filter(Boolean);
  const found = [...bySlug.values()]
    .filter((item) => {
      if (wanted.agency && item.agency.code !== wanted.agency.toUpperCase()) return false;
      if (wanted.life_event && !item.life_events.includes(wanted.life_event)) return false;
      const text = [
        item.slug, item.name.th, item.name.en, item.summary.th, item.summary.en,
        item.agency.code, item.agency.name.th, item.agency.name.en,
        ...item.life_events.map((/** @type {string} */ code) => labels.get(code) || ''),
      ].join(' ').toLowerCase();
      return words.every((word) => text.includes(word));
    })
    .sort((a, b) => (a.name.th < b.name.th ? -1 : a.name.th > b.name.th ? 1 : 0));
  return { items: found.slice(wanted.offset, wanted.offset + wanted.limit), total: found.length };
}
