// service-dns: the records the DNS specification asks for, the check on answers, and whole runs on the
// reference model with a DNS server added (conformant, then broken); skipped where there is no DNS.
import { describe, expect, it } from 'vitest';
import type { ClusterState, Pod, Service } from '../cluster/types.ts';
import { createModelHarness } from '../harness/model/harness.ts';
import { settledStep } from '../harness/record.ts';
import { withClusterDNS } from './cluster-dns.ts';
import { runProperties } from './runner.ts';
import { serviceDns, serviceRecords } from './service-dns.ts';

const svc = (over: Partial<Service> = {}): Service => ({
  namespace: 'x', name: 's', type: 'ClusterIP', clusterIP: '10.96.0.10', selector: { app: 'web' },
  ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }], sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster', ...over,
});
const pod = (name: string, ip: string, ready: boolean, named = true): Pod => ({
  namespace: 'x', name, labels: { app: 'web' }, nodeName: 'node-1', hostNetwork: false,
  ports: [{ ...(named ? { name: 'http' } : {}), containerPort: 8080, protocol: 'TCP' }], ip, ready,
});
const state = (s: Service): ClusterState => ({
  namespaces: [{ name: 'x', labels: {} }],
  nodes: [{ name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.2' }],
  pods: [pod('a', '10.244.1.3', true), pod('b', '10.244.1.2', true), pod('c', '10.244.1.4', false), pod('d', '10.244.1.5', true, false)],
  services: [s],
  policies: [],
});

describe('serviceRecords (Kubernetes DNS-based service discovery)', () => {
  it('a Service with a ClusterIP resolves to it alone', () => {
    expect(serviceRecords(state(svc()), svc())).toEqual({ must: ['10.96.0.10'], may: [] });
  });
  it('a headless Service resolves to its ready endpoints; a selected pod without the named port may or may not appear', () => {
    const s = svc({ clusterIP: 'None' });
    expect(serviceRecords(state(s), s)).toEqual({ must: ['10.244.1.2', '10.244.1.3'], may: ['10.244.1.5'] });
  });
  it('publishNotReadyAddresses publishes the not-ready endpoints too', () => {
    const s = svc({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(serviceRecords(state(s), s).must).toEqual(['10.244.1.2', '10.244.1.3', '10.244.1.4']);
  });
  it('a headless Service without a selector has no records', () => {
    const s = svc({ clusterIP: 'None', selector: undefined });
    expect(serviceRecords(state(s), s)).toEqual({ must: [], may: [] });
  });
});

describe('service-dns check', () => {
  const headless = svc({ clusterIP: 'None' });
  const ctx = (answers: string[]) => {
    const st = state(headless);
    return {
      steps: [settledStep({ state: st, probes: [], observations: [], lookups: [{ from: { kind: 'pod' as const, namespace: 'x', name: 'a' }, service: { namespace: 'x', name: 's' } }], answers: [answers] })],
    };
  };
  it('accepts the ready endpoints, with or without the portless pod', () => {
    expect(serviceDns.check(ctx(['10.244.1.2', '10.244.1.3']))).toEqual([]);
    expect(serviceDns.check(ctx(['10.244.1.2', '10.244.1.3', '10.244.1.5']))).toEqual([]);
  });
  it('rejects a not-ready pod among the answers, naming it', () => {
    const [finding, ...rest] = serviceDns.check(ctx(['10.244.1.2', '10.244.1.3', '10.244.1.4']));
    expect(rest).toEqual([]);
    expect(finding.message).toContain('extra 10.244.1.4 (not-ready pod x/c)');
  });
  it('rejects a missing ready endpoint and an empty answer', () => {
    expect(serviceDns.check(ctx(['10.244.1.3']))[0].message).toContain('missing 10.244.1.2');
    expect(serviceDns.check(ctx([]))[0].message).toMatch(/to no address; .*missing 10\.244\.1\.2, 10\.244\.1\.3/);
    // A lookup with no address says why, as the resolver said it (a timeout is not an NXDOMAIN).
    const c = ctx([]);
    c.steps[0].unanswered = ['dig exited 9: ;; connection timed out; no servers could be reached'];
    expect(serviceDns.check(c)[0].message).toContain('to no address (dig exited 9: ;; connection timed out; no servers could be reached); the name must');
  });
});

describe('service-dns in a run', () => {
  const run = (behaviour: Parameters<typeof withClusterDNS>[1]) =>
    runProperties({ target: 'model', properties: ['service-dns'], runs: 100, seed: 1, harnessFactory: async (o) => withClusterDNS(createModelHarness(o), behaviour) });

  it('passes on a conformant DNS server, judging every run', async () => {
    const [result] = (await run('conformant')).properties;
    expect(result.failure?.message).toBeUndefined();
    expect(result).toMatchObject({ status: 'passed', runs: 100 });
  });

  it('fails on a server that answers not-ready endpoints of a headless Service, shrunk to that Service and the pod', async () => {
    const [result] = (await run('publishes-not-ready')).properties;
    expect(result.status).toBe('failed');
    expect(result.failure!.message).toMatch(/extra [\d.]+ \(not-ready pod /);
    const ce = result.failure!.counterexample.state;
    expect(ce.services).toHaveLength(1);
    expect(ce.services[0]).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: false });
    expect(ce.pods.length).toBeLessThanOrEqual(2);
    expect(ce.pods.some((p) => !p.ready)).toBe(true);
  });

  it('fails on a server that answers an endpoint for a Service that has a ClusterIP', async () => {
    const [result] = (await run('clusterip-as-endpoint')).properties;
    expect(result.status).toBe('failed');
    expect(result.failure!.message).toMatch(/must resolve to its ClusterIP/);
  });

  it('is skipped, with the reason, on a target without DNS (the model; the kernel has none either)', async () => {
    const [result] = (await runProperties({ target: 'model', properties: ['service-dns'], runs: 10, seed: 1 })).properties;
    expect(result).toMatchObject({ status: 'skipped', runs: 0, skipReason: 'target model lacks dns' });
  });
});
