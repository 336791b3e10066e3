import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { gc, sweepersFor, type Sweeper } from './gc.ts';
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

  it('sweeps the kernel by default and the cluster only with --target cluster', async () => {
    expect((await sweepersFor(undefined)).map((s) => s.target)).toEqual(['kernel']);
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
});
