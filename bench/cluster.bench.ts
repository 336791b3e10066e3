// The suite on real components, per local-cluster cell: for each cell named by `--cells` (default
// all six: {routes, flannel, kube-router} x {nftables, iptables}), `netprops local-cluster up --nodes
// 3`, then `netprops run --target cluster` with the cell's CNI profile, then `down`. Each row comes
// from the run's own report.json (bench/cluster-cell.ts) plus what only the bench measures: wall
// times and the pods the kubelets started. Options: `--runs N` (3), `--property a,b` (all),
// `--seed S`, `--time-limit 10m`, `--out DIR` (each cell's report stays in DIR/<cell>). Needs root
// (skipped with the reason otherwise); `up` builds what is not cached yet. One cell takes 8 to 30 min.
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchOptions, BenchSection } from './bench.ts';
import { CELL_TABLE_HEADER, cellFigures, cellRow, startedPods } from './cluster-cell.ts';
import type { RunReport } from '../properties/result.ts';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, '..', 'bin', 'netprops.js');
const ALL_CELLS = ['routes/nftables', 'flannel/nftables', 'kube-router/nftables', 'routes/iptables', 'flannel/iptables', 'kube-router/iptables'];
const NETWORKS = new Set(['routes', 'flannel', 'kube-router']);
const PROXIES = new Set(['nftables', 'iptables']);

/** Runs the CLI with its output shown (progress on stderr); resolves with stdout and the exit code. */
function netprops(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

async function podsStarted(kubeconfig: string): Promise<number | undefined> {
  try {
    const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, 'get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}']);
    let n = 0;
    for (const node of stdout.split(/\s+/).filter(Boolean)) {
      const metrics = await run('kubectl', ['--kubeconfig', kubeconfig, 'get', '--raw', `/api/v1/nodes/${node}/proxy/metrics`], { maxBuffer: 64 << 20 });
      n += startedPods(metrics.stdout);
    }
    return n;
  } catch {
    return undefined;
  }
}

export async function bench(options: BenchOptions = {}): Promise<BenchSection> {
  const cells = (options.cells ?? ALL_CELLS.join(',')).split(',').filter(Boolean);
  const title = `Cluster target on local-cluster cells (3 nodes; ${cells.join(', ')})`;
  for (const c of cells) {
    const [network, proxy] = c.split('/');
    if (!NETWORKS.has(network) || !PROXIES.has(proxy)) throw new Error(`--cells takes network/proxy pairs such as routes/nftables, not '${c}'`);
  }
  if (process.getuid?.() !== 0) return { title, rows: [], skipped: 'needs root (local-cluster runs nodes in network namespaces)' };
  const out = options.out ?? (await mkdtemp(path.join(os.tmpdir(), 'netprops-bench-cluster-')));
  const table: string[][] = [];
  const notes: string[] = [];
  for (const c of cells) {
    const [network, proxy] = c.split('/');
    const cellDir = path.join(out, c.replace('/', '-'));
    await mkdir(cellDir, { recursive: true });
    const clusterDir = path.join(cellDir, 'cluster');
    let t = performance.now();
    const up = await netprops(['local-cluster', 'up', '--nodes', '3', '--network', network, '--kube-proxy', proxy, '--dir', clusterDir]);
    const upMs = performance.now() - t;
    if (up.code !== 0) throw new Error(`local-cluster up failed for ${c} (exit ${up.code}); its logs are under ${clusterDir}`);
    const kubeconfig = up.stdout.trim().split('\n').pop()!;
    try {
      const before = await podsStarted(kubeconfig);
      const args = ['run', '--target', 'cluster', '--kubeconfig', kubeconfig, '--cni-profile', `local-${network}`, '--runs', options.runs ?? '3', '--time-limit', options['time-limit'] ?? '10m', '--out', path.join(cellDir, 'report')];
      if (options.property) args.push('--property', options.property);
      if (options.seed) args.push('--seed', options.seed);
      const loadBefore = os.loadavg()[0];
      t = performance.now();
      const result = await netprops(args);
      const runMs = performance.now() - t;
      if (result.code !== 0 && result.code !== 1) throw new Error(`netprops run on ${c} ended with exit ${result.code} (not a verdict)`);
      const after = await podsStarted(kubeconfig);
      const report = JSON.parse(await readFile(path.join(cellDir, 'report', 'report.json'), 'utf8')) as RunReport;
      const f = cellFigures(`${network} + ${proxy}`, report, { runMs, upMs, podsStarted: before !== undefined && after !== undefined ? after - before : undefined });
      table.push(cellRow(f));
      notes.push(`${f.cell}: seed ${report.seed}, load average ${loadBefore.toFixed(1)} at the start and ${os.loadavg()[0].toFixed(1)} at the end${f.failures.length > 0 ? `; failed: ${f.failures.join('; ')}` : ''}`);
    } finally {
      await netprops(['local-cluster', 'down', '--dir', clusterDir]);
    }
  }
  return { title, rows: [], table: { header: CELL_TABLE_HEADER, rows: table }, notes: [...notes, `reports under ${out}`] };
}

