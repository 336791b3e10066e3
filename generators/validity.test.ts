import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClusterState, Probe } from '../cluster/types.ts';
import { clusterCase } from './cluster.ts';
import { clusterCaseProblems } from './validity.ts';

// The validity check is what every generator test relies on, so each of its rules is shown
// catching a case broken in that one way.
const base = (): { state: ClusterState; probes: Probe[] } => ({
  state: {
    namespaces: [{ name: 'x', labels: {} }],
    nodes: [{ name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.2' }],
    pods: [
      { namespace: 'x', name: 'a', labels: { app: 'web' }, nodeName: 'node-1', hostNetwork: false, ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }], ip: '10.244.1.2', ready: true },
      { namespace: 'x', name: 'b', labels: {}, nodeName: 'node-1', hostNetwork: false, ports: [], ip: '10.244.1.3', ready: true },
    ],
    services: [
      { namespace: 'x', name: 'svc-a', type: 'ClusterIP', clusterIP: '10.96.0.10', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }], sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster' },
    ],
    policies: [
      { namespace: 'x', name: 'policy-a', podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.244.1.0/24', except: ['10.244.1.2/32'] } }], ports: [{ port: 80, endPort: 90 }] }] },
    ],
  },
  probes: [{ from: { kind: 'pod', namespace: 'x', name: 'b' }, to: { kind: 'service', namespace: 'x', name: 'svc-a' }, port: 80, protocol: 'TCP' }],
});

const broken: [string, (c: ReturnType<typeof base>) => void, RegExp][] = [
  ['two pods with one IP', (c) => (c.state.pods[1].ip = '10.244.1.2'), /two pods cannot share an IP/],
  ['a pod IP outside its node pod CIDR', (c) => (c.state.pods[1].ip = '10.244.9.3'), /not in node/],
  ['a duplicate pod name', (c) => (c.state.pods[1].name = 'a'), /duplicate Pod/],
  ['an invalid pod name', (c) => (c.state.pods[1].name = 'B_1'), /RFC 1123/],
  ['a Service name that is no DNS-1035 label', (c) => (c.state.services[0].name = '1svc'), /RFC 1035/],
  ['an invalid label value', (c) => (c.state.pods[0].labels = { app: '-web' }), /label value/],
  ['a port name used twice in a pod', (c) => c.state.pods[0].ports.push({ name: 'http', containerPort: 81, protocol: 'TCP' }), /used twice/],
  ['a multi-port Service with an unnamed port', (c) => c.state.services[0].ports.push({ port: 81, targetPort: 81, protocol: 'TCP' }), /required when a Service has more than one port/],
  ['a Service selector that is an empty map', (c) => (c.state.services[0].selector = {}), /empty map/],
  ['a nodePort on a ClusterIP Service', (c) => (c.state.services[0].ports[0].nodePort = 30000), /nodePort/],
  ['an In requirement without values', (c) => (c.state.policies[0].podSelector = { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] }), /must be specified/],
  ['an except that is not inside the cidr', (c) => (c.state.policies[0].ingress![0].from![0].ipBlock!.except = ['10.244.2.0/32']), /strict subset/],
  ['an except as large as the cidr', (c) => (c.state.policies[0].ingress![0].from![0].ipBlock!.except = ['10.244.1.0/24']), /strict subset/],
  ['an ipBlock cidr with host bits', (c) => (c.state.policies[0].ingress![0].from![0].ipBlock!.cidr = '10.244.1.5/24'), /host bits/],
  ['an endPort below its port', (c) => (c.state.policies[0].ingress![0].ports![0].endPort = 79), /below port/],
  ['an endPort with a named port', (c) => (c.state.policies[0].ingress![0].ports![0] = { port: 'http', endPort: 90 }), /needs a numeric port/],
  ['a peer combining ipBlock with a selector', (c) => (c.state.policies[0].ingress![0].from![0].podSelector = {}), /may not be combined/],
  ['a probe from a pod that does not exist', (c) => (c.probes[0].from = { kind: 'pod', namespace: 'x', name: 'zz' }), /no pod x\/zz/],
  ['a probe to a Service port name that does not exist', (c) => (c.probes[0].port = 'web'), /no port named 'web'/],
  ['a probe to an address nobody has', (c) => (c.probes[0].to = { kind: 'ip', ip: '192.0.2.1' }), /neither a pod's nor a node's/],
  ['no probes', (c) => (c.probes = []), /no probes/],
];

describe('clusterCaseProblems', () => {
  it('accepts a valid hand-written case', () => {
    expect(clusterCaseProblems(base())).toEqual([]);
  });

  for (const [what, breakIt, expected] of broken) {
    it(`rejects ${what}`, () => {
      const c = base();
      breakIt(c);
      expect(clusterCaseProblems(c).join('\n')).toMatch(expected);
    });
  }

  it('rejects a generated case whose pod IPs were swapped for one another', () => {
    const [c] = fc.sample(clusterCase({ hostNetwork: false }).filter((c) => c.state.pods.length > 1), { seed: 4, numRuns: 1 });
    c.state.pods[1] = { ...c.state.pods[1], ip: c.state.pods[0].ip };
    expect(clusterCaseProblems(c)).not.toEqual([]);
  });
});
