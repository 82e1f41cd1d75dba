// @ts-check
// IndexedDB behind a small promise helper. Works in the page and in the service worker.
// To add a store: add it to STORES and bump VERSION; upgrade() creates what is missing.
// On a kiosk (a shared device) the page never opens the database: `useMemory()` swaps every
// store for a Map that lives as long as the page (the kiosk reloads after each citizen).

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
/** @type {Map<string, Map<IDBValidKey, any>> | null} */
let memory = null;

/** Keep every store in this page's memory from now on (kiosk mode). */
export function useMemory() { memory ??= new Map(); }

/** Are the stores in memory (kiosk mode)? */
export function inMemory() { return memory !== null; }

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
  if (memory) return memoryStore(name, memory);
  /** @param {IDBTransactionMode} mode */
  const os = async (mode) => (await openDB()).transaction(name, mode).objectStore(name);
  return {
    /** @returns {Promise<any[]>} */ all: async () => done((await os('readonly')).getAll()),
    /** @param {IDBValidKey} key */ get: async (key) => done((await os('readonly')).get(key)),
    /** @param {any} value @returns {Promise<IDBValidKey>} */ put: async (value) => done((await os('readwrite')).put(value)),
    /** @param {IDBValidKey} key */ delete: async (key) => done((await os('readwrite')).delete(key)),
    clear: async () => done((await os('readwrite')).clear()),
    /** @returns {Promise<number>} */ count: async () => done((await os('readonly')).count()),
  };
}

/** The same API over a Map (autoIncrement keys for the outbox, like IndexedDB's). @param {string} name @param {Map<string, Map<IDBValidKey, any>>} all */
function memoryStore(name, all) {
  if (!all.has(name)) all.set(name, new Map());
  const map = /** @type {Map<IDBValidKey, any>} */ (all.get(name));
  const { keyPath, autoIncrement } = /** @type {{keyPath: string, autoIncrement?: boolean}} */ (STORES[name]);
  const copy = (/** @type {any} */ value) => (value === undefined ? undefined : structuredClone(value));
  return {
    /** @returns {Promise<any[]>} */ all: async () => [...map.values()].map(copy),
    /** @param {IDBValidKey} key */ get: async (key) => copy(map.get(key)),
    /** @param {any} value @returns {Promise<IDBValidKey>} */
    put: async (value) => {
      const key = value[keyPath] ?? (autoIncrement ? Math.max(0, ...[...map.keys()].map(Number)) + 1 : undefined);
      map.set(key, { ...copy(value), [keyPath]: key });
      return key;
    },
    /** @param {IDBValidKey} key */ delete: async (key) => { map.delete(key); },
    clear: async () => { map.clear(); },
    /** @returns {Promise<number>} */ count: async () => map.size,
  };
}
