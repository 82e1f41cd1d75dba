// @ts-check
// Who the citizen screens speak to. On a phone, the citizen ("คำขอของฉัน"); at a kiosk while an
// operator serves someone, the operator, about that citizen by name ("คำขอของ สมศรี"): the
// staff words `serving.<key>` (loaded by the kiosk) replace the citizen's `<key>` there.
import { t } from '../i18n.js';
import { account, actingFor } from '../session.js';

const SERVING = 'serving.';

/** @param {string} key @param {Record<string, string | number>} [vars] */
export function said(key, vars = {}) {
  const me = account();
  const citizen = actingFor();
  if (me?.role === 'operator' && citizen && citizen !== me) {
    const text = t(`${SERVING}${key}`, { ...vars, name: citizen.full_name });
    if (text !== `${SERVING}${key}`) return text;
  }
  return t(key, vars);
}
