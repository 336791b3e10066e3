import { describe, expect, it } from 'vitest';
import { triesFor } from './service-spreads.ts';

describe('triesFor', () => {
  it.each([2, 3, 6, 12])('makes missing one of %i uniformly picked endpoints less likely than 1e-9', (k) => {
    const n = triesFor(k);
    expect(k * ((k - 1) / k) ** n).toBeLessThan(1e-9);
    // and not wastefully more: one try fewer would not be enough
    expect(k * ((k - 1) / k) ** (n - 1)).toBeGreaterThanOrEqual(1e-9);
  });
});
