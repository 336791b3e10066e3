// A small ClusterState arbitrary for this harness's own tests, until/besides the shared generators:
// it reaches every shape the manifests must express (multi-port pods of each protocol, not-ready and
// hostNetwork pods, headless/NodePort Services with named targetPorts, every policy peer and port
// form, namespaceSelectors on kubernetes.io/metadata.name). Test-only: imported by *.test.ts.
import fc from 'fast-check';
import type { ClusterState, ContainerPort, LabelSelector, NetworkPolicy, NetworkPolicyPeer, Pod, Protocol, Service } from '../../cluster/types.ts';

const NAMESPACES = ['x', 'y', 'z'];
const NODES = ['node-1', 'node-2'];
const protocol = fc.constantFrom<Protocol>('TCP', 'UDP', 'SCTP');
const labelsArb = fc.dictionary(fc.constantFrom('app', 'tier'), fc.constantFrom('web', 'db', 'front'), { maxKeys: 2 });

const selector: fc.Arbitrary<LabelSelector> = fc.record(
  {
    matchLabels: labelsArb,
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({ key: fc.constantFrom('app', 'tier'), operator: fc.constantFrom('In' as const, 'NotIn' as const), values: fc.array(fc.constantFrom('web', 'db'), { minLength: 1, maxLength: 2 }) }),
        fc.record({ key: fc.constantFrom('app', 'tier'), operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
      ),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);

const namespaceSelector: fc.Arbitrary<LabelSelector> = fc.oneof(
  selector,
  fc.record({ matchLabels: fc.constantFrom(...NAMESPACES).map((n) => ({ 'kubernetes.io/metadata.name': n })) }),
  fc.record({
    matchExpressions: fc.tuple(fc.constantFrom('In' as const, 'NotIn' as const), fc.subarray(NAMESPACES, { minLength: 1 })).map(([operator, values]) => [
      { key: 'kubernetes.io/metadata.name', operator, values },
    ]),
  }),
);

const peer: fc.Arbitrary<NetworkPolicyPeer> = fc.oneof(
  fc.record({ podSelector: selector }),
  fc.record({ namespaceSelector }),
  fc.record({ podSelector: selector, namespaceSelector }),
  fc.record({ ipBlock: fc.record({ cidr: fc.constant('10.244.0.0/16'), except: fc.constant(['10.244.1.0/24']) }, { requiredKeys: ['cidr'] }) }) as fc.Arbitrary<NetworkPolicyPeer>,
);

const policyPort = fc.record(
  { protocol, port: fc.oneof(fc.integer({ min: 1, max: 9000 }), fc.constantFrom('http', 'dns')), endPort: fc.constant(9100) },
  { requiredKeys: [] },
).map((p) => (typeof p.port === 'number' ? p : { protocol: p.protocol, port: p.port }));

const policy = (ns: string, name: string): fc.Arbitrary<NetworkPolicy> =>
  fc.record(
    {
      namespace: fc.constant(ns),
      name: fc.constant(name),
      podSelector: selector,
      policyTypes: fc.subarray(['Ingress', 'Egress'] as const, { minLength: 1 }).map((t) => [...t]),
      ingress: fc.array(fc.record({ from: fc.array(peer, { maxLength: 2 }), ports: fc.array(policyPort, { maxLength: 2 }) }, { requiredKeys: [] }), { maxLength: 2 }),
      egress: fc.array(fc.record({ to: fc.array(peer, { maxLength: 2 }), ports: fc.array(policyPort, { maxLength: 2 }) }, { requiredKeys: [] }), { maxLength: 2 }),
    },
    { requiredKeys: ['namespace', 'name', 'podSelector'] },
  );

const containerPorts: fc.Arbitrary<ContainerPort[]> = fc
  .uniqueArray(fc.record({ containerPort: fc.constantFrom(53, 80, 81, 8080, 9090), protocol }), {
    selector: (p) => `${p.protocol}/${p.containerPort}`,
    maxLength: 4,
  })
  .map((ports) => ports.map((p, i) => (i === 0 ? { ...p, name: p.protocol === 'UDP' ? 'dns' : 'http' } : p)));

export const clusterStateArbitrary: fc.Arbitrary<ClusterState> = fc
  .record({
    pods: fc.array(
      fc.record({ labels: labelsArb, nodeName: fc.constantFrom(...NODES), hostNetwork: fc.integer({ min: 0, max: 5 }).map((n) => n === 0), ports: containerPorts, ready: fc.boolean() }),
      { minLength: 1, maxLength: 6 },
    ),
    services: fc.array(
      fc.record({
        selector: fc.option(labelsArb, { nil: undefined }),
        type: fc.constantFrom('ClusterIP' as const, 'NodePort' as const),
        headless: fc.boolean(),
        ports: fc.uniqueArray(fc.record({ port: fc.constantFrom(80, 81, 53), targetPort: fc.oneof(fc.constantFrom(80, 8080), fc.constant('http')), protocol }), { selector: (p) => `${p.protocol}/${p.port}`, minLength: 1, maxLength: 2 }),
        sessionAffinity: fc.constantFrom('None' as const, 'ClientIP' as const),
        publishNotReadyAddresses: fc.boolean(),
        internalTrafficPolicy: fc.constantFrom('Cluster' as const, 'Local' as const),
      }),
      { maxLength: 3 },
    ),
    policies: fc.array(fc.constantFrom(...NAMESPACES), { maxLength: 3 }).chain((nss) => fc.tuple(...nss.map((ns, i) => policy(ns, `p${i}`)))),
    nsLabels: fc.tuple(...NAMESPACES.map(() => fc.dictionary(fc.constantFrom('env', 'team'), fc.constantFrom('prod', 'dev'), { maxKeys: 2 }))),
  })
  .map(({ pods, services, policies, nsLabels }): ClusterState => {
    const statePods: Pod[] = pods.map((p, i) => ({
      namespace: NAMESPACES[i % NAMESPACES.length],
      name: `pod-${i}`,
      labels: p.labels,
      nodeName: p.nodeName,
      hostNetwork: p.hostNetwork,
      ports: p.ports,
      ip: p.hostNetwork ? (p.nodeName === 'node-1' ? '192.168.0.1' : '192.168.0.2') : `10.244.${p.nodeName === 'node-1' ? 1 : 2}.${i + 10}`,
      ready: p.ready,
    }));
    const stateServices: Service[] = services.map((s, i) => ({
      namespace: NAMESPACES[i % NAMESPACES.length],
      name: `svc-${i}`,
      type: s.headless ? 'ClusterIP' : s.type,
      clusterIP: s.headless ? 'None' : `10.96.0.${i + 10}`,
      ...(s.selector ? { selector: s.selector } : {}),
      ports: s.ports.map((p, j) => ({ name: `p${j}`, ...p, ...(s.type === 'NodePort' && !s.headless ? { nodePort: 30000 + i * 10 + j } : {}) })),
      sessionAffinity: s.sessionAffinity,
      publishNotReadyAddresses: s.publishNotReadyAddresses,
      internalTrafficPolicy: s.internalTrafficPolicy,
    }));
    return {
      namespaces: NAMESPACES.map((name, i) => ({ name, labels: nsLabels[i] })),
      nodes: NODES.map((name, i) => ({ name, podCIDR: `10.244.${i + 1}.0/24`, internalIP: `192.168.0.${i + 1}` })),
      pods: statePods,
      services: stateServices,
      policies,
    };
  });
