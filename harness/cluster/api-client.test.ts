import { describe, it, expect, afterEach } from 'vitest';
import { EnvironmentError, PrerequisiteError } from '../../cluster/errors.ts';
import { FIELD_MANAGER, createApiClient, resourceName } from './api-client.ts';
import { FakeApiServer } from './fake-apiserver.ts';

let server: FakeApiServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const ns = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

describe('resourceName (as kubectl auth can-i names resources)', () => {
  it.each([
    ['v1', 'Pod', undefined, 'pods'],
    ['v1', 'Pod', 'exec', 'pods/exec'],
    ['networking.k8s.io/v1', 'NetworkPolicy', undefined, 'networkpolicies.networking.k8s.io'],
  ])('%s %s %s -> %s', (v, k, sub, want) => expect(resourceName(v, k, sub)).toBe(want));
});

describe('createApiClient against the fake API server', () => {
  it('applies with server-side apply and the netprops field manager', async () => {
    server = await new FakeApiServer().start();
    const api = createApiClient(server.kubeConfig());
    const applied = await api.apply(ns('x-r1', { 'netprops.dev/run': 'r1' }));
    expect(applied.metadata?.labels?.['kubernetes.io/metadata.name']).toBe('x-r1');
    const patch = server.requests.find((r) => r.method === 'PATCH');
    expect(patch).toMatchObject({ path: '/api/v1/namespaces/x-r1', contentType: 'application/apply-patch+yaml', fieldManager: FIELD_MANAGER });
  });

  it('lists by label selector and deletes idempotently', async () => {
    server = await new FakeApiServer().start();
    const api = createApiClient(server.kubeConfig());
    await api.apply(ns('a', { 'netprops.dev/run': 'r1' }));
    await api.apply(ns('b', { 'netprops.dev/run': 'r2' }));
    const mine = await api.list('v1', 'Namespace', { labelSelector: 'netprops.dev/run=r1' });
    expect(mine.map((n) => n.metadata?.name)).toEqual(['a']);
    await api.remove(ns('a'));
    await api.remove(ns('a')); // already gone: not an error
    expect(server.get('Namespace', undefined, 'a')).toBeUndefined();
  });

  it('deletes a pod gracefully: no gracePeriodSeconds of its own (0 would be a force delete), so the pod terminates before it is gone', async () => {
    server = await new FakeApiServer({ podStopMs: 200 }).start();
    const api = createApiClient(server.kubeConfig());
    await api.apply(ns('p'));
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'p' }, spec: { nodeName: 'kind-worker', terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'i' }] } };
    await api.apply(pod);
    await api.remove(pod);
    const del = server.requests.find((r) => r.method === 'DELETE')!;
    expect(del.path).toBe('/api/v1/namespaces/p/pods/web');
    expect(del.query).not.toMatch(/gracePeriodSeconds/);
    expect(server.get('Pod', 'p', 'web')?.metadata.deletionTimestamp).toBeDefined();
    await new Promise((r) => setTimeout(r, 300));
    expect(server.get('Pod', 'p', 'web')).toBeUndefined();
  });

  it('the fake API server forgets a force-deleted pod at once, as the real one does', async () => {
    server = await new FakeApiServer({ podStopMs: 60_000 }).start();
    const api = createApiClient(server.kubeConfig());
    await api.apply(ns('p'));
    await api.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'p' }, spec: { nodeName: 'kind-worker', containers: [{ name: 'c', image: 'i' }] } });
    const res = await fetch(`${server.url}/api/v1/namespaces/p/pods/web?gracePeriodSeconds=0`, { method: 'DELETE', headers: { authorization: 'Bearer secret' } });
    expect(res.status).toBe(200);
    expect(server.get('Pod', 'p', 'web')).toBeUndefined();
  });

  it('retries a transient 500 and 429, then succeeds', async () => {
    server = await new FakeApiServer().start();
    server.failNext(/^PATCH \/api\/v1\/namespaces\/x$/, 500);
    server.failNext(/^PATCH \/api\/v1\/namespaces\/x$/, 429);
    const api = createApiClient(server.kubeConfig(), { backoffMs: 1 });
    await api.apply(ns('x'));
    expect(server.requests.filter((r) => r.method === 'PATCH')).toHaveLength(3);
  });

  it('gives up after the configured attempts: one environment line naming the server, status, verb and resource', async () => {
    server = await new FakeApiServer().start();
    server.failNext(/^PATCH /, 503, 10);
    const api = createApiClient(server.kubeConfig(), { attempts: 2, backoffMs: 1 });
    const err = await api.apply(ns('x')).catch((e) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.message).toMatch(/^the API server at http:\/\/127\.0\.0\.1:\d+ answered 503 Service Unavailable to patch namespaces: injected failure \(2 attempts\)$/);
    expect(server.requests.filter((r) => r.method === 'PATCH')).toHaveLength(2);
  });

  it('401 is one PrerequisiteError line about credentials', async () => {
    server = await new FakeApiServer().start();
    const api = createApiClient(server.kubeConfig('wrong'));
    const err = await api.apply(ns('x')).catch((e) => e);
    expect(err).toBeInstanceOf(PrerequisiteError);
    expect(err.message).toMatch(/rejected the credentials \(401 Unauthorized\)/);
  });

  it('403 names the verb and resource that is missing', async () => {
    server = await new FakeApiServer({ forbidden: ['delete namespaces'] }).start();
    const api = createApiClient(server.kubeConfig());
    await api.apply(ns('x'));
    const err = await api.remove(ns('x')).catch((e) => e);
    expect(err).toBeInstanceOf(PrerequisiteError);
    expect(err.message).toMatch(/^permission missing: cannot delete namespaces on http:\/\/127\.0\.0\.1:\d+ \(403 Forbidden\)/);
  });

  it('a 403 for a namespace being terminated is not reported as a missing permission', async () => {
    server = await new FakeApiServer().start();
    server.failNext(/^PATCH /, 403, 1, 'unable to create new content in namespace x because it is being terminated');
    const err = await createApiClient(server.kubeConfig()).apply(ns('x')).catch((e) => e);
    expect(err).not.toBeInstanceOf(PrerequisiteError);
    expect(err.message).toMatch(/patch namespaces failed \(403\): unable to create new content/);
  });

  it('an unreachable server is one environment line (exit 3)', async () => {
    server = await new FakeApiServer().start();
    const kc = server.kubeConfig();
    await server.stop();
    server = undefined;
    const err = await createApiClient(kc, { attempts: 1 }).list('v1', 'Namespace').catch((e) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.exitCode).toBe(3);
    expect(err.message).toMatch(/^cannot reach the cluster at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('exec returns stdout, stderr and the exit code from the status channel', async () => {
    server = await new FakeApiServer({ exec: () => ({ exitCode: 1, stdout: 'out', stderr: 'REFUSED\n' }) }).start();
    const api = createApiClient(server.kubeConfig());
    await api.apply(ns('x'));
    await api.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'x' }, spec: { containers: [{ name: 'agnhost', image: 'i' }] } });
    await new Promise((r) => setTimeout(r, 50));
    expect(await api.exec('x', 'p', 'agnhost', ['/agnhost', 'connect', '10.0.0.1:80'], 5000)).toEqual({ exitCode: 1, stdout: 'out', stderr: 'REFUSED\n' });
    expect(server.execCalls[0]).toEqual({ namespace: 'x', pod: 'p', container: 'agnhost', command: ['/agnhost', 'connect', '10.0.0.1:80'] });
  });

  it.each(['v4.channel.k8s.io', 'v5.channel.k8s.io'] as const)('exec reads the exit code over %s', async (execProtocol) => {
    server = await new FakeApiServer({ execProtocol, exec: () => ({ exitCode: 3, stderr: 'TIMEOUT\n' }) }).start();
    const api = createApiClient(server.kubeConfig());
    await api.apply(ns('x'));
    await api.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'x' }, spec: { containers: [{ name: 'agnhost', image: 'i' }] } });
    await new Promise((r) => setTimeout(r, 50));
    expect(await api.exec('x', 'p', 'agnhost', ['/agnhost', 'connect', '10.0.0.1:80'], 5000)).toEqual({ exitCode: 3, stdout: '', stderr: 'TIMEOUT\n' });
    expect(server.execProtocols).toEqual([execProtocol]);
  });

  it('an exec whose websocket handshake fails with a 500 is retried', async () => {
    server = await new FakeApiServer({ exec: () => ({ exitCode: 0, stdout: 'ok' }) }).start();
    const api = createApiClient(server.kubeConfig(), { backoffMs: 1 });
    await api.apply(ns('x'));
    await api.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'x' }, spec: { containers: [{ name: 'agnhost', image: 'i' }] } });
    await new Promise((r) => setTimeout(r, 50));
    server.failNext(/^GET \/api\/v1\/namespaces\/x\/pods\/p\/exec$/, 500);
    expect(await api.exec('x', 'p', 'agnhost', ['true'], 5000)).toEqual({ exitCode: 0, stdout: 'ok', stderr: '' });
    expect(server.execCalls).toHaveLength(1);
  });

  it('exec forbidden is a PrerequisiteError naming pods/exec', async () => {
    server = await new FakeApiServer({ forbidden: ['create pods/exec'] }).start();
    const api = createApiClient(server.kubeConfig());
    const err = await api.exec('x', 'p', 'agnhost', ['true'], 5000).catch((e) => e);
    expect(err).toBeInstanceOf(PrerequisiteError);
    expect(err.message).toMatch(/cannot create pods\/exec in namespace x/);
  });

  it('an exec that does not finish in time fails instead of hanging', async () => {
    server = await new FakeApiServer({ exec: () => ({ exitCode: 0, delayMs: 2000 }) }).start();
    const api = createApiClient(server.kubeConfig());
    await api.apply(ns('x'));
    await api.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'x' }, spec: { containers: [{ name: 'agnhost', image: 'i' }] } });
    await new Promise((r) => setTimeout(r, 50));
    await expect(api.exec('x', 'p', 'agnhost', ['sleep'], 200)).rejects.toThrow(/did not finish within 200 ms/);
  });
});
