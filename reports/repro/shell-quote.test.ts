import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { shellQuote } from './shell-quote.ts';

describe('shellQuote', () => {
  it('leaves plain words bare and quotes the rest', () => {
    expect(shellQuote('x/web:80')).toBe('x/web:80');
    expect(shellQuote('a b')).toBe("'a b'");
  });
  it.each(["it's", 'a b', '$(rm -rf /)', '`x`', '"q"', 'a\nb', '', '*', '\\'])('bash reads %j back as one word, unchanged', (word) => {
    const out = execFileSync('bash', ['-c', `printf '%s' ${shellQuote(word)}`], { encoding: 'utf8' });
    expect(out).toBe(word);
  });
});
