import { describe, it, expect, afterEach } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeApiServer } from './fake-apiserver.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const tsx = path.resolve(here, '../../node_modules/.bin/tsx');
let server: FakeApiServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Ctrl-C during a run', () => {
  it.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('%s deletes the run\'s namespaces and exits %i', async (signal, code) => {
    server = await new FakeApiServer().start();
    dir = await mkdtemp(path.join(tmpdir(), 'netprops-sig-'));
    const kubeconfig = path.join(dir, 'config');
    await writeFile(kubeconfig, server.kubeConfigYAML());
    const child = spawn(tsx, [path.join(here, 'fixtures/interrupted-run.ts'), kubeconfig], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => String(d).includes('applied') && resolve());
      child.on('exit', () => reject(new Error(`child exited early: ${stderr}`)));
    });
    expect(server.list('Namespace').map((n) => n.metadata.name).sort()).toEqual(['netprops-nodes-np-sigint', 'x-np-sigint']);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    child.kill(signal);
    expect(await exited).toBe(code);
    expect(stderr).toContain(`${signal}: deleting the namespaces of run np-sigint`);
    expect(server.list('Namespace')).toEqual([]);
  }, 60_000);
});
