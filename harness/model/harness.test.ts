import { describe, it, expect } from 'vitest';
import { createModelHarness, observe } from './harness.ts';
import { cluster, pod, policy, ports, probe, service } from './test-cluster.ts';
import { UsageError } from '../../cluster/errors.ts';
import type { Prediction } from './model.ts';

const client = pod('x/client', { labels: { app: 'client' } });
const client2 = pod('x/client-2', { labels: { app: 'client' }, nodeName: 'node-2' });
const webs = [1, 2, 3].map((i) => pod(`x/web-${i}`, { labels: { app: 'web' }, ports: ports([8080, 'TCP', 'http']) }));
const svc = service('x/web', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }] });

describe('model harness', () => {
  it('apply returns the state with interface IPs equal to the pod IPs', async () => {
    const h = createModelHarness();
    const state = cluster({ pods: [client, ...webs] });
    const applied = await h.apply(state);
    expect(applied.state).toBe(state);
    expect(applied.interfaceIPs['x/client']).toBe(client.ip);
    expect(h.capabilities.has('sctp') && h.capabilities.has('reapply')).toBe(true);
  });

  it('repeated Service probes reach every ready endpoint within one pass, like kube-proxy random choice', async () => {
    const h = createModelHarness({ runId: 'spread' });
    await h.apply(cluster({ pods: [client, ...webs], services: [svc] }));
    for (let pass = 0; pass < 4; pass++) {
      const seen = await h.probe(Array.from({ length: 3 }, () => probe('x/client', 'svc:x/web')));
      expect(new Set(seen.map((o) => o.backend!.name))).toEqual(new Set(['web-1', 'web-2', 'web-3']));
    }
  });

  it('the order of endpoints is shuffled, not a fixed rotation', async () => {
    const h = createModelHarness();
    await h.apply(cluster({ pods: [client, ...webs], services: [svc] }));
    const seen = (await h.probe(Array.from({ length: 30 }, () => probe('x/client', 'svc:x/web')))).map((o) => o.backend!.name);
    const passes = new Set(Array.from({ length: 10 }, (_, i) => seen.slice(3 * i, 3 * i + 3).join(',')));
    expect(passes.size).toBeGreaterThan(1);
  });

  it('the same case observes the same, whatever ran before and whatever the run id (replay and shrinking need it)', async () => {
    const state = cluster({ pods: [client, ...webs], services: [svc] });
    const probes = Array.from({ length: 7 }, () => probe('x/client', 'svc:x/web'));
    const fresh = createModelHarness({ runId: 'one' });
    await fresh.apply(state);
    const first = (await fresh.probe(probes)).map((o) => o.backend!.name);
    const used = createModelHarness({ runId: 'two' });
    await used.apply(cluster({ pods: [client, ...webs], services: [svc, { ...svc, name: 'other' }] }));
    await used.probe(Array.from({ length: 5 }, () => probe('x/client', 'svc:x/other')));
    await used.apply(state);
    expect((await used.probe(probes)).map((o) => o.backend!.name)).toEqual(first);
  });

  it('a different seed gives a different (still complete) order', async () => {
    const run = async (seed: number) => {
      const h = createModelHarness({ settings: { seed } });
      await h.apply(cluster({ pods: [client, ...webs], services: [svc] }));
      return (await h.probe(Array.from({ length: 12 }, () => probe('x/client', 'svc:x/web')))).map((o) => o.backend!.name).join(',');
    };
    const orders = new Set(await Promise.all([1, 2, 3, 4, 5].map(run)));
    expect(orders.size).toBeGreaterThan(1);
  });

  it('sessionAffinity ClientIP: one client always reaches the same endpoint', async () => {
    const h = createModelHarness({ runId: 'affinity' });
    await h.apply(cluster({ pods: [client, client2, ...webs], services: [{ ...svc, sessionAffinity: 'ClientIP' }] }));
    for (const from of ['x/client', 'x/client-2']) {
      const seen = await h.probe(Array.from({ length: 20 }, () => probe(from, 'svc:x/web')));
      expect(new Set(seen.map((o) => o.backend!.name)).size).toBe(1);
    }
  });

  it('a denied probe is not delivered; the faulty model delivers what the conformant one denies', async () => {
    const state = cluster({ pods: [client, ...webs], policies: [policy('x/deny', { policyTypes: ['Egress'] })] });
    const good = createModelHarness();
    await good.apply(state);
    expect((await good.probe([probe('x/client', 'x/web-1', 8080)]))[0].outcome).toBe('timeout');
    const bad = createModelHarness({ fault: 'ignore-egress' });
    await bad.apply(state);
    expect((await bad.probe([probe('x/client', 'x/web-1', 8080)]))[0].outcome).toBe('delivered');
  });

  it('an undefined route is delivered (the permissive choice), saying why', () => {
    const prediction: Prediction = {
      verdict: 'undefined',
      reason: 'r',
      deliveries: [],
      failure: { outcome: 'timeout' },
      routes: [{ verdict: 'undefined', reason: 'host peer', delivery: { outcome: 'delivered' }, failure: { outcome: 'timeout' } }],
    };
    const o = observe(prediction, () => 0);
    expect(o.outcome).toBe('delivered');
    expect(o.detail).toMatch(/undefined upstream/);
  });

  it('an unknown fault is a usage error', () => {
    expect(() => createModelHarness({ fault: 'nope' })).toThrow(UsageError);
  });

  it('probe before apply is a bug', async () => {
    await expect(createModelHarness().probe([])).rejects.toThrow(/before apply/);
  });
});
