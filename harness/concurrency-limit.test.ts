import { describe, it, expect } from 'vitest';
import { mapWithLimit } from './concurrency-limit.ts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapWithLimit', () => {
  it('never has more than `limit` in flight, and keeps input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapWithLimit([5, 1, 4, 2, 3, 0, 6, 2], 3, async (ms, i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await tick(ms);
      inFlight--;
      return i * 10;
    });
    expect(peak).toBe(3);
    expect(out).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
  });

  it('stops starting new work after a failure and rejects with it', async () => {
    const started: number[] = [];
    await expect(
      mapWithLimit([1, 2, 3, 4, 5], 1, async (n) => {
        started.push(n);
        if (n === 2) throw new Error('boom');
        return n;
      }),
    ).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
  });

  it('rejects a limit that is not a positive integer (a bug in the caller)', async () => {
    await expect(mapWithLimit([1], 0, async (n) => n)).rejects.toThrow(/positive integer/);
  });
});
