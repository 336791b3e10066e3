import { describe, it, expect, afterEach } from 'vitest';
import { hostname } from 'node:os';
import { createApiClient } from './api-client.ts';
import { FakeApiServer } from './fake-apiserver.ts';
import { gcCluster, holderAliveOnThisHost } from './gc.ts';
import { HOLDER_ANNOTATION, LEASE_DURATION_ANNOTATION, RENEW_TIME_ANNOTATION, leaseAnnotations } from './run-lease.ts';
import { MANAGED_BY_LABEL, RUN_LABEL } from './run-names.ts';

let server: FakeApiServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const NOW = new Date('2026-11-23T12:00:00Z');
const LONG_AGO = new Date('2026-11-23T09:00:00Z');
const JUST_NOW = new Date('2026-11-23T11:59:00Z');
const runLabels = (runId: string) => ({ [RUN_LABEL]: runId, [MANAGED_BY_LABEL]: 'netprops' });
const ns = (name: string, labels: Record<string, string>, annotations: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels, annotations } });
const DEAD_PID = 999_999_999;

/** A shared cluster: other tools' namespaces, live runs, dead runs, and things that only look like runs. */
const CLUSTER = [
  // Other tools and the user's own.
  ns('kube-system', {}),
  ns('argocd', { [MANAGED_BY_LABEL]: 'Helm' }),
  ns('team-a', { team: 'a' }),
  // Dead runs: lease expired, holder on another host, or on this host with its process gone.
  ns('default-np-dead01', runLabels('np-dead01'), leaseAnnotations('ci-runner-7/4242', LONG_AGO)),
  ns('netprops-nodes-np-dead01', runLabels('np-dead01'), leaseAnnotations('ci-runner-7/4242', LONG_AGO)),
  ns('x-np-dead02', runLabels('np-dead02'), leaseAnnotations(`${hostname()}/${DEAD_PID}`, LONG_AGO)),
  // Live runs: a lease renewed a minute ago (another host); an expired lease whose holder is this very process.
  ns('default-np-live01', runLabels('np-live01'), leaseAnnotations('laptop/77', JUST_NOW)),
  ns('x-np-live02', runLabels('np-live02'), leaseAnnotations(`${hostname()}/${process.pid}`, LONG_AGO)),
  // Labelled as netprops's but not provably a dead run: left alone.
  ns('empty-run-label', { [RUN_LABEL]: '', [MANAGED_BY_LABEL]: 'netprops' }, leaseAnnotations('h/1', LONG_AGO)),
  ns('prod-db', runLabels('np-aaaaaa'), leaseAnnotations('h/1', LONG_AGO)),
  ns('no-owner-np-bbbbbb', runLabels('np-bbbbbb'), { [RENEW_TIME_ANNOTATION]: LONG_AGO.toISOString(), [LEASE_DURATION_ANNOTATION]: '300' }),
  ns('bad-owner-np-cccccc', runLabels('np-cccccc'), { ...leaseAnnotations('h/1', LONG_AGO), [HOLDER_ANNOTATION]: 'h/1/extra' }),
  ns('legacy-np-dddddd', runLabels('np-dddddd'), { [HOLDER_ANNOTATION]: 'old-host/12', 'netprops.dev/created': '2020-01-01T00:00:00Z' }),
  ns('bad-time-np-eeeeee', runLabels('np-eeeeee'), { ...leaseAnnotations('h/1', LONG_AGO), [RENEW_TIME_ANNOTATION]: 'yesterday' }),
  ns('bad-duration-np-ffffff', runLabels('np-ffffff'), { ...leaseAnnotations('h/1', LONG_AGO), [LEASE_DURATION_ANNOTATION]: '-1' }),
  ns('other-manager-np-ababab', { [RUN_LABEL]: 'np-ababab', [MANAGED_BY_LABEL]: 'Helm' }, leaseAnnotations('h/1', LONG_AGO)),
];
const DEAD = ['default-np-dead01', 'netprops-nodes-np-dead01', 'x-np-dead02'];

async function sharedCluster() {
  server = await new FakeApiServer().start();
  const api = createApiClient(server.kubeConfig());
  for (const o of CLUSTER) await api.apply(o);
  return api;
}

const names = () => server!.list('Namespace').map((n) => n.metadata.name).sort();

describe('gcCluster on a shared cluster (the fake API server)', () => {
  it("deletes only the namespaces of dead runs: not other tools', not live runs', not what it cannot prove dead", async () => {
    const api = await sharedCluster();
    const { removed } = await gcCluster({}, api, NOW);
    expect(removed.map((r) => r.name)).toEqual(DEAD);
    expect(names()).toEqual(CLUSTER.map((o) => o.metadata.name).filter((n) => !DEAD.includes(n)).sort());
  });

  it('says why each one goes: its run, holder and when its lease expired', async () => {
    const api = await sharedCluster();
    const { removed } = await gcCluster({ dryRun: true }, api, NOW);
    expect(removed[0]).toEqual({ name: 'default-np-dead01', why: 'run np-dead01 of ci-runner-7/4242, lease expired 2026-11-23T09:05:00.000Z' });
  });

  it('--dry-run lists the same namespaces and deletes nothing', async () => {
    const api = await sharedCluster();
    const { removed } = await gcCluster({ dryRun: true }, api, NOW);
    expect(removed.map((r) => r.name)).toEqual(DEAD);
    expect(names()).toEqual(CLUSTER.map((o) => o.metadata.name).sort());
    expect(server!.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  it('a live run becomes collectable only once its lease runs out', async () => {
    const api = await sharedCluster();
    const later = new Date(JUST_NOW.getTime() + 301_000);
    expect((await gcCluster({ dryRun: true }, api, later)).removed.map((r) => r.name)).toContain('default-np-live01');
    expect((await gcCluster({ dryRun: true }, api, NOW)).removed.map((r) => r.name)).not.toContain('default-np-live01');
  });
});

describe('holderAliveOnThisHost', () => {
  it('asks the process only for a holder on this host', () => {
    expect(holderAliveOnThisHost('h/42', 'h', () => true)).toBe(true);
    expect(holderAliveOnThisHost('h/42', 'h', () => false)).toBe(false);
    expect(holderAliveOnThisHost('other/42', 'h', () => true)).toBe(false);
  });
});
