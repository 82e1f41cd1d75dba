// @ts-check
// A staff screen's own stylesheet (css/<name>.css), loaded before it draws: the queue ticket
// and its print rules, an office's day, stay off citizens' phones.

/** @param {string} name @returns {Promise<void>} */
export function sheet(name) {
  const href = new URL(`../../css/${name}.css`, import.meta.url).href;
  if (document.querySelector(`link[href="${href}"]`)) return Promise.resolve();
  const link = /** @type {HTMLLinkElement} */ (document.createElement('link'));
  link.rel = 'stylesheet';
  link.href = href;
  const loaded = new Promise((resolve) => { link.onload = link.onerror = () => resolve(undefined); });
  document.head.append(link);
  return loaded;
}
