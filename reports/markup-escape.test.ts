import { describe, it, expect } from 'vitest';
import { escapeMarkup } from './markup-escape.ts';

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
});
