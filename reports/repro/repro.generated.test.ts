// writeRepro over generated cases (generators/cluster.ts): whatever the shrinker hands it, the
// repro's files must be usable. Every generated probe is treated as a failing one.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { decodeCase } from '../../cluster/case-file.ts';
import type { Probe } from '../../cluster/types.ts';
import { schemaErrors } from '../../harness/cluster/schema.ts';
import { clusterCase, type ClusterCase } from '../../generators/cluster.ts';
import { connectPlan } from './connect-plan.ts';
import { reproManifests } from './manifests.ts';
import { writeRepro, type ReproInput } from './repro.ts';

const SHELLCHECK = '/usr/bin/shellcheck';
const noShellcheck = !existsSync(SHELLCHECK);

const FAKE_KUBECTL = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fake-kubectl.sh');

function failingInput(c: ClusterCase): ReproInput {
  const unique = [...new Map(c.probes.map((p) => [JSON.stringify(p), p])).values()];
  return {
    property: { id: 'policy-verdicts', statement: "every probe's allow/deny equals the model's verdict", rule: 'NetworkPolicy v1' },
    failure: {
      message: 'generated',
      counterexample: { state: c.state, probes: unique.map((p: Probe) => ({ ...p, expect: 'deny' as const })) },
      probes: unique.map((p) => ({ probe: p, expected: 'deny' as const, observation: { outcome: 'delivered' as const }, ok: false })),
    },
    seed: 7,
    path: '1:2',
    target: 'model',
  };
}

describe('writeRepro on generated cases', () => {
  it('writes a case.yaml that reads back, schema-valid manifests and a repro.sh bash accepts', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'netprops-repro-gen-'));
    let i = 0;
    await fc.assert(
      fc.asyncProperty(clusterCase(), async (c) => {
        const dir = path.join(root, String(i++));
        const input = failingInput(c);
        await writeRepro(dir, input);
        const decoded = decodeCase(await readFile(path.join(dir, 'case.yaml'), 'utf8'), 'case.yaml');
        expect(decoded).toEqual(input.failure.counterexample);
        for (const doc of parseAllDocuments(await readFile(path.join(dir, 'manifests.yaml'), 'utf8'))) {
          expect(doc.errors).toEqual([]);
          expect(schemaErrors(doc.toJS())).toEqual([]);
        }
        execFileSync('bash', ['-n', path.join(dir, 'repro.sh')]);
        const readme = await readFile(path.join(dir, 'README.md'), 'utf8');
        expect(readme.match(/^\| \d+ \|/gm) ?? []).toHaveLength(input.failure.counterexample.probes.length);
      }),
      { numRuns: 25, seed: 11 },
    );
    await rm(root, { recursive: true, force: true });
  });

  it('repro.sh makes every probe it can plan and names the ones it cannot (fake kubectl: all connect)', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'netprops-repro-gen-'));
    let i = 0;
    await fc.assert(
      fc.asyncProperty(clusterCase(), async (c) => {
        const dir = path.join(root, String(i++));
        const input = failingInput(c);
        await writeRepro(dir, input);
        const { state, probes } = input.failure.counterexample;
        const m = reproManifests(state, probes);
        const planned = probes.filter((p) => connectPlan(state, p, m.probers, m.proberNamespace).ok).length;
        const log = path.join(dir, 'log');
        await writeFile(log, '');
        await writeFile(path.join(dir, 'rules'), '');
        const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          execFile('bash', [path.join(dir, 'repro.sh')], {
            env: { ...process.env, KUBECTL: FAKE_KUBECTL, FAKE_LOG: log, FAKE_RULES: path.join(dir, 'rules'), SETTLE_SECONDS: '0' },
          }, (err, stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? -1 : 0, stdout, stderr }));
        });
        expect(r.stderr).toBe('');
        const execs = (await readFile(log, 'utf8')).split('\n').filter((l) => l.startsWith('exec '));
        expect(execs).toHaveLength(planned);
        // every connection got through and every probe expected deny: all planned ones reproduce
        expect(r.stdout).toContain(`${planned} of ${planned} probes reproduced the failure (${probes.length - planned} could not be made)`);
        expect(r.code).toBe(planned > 0 ? 1 : 0);
      }),
      { numRuns: 8, seed: 12 },
    );
    await rm(root, { recursive: true, force: true });
  });

  it.skipIf(noShellcheck)(
    noShellcheck ? `repro.sh passes shellcheck (skipped: ${SHELLCHECK} not found; install Debian's shellcheck)` : 'repro.sh passes shellcheck (warnings and errors alike)',
    async () => {
      const root = await mkdtemp(path.join(tmpdir(), 'netprops-repro-gen-'));
      let i = 0;
      await fc.assert(
        fc.asyncProperty(clusterCase(), async (c) => {
          const dir = path.join(root, String(i++));
          await writeRepro(dir, failingInput(c));
          // shellcheck exits non-zero on any finding; its report is the failure message
          const r = await new Promise<{ code: number; out: string }>((resolve) =>
            execFile(SHELLCHECK, ['-s', 'bash', '-S', 'style', path.join(dir, 'repro.sh')], (err, stdout) =>
              resolve({ code: err ? (err as { code?: number }).code ?? -1 : 0, out: stdout })),
          );
          expect(r.out).toBe('');
          expect(r.code).toBe(0);
        }),
        { numRuns: 10, seed: 13 },
      );
      await rm(root, { recursive: true, force: true });
    },
  );
});
