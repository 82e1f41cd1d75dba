// @ts-check
// Where a tap on a notification goes (used by sw.js `notificationclick`): to the application
// it is about, in a window of the app that is already open if there is one (focused and
// navigated there), else in a new one. Kept apart from sw.js so a browser test can run it
// against a stand-in for `clients` (a headless browser cannot tap a notification).

/** @typedef {{url: string, focus(): Promise<AppWindow>, navigate(url: string): Promise<AppWindow | null>}} AppWindow */
/**
 * @typedef {{matchAll(options: {type: 'window'}): Promise<readonly any[]>, openWindow(url: string): Promise<any>}}
 * AppClients
 */

/**
 * The absolute URL to open: the notification's own path on this origin, never another site.
 * @param {{url?: string} | null | undefined} data the notification's `data`
 * @param {string} origin
 */
export function clickTarget(data, origin) {
  const target = new URL(data?.url || '/', origin);
  return target.origin === origin ? target.href : `${origin}/`;
}

/**
 * Focus an open window of the app at `url`, or open one.
 * @param {AppClients} clients the service worker's `clients`
 * @param {string} url
 */
export async function openTarget(clients, url) {
  const windows = /** @type {AppWindow[]} */ (await clients.matchAll({ type: 'window' }));
  const open = windows.find((client) => new URL(client.url).origin === new URL(url).origin);
  if (!open) return clients.openWindow(url);
  const focused = await open.focus();
  return focused.url === url ? focused : focused.navigate(url);
}
