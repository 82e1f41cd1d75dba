// @ts-check
// A tiny element builder: no framework, no innerHTML (nothing from the server is parsed as HTML).

/**
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {...(Node|string)} children
 * @returns {HTMLElement}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'value') /** @type {HTMLInputElement} */ (node).value = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}
