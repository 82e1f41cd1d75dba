// @ts-check
// The offline page shows itself in the language the citizen chose (strings from the SW cache).
import { loadLang } from './i18n.js';

await loadLang();
