// @ts-check
// The one place that talks to the backend. Errors carry the server's {code, message}.

export class ApiError extends Error {
  /** @param {number} status @param {{code?: string, message?: string, message_th?: string}} body */
  constructor(status, body) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.code = body.code || 'error';
    this.body = body;
  }
}

/** @param {string} path @param {Record<string, string|number|undefined>} [params] */
export async function getJSON(path, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') query.set(k, String(v));
  const qs = query.toString();
  const response = await fetch(qs ? `${path}?${qs}` : path, { headers: { accept: 'application/json' } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}
