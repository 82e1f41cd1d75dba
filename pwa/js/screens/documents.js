// @ts-check
// My documents (#/documents), the wallet as a screen: each document's type, a thumbnail (a
// picture for an image, a file icon otherwise), its date, the applications that used it and an
// agency's refusal; replace one (a new photo or file of the same type, then the old one goes
// if nothing waits on it) or delete it (refused while an application awaiting the agency uses
// it, and said why); add one by camera or file. Uploads go through the outbox (upload.js):
// offline, they wait on the phone and My applications shows them.
import { send } from '../api.js';
import { t, pick, date, number, loadStrings } from '../i18n.js';
import { replay, list as queued } from '../outbox.js';
import { el } from '../views/dom.js';
import { page, field, button, busy, problemText, refusalText, signedIn, setFlash, takeFlash } from './ui.js';
import { fresh } from './local.js';
import { checkFile } from './form.js';

await loadStrings('more').catch(() => {}); // offline and not yet kept: their keys

const WALLET = '/api/v1/documents';
const ICON = 'M6 2h9l5 5v15H6zM14 3v5h5'; // a sheet with a folded corner

/**
 * @typedef {{application: number, tracking_code: string, service: {th: string, en: string}, status: string,
 *   pending?: boolean}} Use
 * @typedef {{id: number, document_type: string, label: string, content_type: string, size_bytes: number,
 *   created_at: string, refused_by?: number, uses?: Use[]}} Doc
 */

/** @param {HTMLElement} root */
export async function render(root) {
  await loadStrings('journey');
  const me = signedIn(root, t('wallet.title'));
  if (!me) return;
  /** @type {[Doc[], {code: string, name: {th: string, en: string}}[]]} */
  const [docs, types] = await Promise.all([
    fresh('wallet', `${WALLET}?uses=true`),
    fresh('document-types', '/api/v1/document-types').catch(() => []),
  ]);
  const names = new Map(types.map((d) => [d.code, pick(d.name)]));
  const status = el('p', { class: 'status', role: 'status' });
  const again = () => render(root);
  page(root, t('wallet.title'),
    takeFlash(),
    el('p', {}, t('wallet.intro')),
    status,
    docs.length
      ? el('ul', { class: 'cards' }, ...docs.map((d) => card(d, names, status, again)))
      : el('p', {}, t('wallet.none')),
    addSection(types, status, again),
    el('p', {}, el('a', { href: '#/account' }, t('nav.account'))),
  );
}

/**
 * @param {Doc} doc @param {Map<string, string>} names @param {HTMLElement} status
 * @param {() => Promise<void>} again
 */
function card(doc, names, status, again) {
  const type = names.get(doc.document_type) || doc.document_type;
  const image = doc.content_type.startsWith('image/');
  const thumb = image
    ? el('img',
      { class: 'thumb', src: `${WALLET}/${doc.id}/content`, alt: '', width: '72', height: '72', loading: 'lazy' })
    : fileIcon();
  const uses = doc.uses || [];
  const refusedIn = uses.find((u) => u.application === doc.refused_by);
  const problem = el('p', { class: 'error', role: 'alert' });
  const confirm = el('div', { class: 'warning' });
  confirm.hidden = true;
  const waiting = uses.filter((u) => u.pending);
  const remove = button(t('wallet.delete'), () => {
    if (confirm.hidden) {
      confirm.replaceChildren(el('p', {}, t(waiting.length ? 'wallet.inUse' : 'wallet.deleteSure',
        { codes: waiting.map((u) => u.tracking_code).join(', ') })));
      confirm.hidden = false;
      if (!waiting.length) remove.textContent = t('wallet.deleteYes');
      return;
    }
    busy(confirm.parentElement || confirm, async () => {
      try {
        await send('DELETE', `${WALLET}/${doc.id}`);
        setFlash(t('wallet.deleted', { name: doc.label || type }));
        await again();
      } catch (error) {
        problem.textContent = problemText(error);
      }
    });
  }, 'danger');
  const replace = picker(`replace-${doc.id}`, t('wallet.replace'), 'image/*,application/pdf', async (file) => {
    if (!(await upload(file, doc.document_type, status))) return;
    try {
      await send('DELETE', `${WALLET}/${doc.id}`);
      setFlash(t('wallet.replaced'));
    } catch (error) {
      setFlash(`${t('wallet.added')} ${problemText(error)}`); // the old one stays while it is needed
    }
    await again();
  });
  return el('li', { class: 'card doc' },
    thumb,
    el('div', {},
      el('h2', {}, el('a', { href: `${WALLET}/${doc.id}/content`, target: '_blank', rel: 'noopener' }, type)),
      el('p', { class: 'meta' }, [doc.label, date(doc.created_at),
        t('upload.kb', { n: number(Math.max(1, Math.round(doc.size_bytes / 1024))) })].filter(Boolean).join(' · ')),
      doc.refused_by ? el('p', { class: 'refused' }, el('strong', {}, t('upload.refused')),
        refusedIn ? ` (${pick(refusedIn.service)} · ${refusedIn.tracking_code})` : '') : '',
      uses.length ? el('p', {}, t('wallet.usedBy')) : el('p', { class: 'meta' }, t('wallet.unused')),
      uses.length ? el('ul', {}, ...uses.map((u) => el('li', {},
        el('a', { href: `#/applications/${u.application}` }, `${pick(u.service)} · `,
          el('span', { class: 'code' }, u.tracking_code)), ` · ${t(`state.${u.status}`)}`))) : '',
      replace, confirm, problem,
      el('div', { class: 'actions-row' }, remove)));
}

