import { describe, it, expect } from 'vitest';
import type { Observation, Outcome, Probe, Verdict } from '../cluster/types.ts';
import { awaitEnforcement, enforcementSummary, type Clock } from './enforcement.ts';

/** A clock that only moves when the code under test sleeps or a probe takes time. */
function fakeClock(): Clock & { t: number } {
  const c = { t: 0, now: () => c.t, sleep: async (ms: number) => void (c.t += ms) };
  return c;
}

const probe = (name: string): Probe => ({ from: { kind: 'pod', namespace: 'x', name: 'client' }, to: { kind: 'pod', namespace: 'x', name }, port: 80, protocol: 'TCP' });

/**
 * A target whose probe i shows `before` until time `at[i]`, then `after`. Probes run one at a
 * time (concurrency 1), 100 ms each; `batches` counts the probes of each round.
 */
function target(clock: Clock & { t: number }, script: { before: Outcome; after: Outcome; at: number }[]) {
  const batches: number[] = [];
  let lastRoundAt = -1;
  return {
    batches,
    concurrency: 1,
    runOne: async (p: Probe): Promise<Observation> => {
      if (clock.t !== lastRoundAt) batches.push(0);
      batches[batches.length - 1]++;
      clock.t += 100;
      lastRoundAt = clock.t;
      const s = script[Number((p.to as { name: string }).name)];
      return { outcome: clock.t >= s.at ? s.after : s.before };
    },
  };
}

const base = { changedAt: 0, deadlineMs: 5000, retryIntervalMs: 400, deniedAs: ['timeout'] as const };

