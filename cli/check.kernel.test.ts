// `netprops check --target kernel`: the shared case files pass on real namespaces, a real CNI
// plugin and real connections, and a wrong expectation is still caught there (exit 1). Needs root
// and the kernel harness's Debian packages; skipped, with the reason, where they are missing.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCases } from './check.ts';
import { DEFAULT_CNI_BIN_DIRS } from '../harness/kernel/cni-config.ts';
import { missingPrerequisites } from '../harness/kernel/prerequisites.ts';
import { listNetns } from '../harness/kernel/namespaces.ts';
import { createHarness } from '../harness/targets.ts';
import { SHARED_CASES } from '../cluster/shared-cases.fixture.ts';

const missing = await missingPrerequisites({ binDirs: DEFAULT_CNI_BIN_DIRS, plugins: ['bridge', 'host-local'] });
const title = missing.length === 0 ? 'netprops check on the kernel target' : `netprops check on the kernel target (skipped: needs ${missing.join('; ')})`;

describe.skipIf(missing.length > 0)(title, () => {
  it('the shared case files all match, and a flipped expectation is a mismatch', async () => {
    // Other runs may share the machine: remember this test's run ids to look for leftovers.
    const runIds: string[] = [];
    const recording: typeof createHarness = async (target, options) => {
      const h = await createHarness(target, options);
      const apply = h.apply.bind(h);
      // The kernel harness names its run (np-<id>-* namespaces) once apply() has started it.
      h.apply = async (state) => {
        const applied = await apply(state);
        runIds.push((h as unknown as { runId: string }).runId);
        return applied;
      };
      return h;
    };
    const ok = await checkCases([SHARED_CASES], { target: 'kernel', createHarness: recording });
    expect(ok.results.filter((r) => !r.ok)).toEqual([]);
    expect(ok.summary).toMatchObject({ target: 'kernel', files: 2, probes: 16, ok: 16 });

    const dir = await mkdtemp(path.join(tmpdir(), 'netprops-check-kernel-'));
    const text = await readFile(path.join(SHARED_CASES, 'service-named-targetport.yaml'), 'utf8');
    const flipped = text.replace('{from: shop/client, to: "svc:shop/empty", port: 80, expect: deny}', '{from: shop/client, to: "svc:shop/empty", port: 80, expect: allow}');
    expect(flipped).not.toBe(text);
    await writeFile(path.join(dir, 'wrong.yaml'), flipped);
    const wrong = await checkCases([path.join(dir, 'wrong.yaml')], { target: 'kernel', createHarness: recording });
    expect(wrong.results.filter((r) => !r.ok)).toEqual([
      expect.objectContaining({ from: 'shop/client', to: 'svc:shop/empty', port: 80, expect: 'allow', observed: 'deny' }),
    ]);
    // Every harness was torn down: no network namespace of these runs is left.
    expect(runIds).toHaveLength(3);
    expect(runIds.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    const left = (await listNetns()).filter((ns) => runIds.some((id) => ns.includes(id)));
    expect(left).toEqual([]);
  }, 120_000);
});