/** Add a document: its type, then a photo or a file. @param {{code: string, name: {th: string, en: string}}[]} types
 * @param {HTMLElement} status @param {() => Promise<void>} again */
function addSection(types, status, again) {
  const kind = /** @type {HTMLSelectElement} */ (el('select', {}, el('option', { value: '' }, t('form.choose')),
    ...types.map((d) => el('option', { value: d.code }, pick(d.name)))));
  const problem = el('p', { class: 'error', role: 'alert' });
  /** @param {File} file */
  const add = async (file) => {
    problem.textContent = kind.value ? '' : t('wallet.typeFirst');
    if (!kind.value) { kind.focus(); return; }
    if (!(await upload(file, kind.value, status))) return;
    setFlash(t('wallet.added'));
    await again();
  };
  return el('section', { 'aria-labelledby': 'add-title' },
    el('h2', { id: 'add-title' }, t('wallet.add')),
    field('add-type', t('wallet.type'), kind), problem,
    picker('add-camera', t('upload.camera'), 'image/*', add, true),
    picker('add-file', t('upload.label'), 'application/pdf,image/jpeg,image/png', add));
}

/**
 * A labelled file input; `camera`: the back camera opens at once on a phone.
 * @param {string} id @param {string} label @param {string} accept @param {(file: File) => Promise<void>} then
 * @param {boolean} [camera]
 */
function picker(id, label, accept, then, camera = false) {
  const input = /** @type {HTMLInputElement} */ (
    el('input', { type: 'file', accept, ...(camera ? { capture: 'environment' } : {}) })
  );
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    input.value = '';
    if (file) busy(/** @type {HTMLElement} */ (input.closest('section, li') || document.body), () => then(file));
  });
  return field(id, label, input);
}

/**
 * Queue a file for the wallet and send it now if the link allows; true once it is in the wallet.
 * @param {File} file @param {string} type @param {HTMLElement} status
 */
async function upload(file, type, status) {
  const problem = await checkFile(file);
  if (problem) { status.textContent = problem; return false; }
  status.textContent = t('upload.sending');
  const { queue } = await import('../upload.js');
  const item = await queue(file, type);
  await replay().catch(() => {});
  const left = (await queued()).find((i) => i.id === item.id);
  if (!left) return true;
  status.textContent = left.state === 'failed' ? refusalText(left.error) : t('upload.queued');
  return false;
}

function fileIcon() {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '-6 -6 36 36'); // the sheet in the middle of the frame
  svg.setAttribute('class', 'thumb icon-file');
  svg.setAttribute('aria-hidden', 'true');
  for (const [name, value] of [['fill', 'none'], ['stroke', '#1d4f91'], ['stroke-width', '1.5']])
    svg.setAttribute(name, value);
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', ICON);
  svg.append(path);
  return svg;
}
