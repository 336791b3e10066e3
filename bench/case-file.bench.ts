// The case-file loader on the inputs issue 11 names: 100,000 annotation keys (was 56 s, quadratic
// in the yaml package's unique-key check), 3,000 levels of nesting in 8 KB (was a RangeError) and a
// 50 MB label value (was a 52 MB error line), plus the Calico dump fixture. Each must end with one
// short line or a case, in time about proportional to its size.
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Bench, BenchRow } from './bench.ts';
import { decodeCase } from '../cluster/case-file.ts';

const EXPECT = 'apiVersion: netprops.dev/v1alpha1\nkind: Expectations\nprobes: []\n';

function timed(text: string): { ms: number; outcome: string } {
  const start = performance.now();
  let outcome = 'loaded';
  try {
    decodeCase(text, 'bench.yaml');
  } catch (err) {
    outcome = `error line of ${(err as Error).message.length} characters`;
  }
  return { ms: performance.now() - start, outcome };
}

const annotations = (n: number) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\n${Array.from({ length: n }, (_, i) => `    k${i}: v`).join('\n')}\nspec: {containers: [{name: c}]}\n---\n${EXPECT}`;

export const bench: Bench = async () => {
  const rows: BenchRow[] = [];
  for (const n of [25_000, 50_000, 100_000]) {
    const r = timed(annotations(n));
    rows.push({ name: `${n.toLocaleString('en')} annotation keys (${r.outcome})`, value: r.ms, unit: 'ms' });
  }
  const deep = timed(`apiVersion: v1\nkind: Namespace\nmetadata: {name: x, labels: ${'['.repeat(3000)}${']'.repeat(3000)}}\n---\n${EXPECT}`);
  rows.push({ name: `3,000 levels of nesting (${deep.outcome})`, value: deep.ms, unit: 'ms' });
  const huge = timed(`apiVersion: v1\nkind: Namespace\nmetadata: {name: x, labels: {app: ${'v'.repeat(50 * 1024 * 1024)}}}\n---\n${EXPECT}`);
  rows.push({ name: `a 50 MB label value (${huge.outcome})`, value: huge.ms, unit: 'ms' });
  const dump = await readFile(fileURLToPath(new URL('../cluster/fixtures/calico-cluster-dump.yaml', import.meta.url)), 'utf8');
  const d = timed(dump);
  rows.push({ name: `the Calico dump fixture, ${(dump.length / 1024).toFixed(0)} KB (${d.outcome})`, value: d.ms, unit: 'ms' });
  return { title: 'Case-file loader on large and hostile input', rows };
};
