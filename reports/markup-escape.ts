// Escaping text for XML (JUnit) and HTML alike: both treat the same five characters as markup.
// XML 1.0 forbids most C0 control characters even as character references, so they become U+FFFD,
// as do lone surrogates (a probe's detail can carry raw bytes a server sent back).

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for an element's content and for a quoted attribute value. */
export function escapeMarkup(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD')
    // a lone UTF-16 surrogate is no character at all (and no UTF-8 can encode it)
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/**
 * Text for a quoted attribute value that must survive an XML parser: attribute-value normalization
 * (XML 1.0 section 3.3.3) turns a literal tab, newline or carriage return into a space, but keeps
 * them when written as character references.
 */
export function escapeAttribute(text: string): string {
  return escapeMarkup(text).replace(/[\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}
