import { describe, expect, it } from 'vitest';
import { gc, SWEEPERS, type Sweeper } from './gc.ts';

describe('netprops gc', () => {
  it("collects every target's removals, in order", async () => {
    const sweepers: Sweeper[] = [
      { target: 'kernel', sweep: async () => ['kernel run abc123: 3 namespace(s)'] },
      { target: 'cluster', sweep: async () => [] },
      { target: 'other', sweep: async () => ['x', 'y'] },
    ];
    expect(await gc(sweepers)).toEqual(['kernel run abc123: 3 namespace(s)', 'x', 'y']);
  });

  it('sweeps the kernel target', () => {
    expect(SWEEPERS.map((s) => s.target)).toContain('kernel');
  });
});
