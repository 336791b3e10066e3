import { describe, it, expect, afterEach } from 'vitest';
import { hostname } from 'node:os';
import { createApiClient } from './api-client.ts';
import { FakeApiServer } from './fake-apiserver.ts';
import { gcCluster, leftover } from './gc.ts';
import { CREATED_ANNOTATION, MANAGED_BY_LABEL, OWNER_ANNOTATION, RUN_LABEL } from './run-names.ts';

let server: FakeApiServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const ns = (name: string, owner: string | undefined, created: string, labels: Record<string, string> = { [RUN_LABEL]: 'r', [MANAGED_BY_LABEL]: 'netprops' }) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels, annotations: { ...(owner ? { [OWNER_ANNOTATION]: owner } : {}), [CREATED_ANNOTATION]: created } },
});

describe('leftover', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  it('a namespace of a dead process on this host is a leftover; of a live one it is not', () => {
    expect(leftover(ns('a', 'h/42', now.toISOString()), now, 60, 'h', () => false)).toBe(true);
    expect(leftover(ns('a', 'h/42', now.toISOString()), now, 60, 'h', () => true)).toBe(false);
  });
  it('another host\'s namespace is a leftover only once it is old enough', () => {
    expect(leftover(ns('a', 'other/42', '2026-11-23T11:30:00Z'), now, 60, 'h')).toBe(false);
    expect(leftover(ns('a', 'other/42', '2026-11-23T10:30:00Z'), now, 60, 'h')).toBe(true);
  });
});

describe('gcCluster against the fake API server', () => {
  it('removes dead runs\' namespaces, keeps live runs\' and anything not netprops\'s', async () => {
    server = await new FakeApiServer().start();
    const api = createApiClient(server.kubeConfig());
    const old = '2020-01-01T00:00:00Z';
    await api.apply(ns('x-dead', `${hostname()}/999999999`, old));
    await api.apply(ns('x-live', `${hostname()}/${process.pid}`, old));
    await api.apply(ns('x-foreign-old', 'ci-runner-7/12', old));
    await api.apply(ns('users-own', undefined, old, { team: 'a' }));
    const removed = await gcCluster({}, api);
    expect(removed).toEqual(['x-dead', 'x-foreign-old']);
    expect(server.list('Namespace').map((n) => n.metadata.name).sort()).toEqual(['users-own', 'x-live']);
  });
});
