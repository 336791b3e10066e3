import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { gc, sweepersFor, type Sweeper } from './gc.ts';
import { FakeApiServer } from '../harness/cluster/fake-apiserver.ts';
import { leaseAnnotations } from '../harness/cluster/run-lease.ts';
import { createApiClient } from '../harness/cluster/api-client.ts';
import { main } from './main.ts';

describe('netprops gc', () => {
  it("collects every sweeper's removals, in order", async () => {
    const sweepers: Sweeper[] = [
      { target: 'kernel', sweep: async () => ['kernel run abc123: 3 namespace(s)'] },
      { target: 'cluster', sweep: async () => [] },
      { target: 'other', sweep: async () => ['x', 'y'] },
    ];
    expect(await gc(sweepers)).toEqual(['kernel run abc123: 3 namespace(s)', 'x', 'y']);
  });

  it("sweeps this machine's (kernel, local clusters) by default and the cluster only with --target cluster", async () => {
    expect((await sweepersFor(undefined)).map((s) => s.target)).toEqual(['kernel', 'local-cluster']);
    expect((await sweepersFor('kernel')).map((s) => s.target)).toEqual(['kernel']);
    expect((await sweepersFor('cluster', { kubeconfig: '/nonexistent' })).map((s) => s.target)).toEqual(['cluster']);
  });

  it('--target cluster with a kubeconfig whose server does not answer: exit 3, one line, no stack', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'netprops-gc-'));
    const kubeconfig = path.join(dir, 'config');
    // Port 9 on loopback (discard): nothing listens, the connection is refused at once.
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
      ].join('\n'),
    );
    const err: string[] = [];
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    const o = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const code = await main(['gc', '--target', 'cluster', '--kubeconfig', kubeconfig]);
      expect(code).toBe(3);
    } finally {
      e.mockRestore();
      o.mockRestore();
    }
    const text = err.join('');
    expect(text.trim().split('\n')).toHaveLength(1);
    expect(text).toMatch(/^netprops: /);
    expect(text).not.toMatch(/\n\s+at /);
  });

  it('--target cluster --dry-run lists the dead run\'s namespaces as "would remove" and removes nothing', async () => {
    const server = await new FakeApiServer().start();
    try {
      const api = createApiClient(server.kubeConfig());
      const labels = { 'netprops.dev/run': 'np-dead01', 'app.kubernetes.io/managed-by': 'netprops' };
      await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x-np-dead01', labels, annotations: leaseAnnotations('ci/12', new Date('2020-01-01T00:00:00Z')) } } as never);
      await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { team: 'a' } } } as never);
      const dir = await mkdtemp(path.join(tmpdir(), 'netprops-gc-'));
      const kubeconfig = path.join(dir, 'config');
      await writeFile(kubeconfig, server.kubeConfigYAML());
      const out: string[] = [];
      const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
      let code: number;
      try {
        code = await main(['gc', '--target', 'cluster', '--kubeconfig', kubeconfig, '--dry-run']);
      } finally {
        o.mockRestore();
      }
      expect(code).toBe(0);
      expect(out.join('')).toBe('would remove cluster namespace x-np-dead01 (run np-dead01 of ci/12, lease expired 2020-01-01T00:05:00.000Z)\n');
      expect(server.list('Namespace').map((n) => n.metadata.name).sort()).toEqual(['team-a', 'x-np-dead01']);
    } finally {
      await server.stop();
    }
  });

  it('--dry-run for the kernel, which cannot list without removing, is a usage mistake', async () => {
    await expect(gc(await sweepersFor('kernel'), { dryRun: true })).rejects.toThrow(/--dry-run: the kernel sweeper cannot list without removing/);
  });
});
