// A written case file reads back to the same Case: decode(encode(c)) equals c, for states drawn
// here (stressing YAML quoting, every Service and policy field, absent vs empty lists, explicit
// allocation) and for the project's own generator (generators/cluster.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type {
  Case, ContainerPort, ExpectedProbe, LabelSelector, Labels, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Protocol,
} from './types.ts';
import { allocate, type RawClusterState, type RawPod, type RawService } from './allocate.ts';
import { decodeCase, encodeCase, loadCases } from './case-file.ts';
import { AGNHOST_IMAGE } from './agnhost-image.ts';
import { caseObjects } from './case-encode.ts';
import { Namespace as NamespaceModel } from 'kubernetes-models/v1/Namespace';
import { Node as NodeModel } from 'kubernetes-models/v1/Node';
import { Pod as PodModel } from 'kubernetes-models/v1/Pod';
import { Service as ServiceModel } from 'kubernetes-models/v1/Service';
import { NetworkPolicy as NetworkPolicyModel } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { clusterCase } from '../generators/cluster.ts';
import { SHARED_CASES } from './shared-cases.fixture.ts';

// Label values YAML would read as something else unless quoted.
const LABEL_VALUES = ['web', 'true', 'false', 'null', 'Null', 'TRUE', 'yes', 'no', 'on', '1', '5', '0x1F', '0o17', '1e3', '1_000', '', 'a.b_c-d', 'NaN'];
const LABEL_KEYS = ['app', 'tier', 'example.com/team', 'x_y.z', 'true', '1'];
const labels: fc.Arbitrary<Labels> = fc.dictionary(fc.constantFrom(...LABEL_KEYS), fc.constantFrom(...LABEL_VALUES), { maxKeys: 3, noNullPrototype: true });
const protocol = fc.constantFrom<Protocol>('TCP', 'UDP', 'SCTP');