describe('awaitEnforcement', () => {
  it('re-probes only what does not match yet, and records the time each took to match', async () => {
    const clock = fakeClock();
    const t = target(clock, [
      { before: 'delivered', after: 'delivered', at: 0 }, // allowed from the start
      { before: 'delivered', after: 'timeout', at: 1000 }, // a new deny policy takes effect at 1 s
      { before: 'timeout', after: 'delivered', at: 2000 }, // a new allow takes effect at 2 s
    ]);
    const verdicts: Verdict[] = ['allow', 'deny', 'allow'];
    const r = await awaitEnforcement({ ...base, probes: ['0', '1', '2'].map(probe), verdicts, runOne: t.runOne, concurrency: t.concurrency, clock });
    expect(r.observations.map((o) => o.outcome)).toEqual(['delivered', 'timeout', 'delivered']);
    expect(t.batches[0]).toBe(3);
    expect(t.batches.slice(1).every((b) => b <= 2)).toBe(true);
    // Timed per probe: the first probe completes at 100 ms, not at the end of its round.
    expect(r.timeToEnforceMs[0]).toBe(100);
    expect(r.timeToEnforceMs[1]).toBeGreaterThanOrEqual(1000);
    expect(r.timeToEnforceMs[1]).toBeLessThan(1600);
    expect(r.timeToEnforceMs[2]).toBeGreaterThanOrEqual(2000);
    expect(r.staleness).toEqual([undefined, undefined, undefined]);
  });

  it('with runRound, hands each round\'s pending probes over at once and keeps the times it reports', async () => {
    const clock = fakeClock();
    const rounds: string[][] = [];
    const runRound = async (ps: Probe[]) => {
      rounds.push(ps.map((p) => (p.to as { name: string }).name));
      clock.t += 100;
      // Probe 1's policy takes effect at 1 s; each result is timed apart (probe i done at +10*i ms).
      return ps.map((p, i) => {
        const name = (p.to as { name: string }).name;
        return { observation: { outcome: name === '1' && clock.t < 1000 ? 'delivered' : name === '1' ? 'timeout' : 'delivered' } as Observation, at: clock.t - 50 + 10 * i };
      });
    };
    const r = await awaitEnforcement({ ...base, probes: ['0', '1'].map(probe), verdicts: ['allow', 'deny'], runOne: async () => { throw new Error('runOne must not be called'); }, runRound, concurrency: 1, clock });
    expect(rounds[0]).toEqual(['0', '1']);
    expect(rounds.slice(1).every((r) => r.length === 1 && r[0] === '1')).toBe(true);
    expect(r.timeToEnforceMs[0]).toBe(50);
    expect(r.timeToEnforceMs[1]).toBeGreaterThanOrEqual(1000 - 50);
    expect(r.attempts[1].length).toBe(rounds.length);
  });

  it('times each probe when it completes, not when its whole round does', async () => {
    const clock = fakeClock();
    const t = target(clock, [0, 1, 2].map(() => ({ before: 'delivered' as const, after: 'delivered' as const, at: 0 })));
    const r = await awaitEnforcement({ ...base, probes: ['0', '1', '2'].map(probe), verdicts: ['allow', 'allow', 'allow'], runOne: t.runOne, concurrency: 1, clock });
    expect(r.timeToEnforceMs).toEqual([100, 200, 300]);
  });

  it('at the deadline, a denied probe still delivered is a stale allow; an allowed one still failing a stale deny', async () => {
    const clock = fakeClock();
    const t = target(clock, [
      { before: 'delivered', after: 'delivered', at: 0 },
      { before: 'timeout', after: 'timeout', at: 0 },
    ]);
    const r = await awaitEnforcement({ ...base, probes: ['0', '1'].map(probe), verdicts: ['deny', 'allow'], runOne: t.runOne, concurrency: t.concurrency, clock });
    expect(r.staleness).toEqual(['stale-allow', 'stale-deny']);
    expect(r.observations[0].detail).toMatch(/stale allow: still delivered 5\.0s after the change/);
    expect(r.observations[1].detail).toMatch(/stale deny/);
    expect(r.timeToEnforceMs).toEqual([undefined, undefined]);
    // It waited for the deadline, and not much longer.
    expect(clock.t).toBeGreaterThan(4000);
    expect(clock.t).toBeLessThanOrEqual(5100);
  });

  it('an allowed probe answered by a pod that is no backend is tried again until the endpoints converge; one never converging is a stale endpoint', async () => {
    // kube-proxy learns an endpoint change after the EndpointSlice controller: for a while a flow
    // still reaches the old endpoint, then the new one (probe 0 at 1 s); probe 1 never moves.
    const clock = fakeClock();
    const answer = (name: string): Observation => ({ outcome: 'delivered', backend: { namespace: 'x', name, port: 80 } });
    const runOne = async (p: Probe): Promise<Observation> => {
      clock.t += 100;
      return (p.to as { name: string }).name === '0' && clock.t >= 1000 ? answer('b') : answer('a');
    };
    const r = await awaitEnforcement({
      ...base, probes: ['0', '1'].map(probe), verdicts: ['allow', 'allow'], backends: [['x/b:80'], ['x/b:80']], runOne, concurrency: 1, clock,
    });
    expect(r.observations.map((o) => o.backend?.name)).toEqual(['b', 'a']);
    expect(r.timeToEnforceMs[0]).toBeGreaterThanOrEqual(1000);
    expect(r.attempts[0].length).toBeGreaterThan(1);
    expect(r.staleness).toEqual([undefined, 'stale-endpoint']);
    expect(r.observations[1].detail).toMatch(/stale endpoint: still answered by a pod that is no backend 5\.0s after the change/);
    // Without backends to wait for, the first delivery settles the probe.
    const once = await awaitEnforcement({ ...base, probes: [probe('1')], verdicts: ['allow'], runOne, concurrency: 1, clock: fakeClock() });
    expect(once.attempts[0]).toHaveLength(1);
  });

  it('undefined verdicts and unsupported probes are probed once and never waited for', async () => {
    const clock = fakeClock();
    const t = target(clock, [
      { before: 'delivered', after: 'delivered', at: 0 },
      { before: 'unsupported', after: 'unsupported', at: 0 },
    ]);
    const r = await awaitEnforcement({ ...base, probes: ['0', '1'].map(probe), verdicts: ['undefined', 'deny'], runOne: t.runOne, concurrency: t.concurrency, clock });
    expect(t.batches).toEqual([2]);
    expect(r.rounds).toBe(1);
    expect(r.staleness).toEqual([undefined, undefined]);
  });

  it('a denial shown in a way the CNI profile does not declare is a profile violation, not a wait', async () => {
    const clock = fakeClock();
    const t = target(clock, [
      { before: 'refused', after: 'refused', at: 0 },
      { before: 'timeout', after: 'timeout', at: 0 },
    ]);
    const r = await awaitEnforcement({ ...base, probes: ['0', '1'].map(probe), verdicts: ['deny', 'deny'], runOne: t.runOne, concurrency: t.concurrency, clock });
    expect(r.rounds).toBe(1);
    expect(r.profileViolations).toEqual([0]);
  });

  it('only a policy denial is held to the profile: a refusal for another reason (no listener, no endpoints) is none', async () => {
    const clock = fakeClock();
    const t = target(clock, [
      { before: 'refused', after: 'refused', at: 0 },
      { before: 'refused', after: 'refused', at: 0 },
    ]);
    const r = await awaitEnforcement({ ...base, probes: ['0', '1'].map(probe), verdicts: ['deny', 'deny'], policyDenials: [false, true], runOne: t.runOne, concurrency: t.concurrency, clock });
    expect(r.profileViolations).toEqual([1]);
  });
});

describe('enforcementSummary', () => {
  it('reports nearest-rank percentiles', () => {
    expect(enforcementSummary([5, 1, 3, 2, 4, 6, 7, 8, 9, 10])).toEqual({ count: 10, p50: 5, p90: 9, max: 10 });
    expect(enforcementSummary([])).toEqual({ count: 0, p50: 0, p90: 0, max: 0 });
  });
});
