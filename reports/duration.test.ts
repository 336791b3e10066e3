import { describe, it, expect } from 'vitest';
import { formatDuration } from './duration.ts';

describe('formatDuration', () => {
  it('prints milliseconds below a second, seconds with one decimal below a minute, then minutes', () => {
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(999.4)).toBe('999 ms');
    expect(formatDuration(1000)).toBe('1.0 s');
    expect(formatDuration(59_949)).toBe('59.9 s');
    expect(formatDuration(61_000)).toBe('1 min 1 s');
    expect(formatDuration(3_600_000)).toBe('60 min 0 s');
  });
});
