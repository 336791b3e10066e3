import { describe, it, expect, afterEach } from 'vitest';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EnvironmentError, PrerequisiteError } from '../../cluster/errors.ts';
import { FakeApiServer } from './fake-apiserver.ts';
import { loadKubeConfig, preflight } from './connection.ts';

let server: FakeApiServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function kubeconfigFile(text: string): Promise<string> {
  dir = await mkdtemp(path.join(tmpdir(), 'netprops-kc-'));
  const file = path.join(dir, 'config');
  await writeFile(file, text);
  return file;
}

describe('loadKubeConfig (like kubectl: --kubeconfig, KUBECONFIG, ~/.kube/config, --context)', () => {
  it('loads --kubeconfig and selects --context', async () => {
    server = await new FakeApiServer().start();
    const file = await kubeconfigFile(server.kubeConfigYAML());
    const kc = loadKubeConfig({ kubeconfig: file, context: 'fake' }, {});
    expect(kc.getCurrentCluster()?.server).toBe(server.url);
  });

  it('reads KUBECONFIG when no --kubeconfig is given', async () => {
    server = await new FakeApiServer().start();
    const file = await kubeconfigFile(server.kubeConfigYAML());
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = file;
    try {
      expect(loadKubeConfig({}, { KUBECONFIG: file }).getCurrentCluster()?.server).toBe(server.url);
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });

  it.each([
    [{ kubeconfig: '/nonexistent/config' }, {}, /^kubeconfig \/nonexistent\/config does not exist$/],
    [{}, { KUBECONFIG: '/nonexistent/a:/nonexistent/b' }, /^KUBECONFIG names no existing file/],
    [{}, { HOME: '/nonexistent-home' }, /^no kubeconfig found: pass --kubeconfig FILE/],
  ])('a missing kubeconfig is one clear line (%j %j)', (settings, env, message) => {
    let err: unknown;
    try {
      loadKubeConfig(settings, env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PrerequisiteError);
    expect((err as Error).message).toMatch(message);
  });

  it('an unknown --context names the contexts there are', async () => {
    server = await new FakeApiServer().start();
    const file = await kubeconfigFile(server.kubeConfigYAML());
    expect(() => loadKubeConfig({ kubeconfig: file, context: 'prod' }, {})).toThrow(/context 'prod' is not in the kubeconfig \(it has: fake\)/);
  });
});

describe('preflight', () => {
  it('passes when every permission is granted', async () => {
    server = await new FakeApiServer().start();
    await expect(preflight(server.kubeConfig())).resolves.toBeUndefined();
    expect(server.requests.filter((r) => r.path.endsWith('selfsubjectaccessreviews')).length).toBeGreaterThan(10);
  });

  it('names every missing verb on its resource', async () => {
    server = await new FakeApiServer({ forbidden: ['create pods/exec', 'delete networkpolicies'] }).start();
    await expect(preflight(server.kubeConfig())).rejects.toThrow(/cannot create pods\/exec, delete networkpolicies\.networking\.k8s\.io \(grant deploy\/rbac\.yaml\)$/);
  });

  it('turns bad credentials into one line', async () => {
    server = await new FakeApiServer().start();
    await expect(preflight(server.kubeConfig('bad'))).rejects.toThrow(/401 Unauthorized/);
  });

  it('turns an unreachable cluster into one line', async () => {
    server = await new FakeApiServer().start();
    const kc = server.kubeConfig();
    await server.stop();
    server = undefined;
    const err = await preflight(kc).catch((e) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.message).toMatch(/^cannot reach the cluster at .*ECONNREFUSED/);
  });
});
