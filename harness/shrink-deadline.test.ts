import { describe, expect, it } from 'vitest';
import { SHRINK_DEADLINE_FLOOR_MS, shrinkDeadlineMs } from './shrink-deadline.ts';

describe('shrinkDeadlineMs', () => {
  it('waits the floor plus the slowest round when no probe had to wait', () => {
    expect(shrinkDeadlineMs(20_000, { slowestWaitedMs: 0, slowestRoundMs: 3400 })).toBe(SHRINK_DEADLINE_FLOOR_MS + 3400);
  });

  it('waits twice the slowest convergence measured, once that is over the floor, plus the slowest round', () => {
    expect(shrinkDeadlineMs(20_000, { slowestWaitedMs: 3300, slowestRoundMs: 2000 })).toBe(8600);
  });

  it('never waits longer than the full deadline: a slow cluster shrinks as it searched', () => {
    expect(shrinkDeadlineMs(20_000, { slowestWaitedMs: 9000, slowestRoundMs: 5000 })).toBe(20_000);
    expect(shrinkDeadlineMs(4000, { slowestWaitedMs: 0, slowestRoundMs: 0 })).toBe(4000);
  });
});
