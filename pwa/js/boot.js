// @ts-check
// The page's first script. The server writes it into index.html (lib/static.py), so it runs as
// the page's head is read, while the shell's modules are on their way, and names to the
// browser what the route's screen needs (its modules, and its first answer from the server):
// those travel with the shell instead of one round trip after a script has arrived, or after
// app.js has run. The route is in the URL's hash, which the server never sees, so index.html
// cannot name them itself. A classic script (inline, it could not be imported): app.js and
// api.js use what it leaves in `portalBoot`.
// Hash routes (#/services/<slug>): the shell at `/` is one cached page, so every screen works
// offline. Screens (js/screens/<name>.js) export `render(root, params, match)`.

const portalBoot = (() => {
  /** Hash pattern → screen (js/screens/<name>.js); '' is named by the match. */
  const SCREENS = /** @type {[RegExp, string][]} */ ([
    [/^#\/services\/([\w-]+)\/apply$/, 'apply'],
    [/^#\/services\/([\w-]+)$/, 'service'],
    [/^#\/applications\/(\d+)$/, 'application'],
    [/^#\/(?:recover|invitation)$/, 'code'],
    [/^#\/kiosk\/recovery$/, 'recovery'],
    [/^#\/kiosk(?:\/activate)?$/, 'kiosk'],
    [/^#\/officer(?:\/applications\/(\d+)|\/(performance))?$/, 'officer'],
    [/^#\/(delegations|delegate)$/, 'delegations'],
    [/^#\/(welcome|enrol|signin|account|dashboard|documents|kiosk-consent|notifications)$/, ''],
  ]);
  /** Screen → the other screens' modules it imports (the server writes them in: lib/static.py). */
  const NEEDS = /** @type {Record<string, string[]>} */ (/** @type {unknown} */ ('__SCREEN_IMPORTS__'));
  const named = new Set();
  /** app.js's element, named just before this: a module, or on a screen the service worker
   * kept as drawn, inert (sw.js's paintFirst), which this starts once that screen has painted. */
  const app = /** @type {HTMLScriptElement} */ (document.querySelector('script[src$="/js/app.js"]'));
  /** Where the shell's modules are (`/v/<build>/js/`). */
  const base = app.src;

  /** The screen a hash path opens (the catalog for an empty or unknown one), and the match.
   * @param {string} path @returns {[string, RegExpMatchArray]} */
  function route(path) {
    for (const [pattern, name] of SCREENS) {
      const match = path.match(pattern);
      if (match) return [name || match[1], match];
    }
    return ['catalog', /** @type {RegExpMatchArray} */ ([path])];
  }

  /** Name a screen's modules, and those it imports, to the browser at once: one round trip,
   * not one per level of imports. @param {string} name */
  function nameScreen(name) {
    for (const needed of [name, ...(NEEDS[name] || [])]) {
      if (named.has(needed)) continue;
      named.add(needed);
      const link = document.createElement('link');
      link.rel = 'modulepreload';
      link.href = new URL(`./screens/${needed}.js`, base).href;
      document.head.append(link);
    }
  }

  const KIOSK_HINT = 'portal_kiosk_mode'; // a cookie: set at activation, outlives Clear-Site-Data

  /** GETs asked for before the screen that reads them has loaded, and the phone's kept copies
   * (Cache Storage) looked up ahead: URL (path?query) → response. */
  const ahead = new Map();
  const keptAhead = new Map();

  /** What was started ahead for a URL, once. @param {Map<string, Promise<any>>} started @param {string} url */
  function take(started, url) {
    const response = started.get(url);
    started.delete(url);
    return response;
  }
  /** The answer to a GET asked for ahead, once (api.js's getJSON takes it).
   * @param {string} url @returns {Promise<Response> | undefined} */
  const takeAhead = (url) => take(ahead, url);
  /** The kept copy looked up ahead, once (api.js's lastCopy takes it).
   * @param {string} url @returns {Promise<Response | undefined> | undefined} */
  const takeKept = (url) => take(keptAhead, url);

  /** The first screen is drawn: what it did not take would be stale for the next. */
  function forgetAhead() { ahead.clear(); keptAhead.clear(); }

  /** @param {string} url */
  function askAhead(url) {
    const response = fetch(url, { headers: { accept: 'application/json' } });
    response.catch(() => {}); // the screen that takes it hears of a failure
    ahead.set(url, response);
  }

  /** Ask ahead for what the first screen needs. */
  function start() {
    const [path, query] = location.hash.split('?');
    const first = route(path)[0];
    nameScreen(first);
    // The words a first screen loads for itself, with its modules (i18n.js's loadStrings fetches
    // the same URL; once kept, the service worker answers it): not a round trip after them.
    const WORDS = /** @type {Record<string, string>} */ ({ dashboard: 'journey', enrol: 'enrol', code: 'enrol' });
    if (WORDS[first]) {
      const words = document.createElement('link');
      Object.assign(words, { rel: 'preload', as: 'fetch', crossOrigin: 'anonymous' });
      words.href = new URL(`../i18n/${WORDS[first]}/${document.documentElement.lang}.json`, base).href;
      document.head.append(words);
    }
    // A kiosk sends its own header on every API request (api.js): it asks for itself.
    if (!document.cookie.includes(`${KIOSK_HINT}=`)) {
      // The catalog's first page (catalog.js asks for the same URL when the hash has no search),
      // and the copy the phone kept of it, which it draws first (sw.js's DATA_CACHE).
      if (first === 'catalog' && !query) {
        const url = '/api/v1/catalog?limit=10&offset=0';
        askAhead(url);
        if (navigator.serviceWorker?.controller && globalThis.caches) {
          const found = caches.match(url, { cacheName: 'portal-data', ignoreVary: true });
          found.catch(() => {});
          keptAhead.set(url, found);
        }
      }
      // A signed-in phone draws its screens from the copies it keeps in IndexedDB (db.js): a
      // new page's first open of the database waits ~100 ms on a slow phone, here spent while
      // the shell's modules load. (The connection closes when db.js asks for a newer schema.)
      const signedIn = Boolean(localStorage.getItem('account'));
      if (signedIn) {
        const warm = indexedDB.open('portal');
        warm.onsuccess = () => {
          const db = warm.result;
          db.onversionchange = () => db.close();
          setTimeout(() => db.close(), 10_000);
        };
      }
      // A phone holding a session cookie but not yet the account (its browser data was cleared):
      // the session check and the dashboard's first page come with the shell, not one round
      // trip after app.js has run.
      // (session.js keeps the account under 'account'; the CSRF cookie, outbox.js's CSRF_COOKIE,
      // comes with a session: one of a sign-in in progress begins with session.js's ANONYMOUS.)
      if (!signedIn && /(^|; )portal_csrf=(?!anon\.)/.test(document.cookie)) {
        askAhead('/api/v1/session'); // app.js's session check, which says who is signed in
        if (first === 'dashboard') {
          askAhead('/api/v1/dashboard?limit=20');
          askAhead('/api/v1/appointments'); // the office visits it shows beside the list
        }
      }
    }
  }

  if (app.type === 'module') start();
  else {
    // The screen as last drawn is in the page: paint it first (this thread's work before the
    // first frame is what a slow phone waits for), then ask ahead and run the app, which
    // draws the same over it. At the latest after 200 ms: a hidden tab has no frames.
    let started = false;
    const go = () => {
      if (started) return;
      started = true;
      start();
      const script = document.createElement('script');
      script.type = 'module';
      script.setAttribute('src', app.getAttribute('src') || base);
      app.replaceWith(script);
    };
    requestAnimationFrame(() => setTimeout(go));
    setTimeout(go, 200);
  }

  return { route, nameScreen, takeAhead, takeKept, forgetAhead, KIOSK_HINT };
})();
