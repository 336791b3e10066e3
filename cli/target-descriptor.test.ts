// Adding a target is its descriptor and one entry in the target list: with a stand-in descriptor
// appended (and nothing else changed), `run` and `check` offer its flag and pass its setting on,
// `faults` lists its fault, `--fault` reaches it, the runner reads its needs, and `gc` runs its sweeper.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { gcTargets, sweepersFor } from './gc.ts';
import { main } from './main.ts';
import { SHARED_CASES } from '../cluster/shared-cases.fixture.ts';
import type { HarnessOptions } from '../harness/harness.ts';
import { createModelHarness } from '../harness/model/harness.ts';
import type { TargetDescriptor } from '../harness/target.ts';
import { TARGET_DESCRIPTORS } from '../harness/targets.ts';

function standIn() {
  const made: HarnessOptions[] = [];
  const swept: string[] = [];
  const target: TargetDescriptor = {
    name: 'stand-in',
    description: 'the reference model under another name, for this test',
    settings: [{ flag: '--stand-in-latency <ms>', key: 'standInLatency', description: 'stand-in: added latency' }],
    faults: async () => [{ name: 'everything-refused', description: 'every connection is refused' }],
    needs: { seed: true },
    gc: { local: true, sweeper: async () => ({ target: 'stand-in', sweep: async () => { swept.push('swept'); return ['stand-in leftovers']; } }) },
    async create(options) {
      made.push(options);
      const inner = createModelHarness({ ...options, fault: undefined });
      if (options.fault !== 'everything-refused') return { ...inner, target: 'stand-in' };
      return { ...inner, target: 'stand-in', probe: async (probes) => probes.map(() => ({ outcome: 'refused' as const })) };
    },
  };
  return { target, made, swept, targets: [...TARGET_DESCRIPTORS, target] };
}

async function quiet(run: () => Promise<number>): Promise<{ code: number; out: string }> {
  let out = '';
  // Call a write callback as a real stream does (the console reporter waits for it).
  const write = (keep: boolean) => ((s: string | Uint8Array, ...rest: unknown[]) => {
    if (keep) out += String(s);
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof process.stdout.write;
  const o = vi.spyOn(process.stdout, 'write').mockImplementation(write(true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(write(false));
  try {
    return { code: await run(), out };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('a target added as one descriptor', () => {
  it('is offered by run, with its flag passed on as a setting and its needs read (the seed)', async () => {
    const s = standIn();
    const dir = await mkdtemp(path.join(tmpdir(), 'netprops-standin-'));
    const { code, out } = await quiet(() => main(['run', '--target', 'stand-in', '--stand-in-latency', '5', '--property', 'no-nat-pod-to-pod', '--runs', '10', '--seed', '4', '--out', dir, '--format', 'json'], s.targets));
    expect(code).toBe(0);
    expect(out).toMatch(/no-nat-pod-to-pod +passed +10/);
    expect(s.made[0].settings).toMatchObject({ standInLatency: '5', seed: 4 });
  });

  it('has its faults listed, and --fault reaches it', async () => {
    const s = standIn();
    const { out } = await quiet(() => main(['faults'], s.targets));
    expect(out).toMatch(/^stand-in +everything-refused +every connection is refused$/m);
    const dir = await mkdtemp(path.join(tmpdir(), 'netprops-standin-'));
    const { code } = await quiet(() => main(['run', '--target', 'stand-in', '--fault', 'everything-refused', '--property', 'no-nat-pod-to-pod', '--runs', '10', '--seed', '4', '--out', dir, '--format', 'json'], s.targets));
    expect(code).toBe(1);
  });

  it('is offered by check with the same flag', async () => {
    const s = standIn();
    const { code } = await quiet(() => main(['check', SHARED_CASES, '--target', 'stand-in', '--stand-in-latency', '7'], s.targets));
    expect(code).toBe(0);
    expect(s.made.every((o) => o.settings?.standInLatency === '7')).toBe(true);
  });

  it('has its sweeper run by gc --target, listed among gc\'s targets, and among the local ones a bare gc runs', async () => {
    const s = standIn();
    const { code, out } = await quiet(() => main(['gc', '--target', 'stand-in'], s.targets));
    expect(code).toBe(0);
    expect(out).toBe('removed stand-in leftovers\n');
    expect(s.swept).toEqual(['swept']);
    expect(gcTargets(s.targets)).toEqual(['kernel', 'cluster', 'stand-in', 'local-cluster']);
    expect((await sweepersFor(undefined, {}, s.targets)).map((w) => w.target)).toEqual(['kernel', 'stand-in', 'local-cluster']);
  });

  it('is unknown without its line in the list (the CLI has no other place naming targets)', async () => {
    const { code } = await quiet(() => main(['run', '--target', 'stand-in']));
    expect(code).toBe(2);
  });
});
