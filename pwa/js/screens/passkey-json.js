// @ts-check
// For browsers without PublicKeyCredential.parse…OptionsFromJSON() and credential.toJSON():
// the same conversions by hand (base64url ↔ bytes). Loaded by passkey.js only where needed.

/** @param {any} json the server's creation options */
export function creationOptions(json) {
  return {
    ...json,
    challenge: bytes(json.challenge),
    user: { ...json.user, id: bytes(json.user.id) },
    excludeCredentials: ids(json.excludeCredentials),
  };
}

/** @param {any} json the server's request options */
export function requestOptions(json) {
  return { ...json, challenge: bytes(json.challenge), allowCredentials: ids(json.allowCredentials) };
}

/** @param {string} text base64url @returns {ArrayBuffer} */
function bytes(text) {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
}

/** @param {{id: string}[] | undefined} list */
function ids(list) { return (list || []).map((c) => ({ ...c, id: bytes(c.id) })); }

/** @param {ArrayBuffer | null} buffer */
function text(buffer) {
  if (!buffer) return null;
  return btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The credential as JSON (what toJSON() gives where the browser has it). @param {any} credential */
export function toJSON(credential) {
  const r = credential.response;
  const response = r.attestationObject
    ? {
        clientDataJSON: text(r.clientDataJSON),
        attestationObject: text(r.attestationObject),
        transports: r.getTransports?.() || [],
      }
    : {
        clientDataJSON: text(r.clientDataJSON),
        authenticatorData: text(r.authenticatorData),
        signature: text(r.signature),
        userHandle: text(r.userHandle),
      };
  return {
    id: credential.id,
    rawId: text(credential.rawId),
    type: credential.type,
    response,
    authenticatorAttachment: credential.authenticatorAttachment,
    clientExtensionResults: credential.getClientExtensionResults(),
  };
}
