import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelsMatch } from '../cluster/label-selector.ts';
import type { ClusterState, Pod } from '../cluster/types.ts';
import { describeArbitraryContract, shrinksStayValid } from './arbitrary-contract.ts';
import { namespaces } from './namespace.ts';
import { nodes } from './node.ts';
import { placePods, podDraft } from './pod.ts';
import { placeServices, serviceDraft, type ServiceDraft, type ServiceOptions } from './service.ts';
import { clusterStateProblems } from './validity.ts';

const servicesState = (options: ServiceOptions = {}) =>
  fc
    .record(
      {
        namespaces: namespaces(),
        nodes: nodes(),
        pods: fc.array(podDraft(options), { minLength: 1, maxLength: 6 }),
        services: fc.array(serviceDraft(options), { minLength: 1, maxLength: 4 }),
      },
      { noNullPrototype: true },
    )
    .map(({ namespaces, nodes, pods, services }): ClusterState => {
      const placed = placePods(pods, namespaces, nodes);
      return { namespaces, nodes, pods: placed, services: placeServices(services, placed, namespaces), policies: [] };
    });

describeArbitraryContract('Services placed by placeServices()', servicesState(), clusterStateProblems, { numRuns: 100 });

describe('Services', () => {
  const sample = fc.sample(servicesState(), { seed: 31, numRuns: 300 });
  const services = sample.flatMap((s) => s.services);

  it('cover every type, affinity, publishNotReadyAddresses, internalTrafficPolicy and targetPort form', () => {
    expect(new Set(services.map((s) => (s.clusterIP === 'None' ? 'headless' : s.type)))).toEqual(new Set(['ClusterIP', 'NodePort', 'headless']));
    expect(new Set(services.map((s) => s.sessionAffinity))).toEqual(new Set(['None', 'ClientIP']));
    expect(new Set(services.map((s) => s.publishNotReadyAddresses))).toEqual(new Set([true, false]));
    expect(new Set(services.map((s) => s.internalTrafficPolicy))).toEqual(new Set(['Cluster', 'Local']));
    const ports = services.flatMap((s) => s.ports);
    expect(new Set(ports.map((p) => typeof p.targetPort))).toEqual(new Set(['number', 'string']));
    expect(new Set(ports.map((p) => p.protocol))).toEqual(new Set(['TCP', 'UDP', 'SCTP']));
    expect(services.some((s) => s.selector === undefined)).toBe(true);
    expect(services.some((s) => s.ports.length > 1)).toBe(true);
  });

  it('mostly select a pod of their namespace: the selector is drawn from labels in use', () => {
    let selecting = 0;
    for (const s of sample) {
      for (const svc of s.services) {
        if (svc.selector && s.pods.some((p) => p.namespace === svc.namespace && labelsMatch(svc.selector!, p.labels))) selecting++;
      }
    }
    expect(selecting / services.length).toBeGreaterThan(0.5);
  });

  it('never write an empty selector map (the API server drops it and the Service then selects nothing)', () => {
    const pod: Pod = { namespace: 'x', name: 'a', labels: {}, nodeName: 'node-1', hostNetwork: false, ports: [], ip: '10.244.1.2', ready: true };
    const draft: ServiceDraft = {
      pod: 0,
      selector: { fromPod: ['app'] },
      ports: [{ port: 80, protocol: 'TCP' }],
      kind: 'ClusterIP',
      sessionAffinity: 'None',
      publishNotReadyAddresses: false,
      internalTrafficPolicy: 'Cluster',
    };
    const [svc] = placeServices([draft], [pod], [{ name: 'x', labels: {} }]);
    expect(svc.selector).toEqual({ app: 'web' });
  });

  it('resolve a podPort targetPort to a port the pod serves, with its protocol', () => {
    const pod: Pod = {
      namespace: 'x', name: 'a', labels: { app: 'db' }, nodeName: 'node-1', hostNetwork: false,
      ports: [{ name: 'metrics', containerPort: 9090, protocol: 'UDP' }], ip: '10.244.1.2', ready: true,
    };
    const base: ServiceDraft = {
      pod: 0, selector: { fromPod: [] }, kind: 'NodePort', sessionAffinity: 'ClientIP', publishNotReadyAddresses: false,
      internalTrafficPolicy: 'Cluster', ports: [{ port: 80, protocol: 'TCP', targetPort: { podPort: 0, byName: true } }, { port: 443, protocol: 'TCP', targetPort: { podPort: 0, byName: false } }],
    };
    const [svc] = placeServices([base], [pod], [{ name: 'x', labels: {} }]);
    expect(svc.selector).toEqual({ app: 'db' });
    expect(svc.ports).toEqual([
      { name: 'web', port: 80, targetPort: 'metrics', protocol: 'UDP', nodePort: 30000 },
      { name: 'api', port: 443, targetPort: 9090, protocol: 'UDP', nodePort: 30001 },
    ]);
  });

  it('shrink toward a single-port ClusterIP Service', () => {
    const smallest = shrinksStayValid(servicesState(), clusterStateProblems, { seeds: [6] })[0];
    expect(smallest.services).toHaveLength(1);
    expect(smallest.services[0]).toMatchObject({ type: 'ClusterIP', sessionAffinity: 'None', internalTrafficPolicy: 'Cluster', publishNotReadyAddresses: false });
    expect(smallest.services[0].ports).toHaveLength(1);
  });

  it('leave NodePort out when asked', () => {
    const narrow = fc.sample(servicesState({ nodePort: false }), { seed: 2, numRuns: 100 }).flatMap((s) => s.services);
    expect(narrow.every((s) => s.type === 'ClusterIP')).toBe(true);
  });
});
