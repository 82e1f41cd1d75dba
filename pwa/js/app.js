// @ts-check
// Entry point: load the language, then route on the URL hash (#/services/<slug>).
import { loadLang, currentLang } from './i18n.js';
import { renderCatalog } from './views/catalog.js';
import { renderService } from './views/service.js';

const view = /** @type {HTMLElement} */ (document.querySelector('[data-module="view"]'));
const langButton = /** @type {HTMLButtonElement} */ (document.querySelector('[data-module="lang-switch"]'));
if (!view || !langButton) throw new Error('index.html is missing its view or language switch');

function route() {
  const match = location.hash.match(/^#\/services\/([\w-]+)/);
  if (match) return renderService(view, match[1]);
  return renderCatalog(view, new URLSearchParams(location.hash.split('?')[1] || ''));
}

function labelLangButton() {
  const other = currentLang() === 'th' ? 'en' : 'th';
  langButton.textContent = other === 'en' ? 'EN' : 'ไทย';
  langButton.setAttribute('aria-label', other === 'en' ? 'English' : 'ภาษาไทย');
  langButton.lang = other;
}

langButton.addEventListener('click', async () => {
  await loadLang(currentLang() === 'th' ? 'en' : 'th');
  labelLangButton();
  route();
});
window.addEventListener('hashchange', () => { route(); view.focus(); });

await loadLang();
labelLangButton();
route();
