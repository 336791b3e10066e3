// The kernel target's costs: building and removing a 3-node data plane (30 pods unless `--pods N`,
// spread over `--nodes`), a probe mesh (every pod to every pod, at most `--probes` of them, 10,000 by
// default), memory, and the time one generated case takes (apply + probe, re-applied on one harness
// as the runner does). Needs root and the kernel prerequisites; skipped with the reason otherwise.
import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import type { BenchOptions, BenchRow, BenchSection } from './bench.ts';
import { sizesOption } from './bench.ts';
import type { Probe } from '../cluster/types.ts';
import { clusterCase } from '../generators/cluster.ts';
import { createKernelHarness } from '../harness/kernel/harness.ts';
import { DEFAULT_CNI_BIN_DIRS } from '../harness/kernel/cni-config.ts';
import { missingPrerequisites } from '../harness/kernel/prerequisites.ts';
import { netnsPids } from '../harness/kernel/namespaces.ts';
import { mesh } from '../harness/kernel/kernel-test-state.ts';

const CASES = 10;

async function rssMB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function bench(options: BenchOptions = {}): Promise<BenchSection> {
  const [NODES] = sizesOption(options, 'nodes', [3]);
  const [pods] = sizesOption(options, 'pods', [30]);
  const [maxProbes] = sizesOption(options, 'probes', [10_000]);
  const PODS_PER_NODE = Math.ceil(pods / NODES);
  const title = `Kernel target (${NODES} nodes x ${NODES * PODS_PER_NODE} pods, bridge + host-local, kube-proxy iptables)`;
  const missing = await missingPrerequisites({ binDirs: DEFAULT_CNI_BIN_DIRS, plugins: ['bridge', 'host-local'] });
  if (missing.length > 0) return { title, rows: [], skipped: `needs ${missing.join('; ')}` };
  const rows: BenchRow[] = [];
  const state = mesh(NODES, PODS_PER_NODE);
  const probes: Probe[] = [];
  for (const a of state.pods) {
    for (const b of state.pods) if (probes.length < maxProbes) probes.push({ from: { kind: 'pod', namespace: a.namespace, name: a.name }, to: { kind: 'pod', namespace: b.namespace, name: b.name }, port: 80, protocol: 'TCP' });
  }

  const setups: number[] = [];
  const teardowns: number[] = [];
  const meshes: number[] = [];
  let memory = 0;
  let delivered = 0;
  for (let round = 0; round < 3; round++) {
    const h = await createKernelHarness();
    let t = performance.now();
    await h.apply(state);
    setups.push(performance.now() - t);
    t = performance.now();
    const obs = await h.probe(probes);
    meshes.push(performance.now() - t);
    delivered = obs.filter((o) => o.outcome === 'delivered').length;
    const agents = await netnsPids(`np-${h.runId}-u`);
    let mb = process.memoryUsage().rss / 2 ** 20;
    for (const pid of agents) mb += await rssMB(pid);
    memory = Math.max(memory, mb);
    t = performance.now();
    await h.teardown();
    teardowns.push(performance.now() - t);
  }
  const meshMs = median(meshes);
  rows.push(
    { name: 'set-up (median of 3)', value: median(setups), unit: 'ms', target: '< 1500 ms', met: median(setups) < 1500 },
    { name: 'teardown (median of 3)', value: median(teardowns), unit: 'ms', target: '< 1500 ms', met: median(teardowns) < 1500 },
    { name: `${probes.length}-probe TCP mesh (median of 3; ${delivered} delivered)`, value: meshMs, unit: 'ms', target: '< 1000 ms', met: meshMs < 1000 && delivered === probes.length },
    { name: 'probes per second', value: Math.round((probes.length / meshMs) * 1000), unit: '/s' },
    { name: 'memory: harness process + agent (RSS, peak)', value: memory, unit: 'MB', target: '< 300 MB', met: memory < 300 },
  );

  // Generated cases, as the runner feeds them: one harness, re-applied per case.
  const cases = fc.sample(clusterCase({ sctp: false }), { numRuns: CASES, seed: 42 });
  const h = await createKernelHarness();
  const t = performance.now();
  let probeCount = 0;
  for (const c of cases) {
    await h.apply(c.state);
    await h.probe(c.probes);
    probeCount += c.probes.length;
  }
  const perCase = (performance.now() - t) / cases.length;
  await h.teardown();
  rows.push({ name: `time per generated case (mean of ${CASES}, ${probeCount} probes in all)`, value: perCase, unit: 'ms' });
  return { title, rows };
}
