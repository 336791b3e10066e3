// `netprops run --target cluster` through the real CLI: the two things a user sees without a cluster.
import { describe, it, expect, afterEach } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { schemaErrors } from './schema.ts';
import { kubeconfigFor, startMisbehavingApiServer } from './misbehaving-apiserver.ts';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/netprops.js');
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

// maxBuffer: a dry run prints its whole plan (about 1 MB for --runs 3); past spawnSync's default 1 MiB the child is killed.
const run = (args: string[], env: NodeJS.ProcessEnv, cwd: string) => spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, cwd, encoding: 'utf8', timeout: 170_000, maxBuffer: 256 * 1024 * 1024 });

describe('netprops run --target cluster', () => {
  it('against a server that accepts connections and never answers: ends within a minute, one line, exit 3 (default timeouts)', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'netprops-cli-'));
    const server = await startMisbehavingApiServer('hang');
    try {
      const kubeconfig = path.join(dir, 'config');
      await writeFile(kubeconfig, kubeconfigFor(`https://127.0.0.1:${server.port}`));
      const child = spawn(process.execPath, [bin, 'run', '--target', 'cluster', '--kubeconfig', kubeconfig, '--out', path.join(dir, 'out')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      clearTimeout(killer);
      expect(code).toBe(3);
      expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^netprops: the API server at https:\/\/127\.0\.0\.1:\d+ did not complete the TLS handshake within 10 s \(POST \/apis\/authorization\.k8s\.io\/v1\/selfsubjectaccessreviews\)$/)]);
      expect(server.requests).toBeGreaterThan(0); // it did accept
    } finally {
      await server.stop();
    }
  }, 70_000);

  it('with no reachable cluster exits 3 (the environment failed) with one clear line', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'netprops-cli-'));
    const kubeconfig = path.join(dir, 'config');
    await writeFile(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n');
    const r = run(['run', '--target', 'cluster'], { KUBECONFIG: kubeconfig }, dir);
    expect(r.status).toBe(3);
    expect(r.stderr.trim().split('\n')).toEqual(['netprops: cannot reach the cluster at https://127.0.0.1:1 (ECONNREFUSED): check --kubeconfig/--context and that the cluster is running']);
  }, 120_000);

  it('with no kubeconfig at all exits 2 with one clear line', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'netprops-cli-'));
    const r = run(['run', '--target', 'cluster'], { KUBECONFIG: '', HOME: dir, KUBERNETES_SERVICE_HOST: '' }, dir);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('netprops: no kubeconfig found: pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config');
  }, 120_000);

  it('--dry-run writes schema-valid manifests without a cluster, 3 cases per property by default (the cluster target\'s --runs)', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'netprops-cli-'));
    const r = run(['run', '--target', 'cluster', '--dry-run', '--out', path.join(dir, 'out')], { KUBECONFIG: '/nonexistent' }, dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/dry run: \d+ case\(s\) planned/);
    // Every property the dry run planned (the others lack a capability and ran nothing) planned 3 cases.
    const report = JSON.parse(await readFile(path.join(dir, 'out', 'report.json'), 'utf8')) as { properties: { runs: number; skipReason?: string }[] };
    const planned = report.properties.filter((p) => p.skipReason?.includes('dry run'));
    expect(planned.length).toBeGreaterThan(10);
    expect(planned.map((p) => p.runs)).toEqual(planned.map(() => 3));
    // The plan goes under --out (the CLI passes it on as settings.out).
    const planDir = path.join(dir, 'out', 'cluster-plan');
    expect(existsSync(planDir)).toBe(true);
    expect(existsSync(path.join(dir, 'netprops-report'))).toBe(false);
    const cases = await readdir(planDir!);
    expect(cases.length).toBeGreaterThanOrEqual(3);
    let objects = 0;
    for (const c of cases) {
      const docs = parseAllDocuments(await readFile(path.join(planDir!, c, 'manifests.yaml'), 'utf8')).map((d) => d.toJS());
      expect(docs.flatMap(schemaErrors)).toEqual([]);
      objects += docs.length;
    }
    expect(objects).toBeGreaterThan(cases.length);
  }, 180_000);
});
