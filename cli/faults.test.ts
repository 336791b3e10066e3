// `netprops faults` lists every fault of every target, one line each.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MODEL_FAULTS } from '../harness/model/faults.ts';
import { BREAKAGES } from '../harness/breakages.ts';
import { main } from './main.ts';
import { listFaults } from './faults.ts';

afterEach(() => vi.restoreAllMocks());

describe('netprops faults', () => {
  it("lists each of the issue's model faults, and the kernel's, with a description", async () => {
    const faults = await listFaults();
    const model = faults.filter((f) => f.target === 'model').map((f) => f.name);
    expect(model).toEqual(
      expect.arrayContaining(['ignore-except', 'peers-or', 'ignore-egress', 'named-port-on-source', 'not-ready-endpoints', 'snat-pod-to-pod', 'ignore-endport', 'ignore-policy-protocol', 'no-hairpin']),
    );
    expect(faults.filter((f) => f.target === 'kernel').length).toBeGreaterThan(0);
    // The breakages that wrap the model harness are named faults too, not test-only helpers.
    expect(model).toEqual(expect.arrayContaining(BREAKAGES.map((b) => b.name)));
    expect(new Set(faults.map((f) => `${f.target}/${f.name}`)).size).toBe(faults.length);
    for (const f of faults) expect(f.description).toMatch(/\S/);
  });

  it('prints one line per fault plus a header, exit 0', async () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
    expect(await main(['faults'])).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength((await listFaults()).length + 1);
    for (const f of MODEL_FAULTS) expect(lines.some((l) => l.startsWith('model') && l.includes(f.name) && l.includes(f.description))).toBe(true);
  });

  it('--format json is the same list as data', async () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
    expect(await main(['faults', '--format', 'json'])).toBe(0);
    expect(JSON.parse(out)).toEqual(await listFaults());
  });
});