const selector: fc.Arbitrary<LabelSelector> = fc.record(
  {
    matchLabels: labels,
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({ key: fc.constantFrom(...LABEL_KEYS), operator: fc.constantFrom('In' as const, 'NotIn' as const), values: fc.uniqueArray(fc.constantFrom(...LABEL_VALUES), { minLength: 1, maxLength: 3 }) }),
        fc.record({ key: fc.constantFrom(...LABEL_KEYS), operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
      ),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);

const peer: fc.Arbitrary<NetworkPolicyPeer> = fc.oneof(
  fc.record({ podSelector: selector, namespaceSelector: selector }, { requiredKeys: [] }).filter((p) => Object.keys(p).length > 0),
  fc.record({ ipBlock: fc.record({ cidr: fc.constant('10.0.0.0/8'), except: fc.uniqueArray(fc.constantFrom('10.244.1.0/24', '10.244.2.0/25', '10.96.0.0/16'), { maxLength: 2 }) }, { requiredKeys: ['cidr'] }) }),
);
const policyPort: fc.Arbitrary<NetworkPolicyPort> = fc.oneof(
  fc.record({ protocol, port: fc.constantFrom<number | string>(80, 8080, 'http', 'dns') }, { requiredKeys: [] }),
  fc.record({ protocol, port: fc.integer({ min: 1, max: 1000 }), endPort: fc.integer({ min: 1000, max: 65535 }) }, { requiredKeys: ['port', 'endPort'] }),
);
const rulePart = <K extends string>(peersKey: K) =>
  fc.record({ [peersKey]: fc.array(peer, { maxLength: 2 }), ports: fc.array(policyPort, { maxLength: 2 }) } as Record<K | 'ports', fc.Arbitrary<unknown>>, { requiredKeys: [] });

const NAMES = ['web', 'api', 'db', 'client', 'a-1', 'b.c'];

const rawState: fc.Arbitrary<{ raw: RawClusterState; nodeNames: string[] }> = fc
  .record({
    namespaces: fc.uniqueArray(fc.record({ name: fc.constantFrom('default', 'x', 'true', 'null', '0x10', '1e3'), labels }), { selector: (n) => n.name, minLength: 1, maxLength: 3 }),
    declaredNodes: fc.uniqueArray(
      fc.record({ name: fc.constantFrom('n1', 'n2', 'worker.b'), podCIDR: fc.option(fc.constant(''), { nil: undefined }), internalIP: fc.option(fc.constant(''), { nil: undefined }) }, { requiredKeys: ['name'] }),
      { selector: (n) => n.name, maxLength: 2 },
    ),
    pods: fc.uniqueArray(
      fc.record({
        ns: fc.nat(),
        name: fc.constantFrom(...NAMES),
        labels,
        node: fc.option(fc.constantFrom('n1', 'n2', 'worker.b', 'extra'), { nil: undefined }),
        hostNetwork: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
        ports: fc.uniqueArray(
          fc.record({ name: fc.option(fc.constantFrom('http', 'dns', 'metrics'), { nil: undefined }), containerPort: fc.constantFrom(53, 80, 8080, 9090), protocol }),
          { selector: (p) => `${p.containerPort}/${p.protocol}`, maxLength: 3 },
        ),
        ready: fc.boolean(),
        givenIP: fc.boolean(),
      }),
      { selector: (p) => `${p.ns}/${p.name}`, maxLength: 5 },
    ),
    services: fc.uniqueArray(
      fc.record({
        ns: fc.nat(),
        name: fc.constantFrom('web', 'api', 'empty', 'z9'),
        type: fc.constantFrom('ClusterIP' as const, 'NodePort' as const),
        clusterIP: fc.constantFrom<string | undefined>(undefined, 'None', '10.96.5.5', '10.96.255.254'),
        selector: fc.option(labels.filter((l) => Object.keys(l).length > 0), { nil: undefined }),
        ports: fc.uniqueArray(
          fc.record({ port: fc.constantFrom(53, 80, 443, 8080), targetPort: fc.constantFrom<number | string>(53, 80, 8080, 'http', 'dns'), protocol, nodePort: fc.option(fc.constantFrom(30000, 30080, 32767), { nil: undefined }) }),
          { selector: (p) => `${p.port}/${p.protocol}`, minLength: 1, maxLength: 3 },
        ),
        sessionAffinity: fc.constantFrom('None' as const, 'ClientIP' as const),
        publishNotReadyAddresses: fc.boolean(),
        internalTrafficPolicy: fc.constantFrom('Cluster' as const, 'Local' as const),
      }),
      { selector: (s) => `${s.ns}/${s.name}`, maxLength: 3 },
    ),
    policies: fc.uniqueArray(
      fc.record(
        {
          ns: fc.nat(),
          name: fc.constantFrom('deny-all', 'allow.web', 'p1'),
          podSelector: selector,
          policyTypes: fc.subarray(['Ingress', 'Egress'] as const, { minLength: 1 }),
          ingress: fc.array(rulePart('from'), { maxLength: 2 }),
          egress: fc.array(rulePart('to'), { maxLength: 2 }),
        },
        { requiredKeys: ['ns', 'name', 'podSelector'] },
      ),
      { selector: (p) => `${p.ns}/${p.name}`, maxLength: 3 },
    ),
  })
  .map(({ namespaces, declaredNodes, pods, services, policies }) => {
    const nsName = (i: number) => namespaces[i % namespaces.length]!.name;
    const nodes = declaredNodes.map((n, i) => ({
      name: n.name,
      ...(n.podCIDR !== undefined ? { podCIDR: `10.250.${i}.0/24` } : {}),
      ...(n.internalIP !== undefined ? { internalIP: `192.168.7.${i + 10}` } : {}),
    }));
    const seenHostPorts = new Set<string>();
    const rawPods: RawPod[] = pods.map((p) => {
      // Unique port names per pod; hostNetwork pods without ports (two on a node could clash).
      const names = new Set<string>();
      const ports: ContainerPort[] = p.hostNetwork
        ? []
        : p.ports.map((port) => {
            const out: ContainerPort = { containerPort: port.containerPort, protocol: port.protocol };
            if (port.name && !names.has(port.name)) (names.add(port.name), (out.name = port.name));
            return out;
          });
      seenHostPorts.add(p.name);
      return {
        namespace: nsName(p.ns), name: p.name, labels: p.labels, hostNetwork: p.hostNetwork, ports, ready: p.ready,
        ...(p.node !== undefined ? { nodeName: p.node } : {}),
      };
    });
    const rawServices: RawService[] = services.map((s) => {
      const headless = s.clusterIP === 'None' && s.type === 'ClusterIP';
      const clusterIP = s.clusterIP === 'None' && !headless ? undefined : s.clusterIP;
      const usedNodePorts = new Set<number>();
      return {
        namespace: nsName(s.ns), name: s.name, type: s.type, sessionAffinity: s.sessionAffinity,
        publishNotReadyAddresses: s.publishNotReadyAddresses, internalTrafficPolicy: s.internalTrafficPolicy,
        ...(clusterIP !== undefined ? { clusterIP } : {}),
        ...(s.selector ? { selector: s.selector } : {}),
        ports: s.ports.map((p, i) => ({
          ...(s.ports.length > 1 || i % 2 === 0 ? { name: `p${i}` } : {}),
          port: p.port, targetPort: p.targetPort, protocol: p.protocol,
          // Explicit nodePorts only on the first Service (they are cluster-wide unique).
          ...(s.type === 'NodePort' && p.nodePort !== undefined && services[0] === s && !usedNodePorts.has(p.nodePort) && usedNodePorts.add(p.nodePort) ? { nodePort: p.nodePort } : {}),
        })),
      };
    });
    // Given ClusterIPs must be unique: keep the first use of each.
    const takenIPs = new Set<string>();
    for (const s of rawServices) {
      if (s.clusterIP && s.clusterIP !== 'None') {
        if (takenIPs.has(s.clusterIP)) delete s.clusterIP;
        else takenIPs.add(s.clusterIP);
      }
    }
    const rawPolicies: NetworkPolicy[] = policies.map((p) => ({ ...p, namespace: nsName(p.ns), ns: undefined }) as unknown as NetworkPolicy).map(({ ns: _ns, ...p }: NetworkPolicy & { ns?: unknown }) => p);
    // Namespace indexes wrap around, so two drafts may land on one namespace/name: keep the first.
    const firstOf = <T extends { namespace: string; name: string }>(list: T[]) =>
      list.filter((o, i) => list.findIndex((x) => x.namespace === o.namespace && x.name === o.name) === i);
    return {
      raw: { namespaces, nodes, pods: firstOf(rawPods), services: firstOf(rawServices), policies: firstOf(rawPolicies) },
      nodeNames: nodes.map((n) => n.name),
    };
  });

const caseArbitrary: fc.Arbitrary<Case> = rawState.chain(({ raw }) => {
  const state = allocate(raw);
  const sources = [...state.pods.map((p) => ({ kind: 'pod' as const, namespace: p.namespace, name: p.name })), ...state.nodes.map((n) => ({ kind: 'node' as const, name: n.name }))];
  const targets: ExpectedProbe['to'][] = [
    ...state.pods.map((p) => ({ kind: 'pod' as const, namespace: p.namespace, name: p.name })),
    ...state.services.map((s) => ({ kind: 'service' as const, namespace: s.namespace, name: s.name })),
    ...state.pods.map((p) => ({ kind: 'ip' as const, ip: p.ip })),
    { kind: 'ip', ip: '192.0.2.1' },
  ];
  const probe: fc.Arbitrary<ExpectedProbe> = fc
    .record({
      from: fc.constantFrom(...sources),
      to: fc.constantFrom(...targets),
      port: fc.integer({ min: 1, max: 65535 }),
      protocol,
      expect: fc.constantFrom('allow' as const, 'deny' as const),
      payloadBytes: fc.integer({ min: 1, max: 1400 }),
      sourcePort: fc.integer({ min: 1024, max: 65535 }),
    }, { requiredKeys: ['from', 'to', 'port', 'protocol', 'expect'] })
    .map((p) => {
      // Name the port where the target declares one with this protocol.
      const to = p.to;
      const named =
        to.kind === 'pod' ? state.pods.find((x) => x.namespace === to.namespace && x.name === to.name)?.ports.find((x) => x.name && x.protocol === p.protocol)?.name
        : to.kind === 'service' ? state.services.find((x) => x.namespace === to.namespace && x.name === to.name)?.ports.find((x) => x.name && x.protocol === p.protocol)?.name
        : undefined;
      return named && p.port % 2 === 0 ? { ...p, port: named } : p;
    });
  return fc.record({ state: fc.constant(state), probes: fc.array(probe, { maxLength: 6 }) });
});

describe('encodeCase: decode(encode(c)) is c', () => {
  it('for drawn states with every field, quoting traps and explicit allocation', () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const text = encodeCase(c);
        expect(decodeCase(text, 'written.yaml')).toEqual(c);
        // Stable: writing the read-back case gives the same text.
        expect(encodeCase(decodeCase(text, 'written.yaml'))).toBe(text);
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it('for cases of several steps: each `before` step, then the case\'s own, each headed `# step N of M`', () => {
    fc.assert(
      fc.property(fc.array(caseArbitrary, { minLength: 2, maxLength: 3 }), (drawn) => {
        const last = drawn[drawn.length - 1]!;
        const c: Case = { ...last, before: drawn.slice(0, -1).map((s) => ({ state: s.state, probes: s.probes })) };
        const text = encodeCase(c);
        expect(decodeCase(text, 'written.yaml')).toEqual(c);
        expect(encodeCase(decodeCase(text, 'written.yaml'))).toBe(text);
        expect(text.match(/^# step \d+ of \d+$/gm)).toEqual(drawn.map((_, i) => `# step ${i + 1} of ${drawn.length}`));
        expect(parseAllDocuments(text).filter((d) => (d.toJS() as { kind?: string } | null)?.kind === 'Expectations')).toHaveLength(drawn.length);
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  it('a one-step case is written exactly as before: no step comment, one Expectations document', () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const text = encodeCase(c);
        expect(text).not.toMatch(/# step/);
        expect('before' in decodeCase(text, 'written.yaml')).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('for the generator of the properties (generators/cluster.ts)', () => {
    fc.assert(
      fc.property(clusterCase(), fc.boolean(), (g, flip) => {
        const c: Case = { state: g.state, probes: g.probes.map((p, i) => ({ ...p, expect: (i % 2 === 0) === flip ? 'allow' : 'deny' })) };
        expect(decodeCase(encodeCase(c), 'generated.yaml')).toEqual(c);
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  it('every object written is valid against the Kubernetes OpenAPI schema (kubernetes-models)', () => {
    const models: Record<string, new (data: never) => { validate(): void }> = {
      Namespace: NamespaceModel as never, Node: NodeModel as never, Pod: PodModel as never, Service: ServiceModel as never, NetworkPolicy: NetworkPolicyModel as never,
    };
    fc.assert(
      fc.property(fc.oneof(caseArbitrary, clusterCase().map((g) => ({ state: g.state, probes: [] }) as Case)), (c) => {
        for (const o of caseObjects(c)) {
          const Model = models[o.kind as string]!;
          expect(() => new Model(structuredClone(o) as never).validate(), JSON.stringify(o)).not.toThrow();
        }
      }),
      { numRuns: 100 },
    );
    // and the schema does reject a broken object, so the check can fail
    const broken = { ...caseObjects(decodeCase('apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n---\napiVersion: netprops.dev/v1alpha1\nkind: Expectations\n', 'b.yaml')).find((o) => o.kind === 'Service')! };
    (broken.spec as { ports: unknown }).ports = [{ port: 'eighty' }];
    expect(() => new ServiceModel(broken as never).validate()).toThrow();
  }, 120_000);

  it('for the shared case files, read, written and read again', async () => {
    for (const { case: c } of await loadCases([SHARED_CASES])) expect(decodeCase(encodeCase(c), 'again.yaml')).toEqual(c);
  });

  it('writes Kubernetes objects in a readable order with the agnhost image, allocated values explicit', () => {
    const c = decodeCase(
      [
        'apiVersion: netprops.dev/v1alpha1\nkind: Expectations\nprobes: [{from: x/b, to: "svc:x/s", port: 80, expect: deny}]\n',
        'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: x}\nspec: {type: NodePort, selector: {app: a}, ports: [{port: 80}]}\n',
        'apiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: x}\nspec: {containers: [{name: c}]}\nstatus: {conditions: [{type: Ready, status: "False"}]}\n',
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n',
      ].join('---\n'),
      'in.yaml',
    );
    const docs = parseAllDocuments(encodeCase(c)).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(['Namespace', 'Node', 'Pod', 'Service', 'Expectations']);
    expect(docs[1].spec.podCIDR).toBe('10.244.1.0/24');
    expect(docs[2].spec.containers[0].image).toBe(AGNHOST_IMAGE);
    expect(docs[2].status).toEqual({ podIP: '10.244.1.2', conditions: [{ type: 'Ready', status: 'False' }] });
    expect(docs[3].spec).toEqual({ type: 'NodePort', clusterIP: '10.96.0.10', selector: { app: 'a' }, ports: [{ port: 80, protocol: 'TCP', nodePort: 30000 }] });
    expect(docs[4].probes).toEqual([{ from: 'x/b', to: 'svc:x/s', port: 80, protocol: 'TCP', expect: 'deny' }]);
  });
});
