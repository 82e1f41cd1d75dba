// @ts-check
// IndexedDB behind a small promise helper. Works in the page and in the service worker.
// To add a store: add it to STORES and bump VERSION; upgrade() creates what is missing.
// A kiosk never opens it: its stores live in the page's memory (`replaceStores`).

const NAME = 'portal';
const VERSION = 2;
/** @type {Record<string, IDBObjectStoreParameters>} */
const STORES = {
  outbox: { keyPath: 'id', autoIncrement: true },
  data: { keyPath: 'key' }, // the phone's copy of the citizen's data (dashboard, details, profile)
  drafts: { keyPath: 'key' }, // forms being filled in, saved as the citizen types
};

/** @type {Promise<IDBDatabase> | null} */
let opening = null;
/** @type {((name: string) => any) | null} */
let replaced = null;

/** @param {(name: string) => any} make */
export function replaceStores(make) { replaced = make; }
export function inMemory() { return replaced !== null; }

/** @returns {Promise<IDBDatabase>} */
export function openDB() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, VERSION);
    request.onupgradeneeded = () => {
      for (const [name, options] of Object.entries(STORES)) {
        if (!request.result.objectStoreNames.contains(name)) request.result.createObjectStore(name, options);
      }
    };
    request.onsuccess = () => {
      // Another tab or the service worker wants a newer schema: let it have the database.
      request.result.onversionchange = () => { request.result.close(); opening = null; };
      resolve(request.result);
    };
    request.onerror = () => { opening = null; reject(request.error); };
  });
  return opening;
}

/** @template T @param {IDBRequest<T>} request @returns {Promise<T>} */
export function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * One store, promise style: `await store('outbox').all()`.
 * @param {string} name
 */
export function store(name) {
  if (replaced) return replaced(name);
  /** @param {IDBTransactionMode} mode */
  const os = async (mode) => (await openDB()).transaction(name, mode).objectStore(name);
  return {
    /** @returns {Promise<any[]>} */ all: async () => done((await os('readonly')).getAll()),
    /** @param {IDBValidKey} key */ get: async (key) => done((await os('readonly')).get(key)),
    /** @param {any} value @returns {Promise<IDBValidKey>} */ put: async (value) =>
      done((await os('readwrite')).put(value)),
    /** @param {IDBValidKey} key */ delete: async (key) => done((await os('readwrite')).delete(key)),
    clear: async () => done((await os('readwrite')).clear()),
    /** @returns {Promise<number>} */ count: async () => done((await os('readonly')).count()),
  };
}

/** @type {Map<string, Map<IDBValidKey, any>>} */
const memory = new Map();

/**
 * The store API over a Map that lives as long as the page (`replaceStores(memoryStore)`): a
 * kiosk's, or a delegate's while acting for someone, outbox, copies and drafts never reach
 * IndexedDB (the page reloads when whom it serves changes).
 * @param {string} name
 */
export function memoryStore(name) {
  if (!memory.has(name)) memory.set(name, new Map());
  const map = /** @type {Map<IDBValidKey, any>} */ (memory.get(name));
  const keyPath = name === 'outbox' ? 'id' : 'key'; // db.js STORES (the outbox numbers its items)
  const copy = (/** @type {any} */ value) => (value === undefined ? undefined : structuredClone(value));
  return {
    all: async () => [...map.values()].map(copy),
    /** @param {IDBValidKey} key */ get: async (key) => copy(map.get(key)),
    /** @param {any} value */
    put: async (value) => {
      const key = value[keyPath] ?? Math.max(0, ...[...map.keys()].map(Number)) + 1;
      map.set(key, { ...copy(value), [keyPath]: key });
      return key;
    },
    /** @param {IDBValidKey} key */ delete: async (key) => { map.delete(key); },
    clear: async () => { map.clear(); },
    count: async () => map.size,
  };
}
