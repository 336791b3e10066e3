import { describe, it, expect } from 'vitest';
import { escapeAttribute, escapeMarkup } from './markup-escape.ts';

describe('escapeMarkup', () => {
  it('escapes the five markup characters (XML 1.0 section 2.4: & and < never appear literally)', () => {
    expect(escapeMarkup(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&#39;');
  });
  it('does not double-escape: an existing entity is text and its & is escaped', () => {
    expect(escapeMarkup('&amp;')).toBe('&amp;amp;');
  });
  it('replaces control characters XML 1.0 forbids, keeping tab, newline and carriage return', () => {
    expect(escapeMarkup('a\u0000b\u001bc\td\ne\rf')).toBe('a\uFFFDb\uFFFDc\td\ne\rf');
  });
  it('leaves ordinary Unicode alone', () => {
    expect(escapeMarkup('x/web → 10.0.0.1:80 ✓')).toBe('x/web → 10.0.0.1:80 ✓');
  });
  it('replaces lone surrogates and keeps pairs', () => {
    expect(escapeMarkup('a\uD800b\uDC00c\uD83D\uDE00')).toBe('a\uFFFDb\uFFFDc\uD83D\uDE00');
  });
  it('keeps tab, newline and carriage return in attributes as character references (XML attribute normalization)', () => {
    expect(escapeAttribute('a\tb\nc\rd"')).toBe('a&#9;b&#10;c&#13;d&quot;');
  });
});
