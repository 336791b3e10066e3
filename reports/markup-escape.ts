// Escaping text for XML (JUnit) and HTML alike: both treat the same five characters as markup.
// XML 1.0 forbids most C0 control characters even as character references, so they become U+FFFD
// (a probe's detail can carry raw bytes a server sent back).

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for an element's content and for a quoted attribute value. */
export function escapeMarkup(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD')
    .replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
