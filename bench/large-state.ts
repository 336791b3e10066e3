// The seeded large state the model's benchmarks run on: pods spread over nodes and namespaces,
// policies mixing every peer kind, named ports, endPort and UDP, and Services of both types with
// named and numeric targetPorts, affinity and internalTrafficPolicy Local. The same options always
// give the same state, so every run measures the same work.
import type {
  ClusterState,
  ContainerPort,
  LabelSelector,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  Pod,
  PolicyType,
  Service,
} from '../cluster/types.ts';
import { seededRandom } from '../harness/model/seeded-random.ts';

const PORTS: ContainerPort[] = [
  { name: 'http', containerPort: 80, protocol: 'TCP' },
  { name: 'https', containerPort: 443, protocol: 'TCP' },
  { name: 'alt', containerPort: 8080, protocol: 'TCP' },
  { name: 'dns', containerPort: 53, protocol: 'UDP' },
  { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
];

/**
 * A deterministic large state: `pods` pods over `pods / 200` nodes (at least 10, so every node's /24
 * has room) and `namespaces` namespaces.
 */
export function largeState(options: { pods: number; namespaces: number; policies: number; services: number; seed?: number }): ClusterState {
  const rnd = seededRandom(options.seed ?? 42);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const nodeCount = Math.max(10, Math.ceil(options.pods / 200));
  const nodes = Array.from({ length: nodeCount }, (_, i) => ({ name: `node-${i}`, podCIDR: `10.244.${i}.0/24`, internalIP: `172.18.0.${i + 2}` }));
  const namespaces = Array.from({ length: options.namespaces }, (_, i) => ({
    name: `ns-${i}`,
    labels: { team: `t${i % 4}`, env: i % 2 ? 'prod' : 'dev' },
  }));
  const hosts = new Array<number>(nodes.length).fill(2);
  const pods: Pod[] = Array.from({ length: options.pods }, (_, i) => {
    const node = i % nodes.length;
    const hostNetwork = int(100) === 0;
    const labels: Record<string, string> = { app: `a${int(10)}` };
    if (rnd() < 0.7) labels.tier = pick(['web', 'api', 'db']);
    const ports = PORTS.filter(() => rnd() < 0.35);
    return {
      namespace: namespaces[i % namespaces.length].name,
      name: `pod-${i}`,
      labels,
      nodeName: nodes[node].name,
      hostNetwork,
      ports: ports.length ? ports : [PORTS[0]],
      ip: hostNetwork ? nodes[node].internalIP : `10.244.${node}.${hosts[node]++}`,
      ready: rnd() < 0.9,
    };
  });
  const podSelector = (): LabelSelector => {
    const r = rnd();
    if (r < 0.2) return {};
    if (r < 0.75) return { matchLabels: { app: `a${int(10)}` } };
    return { matchExpressions: [{ key: 'tier', operator: pick(['In', 'NotIn'] as const), values: [pick(['web', 'api', 'db'])] }] };
  };
  const peer = (): NetworkPolicyPeer => {
    const r = rnd();
    if (r < 0.35) return { podSelector: podSelector() };
    if (r < 0.6) return { namespaceSelector: { matchLabels: { team: `t${int(4)}` } } };
    if (r < 0.85) return { namespaceSelector: { matchLabels: { env: pick(['prod', 'dev']) } }, podSelector: podSelector() };
    const n = int(nodes.length);
    return { ipBlock: { cidr: `10.244.${n}.0/24`, except: [`10.244.${n}.${int(16) * 16}/28`] } };
  };
  const portList = (): NetworkPolicyPort[] | undefined =>
    pick([undefined, [{ port: 80 }], [{ port: 'http' }], [{ port: 8000, endPort: 9100 }], [{ protocol: 'UDP' as const, port: 53 }], [{}]]);
  const rules = () => Array.from({ length: 1 + int(3) }, () => ({ peers: rnd() < 0.1 ? undefined : Array.from({ length: 1 + int(2) }, peer), ports: portList() }));
  const policies: NetworkPolicy[] = Array.from({ length: options.policies }, (_, i) => {
    const policyTypes = pick<PolicyType[] | undefined>([undefined, ['Ingress'], ['Egress'], ['Ingress', 'Egress']]);
    const p: NetworkPolicy = { namespace: namespaces[int(namespaces.length)].name, name: `policy-${i}`, podSelector: podSelector() };
    if (policyTypes) p.policyTypes = [...policyTypes];
    if (!policyTypes || policyTypes.includes('Ingress')) p.ingress = rules().map((r) => ({ from: r.peers, ports: r.ports }));
    if (policyTypes?.includes('Egress') || (!policyTypes && rnd() < 0.3)) p.egress = rules().map((r) => ({ to: r.peers, ports: r.ports }));
    return p;
  });
  const services: Service[] = Array.from({ length: options.services }, (_, i) => ({
    namespace: namespaces[int(namespaces.length)].name,
    name: `svc-${i}`,
    type: i % 10 === 0 ? 'NodePort' : 'ClusterIP',
    clusterIP: `10.96.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    selector: { app: `a${int(10)}` },
    ports: [
      { name: 'web', port: 80, targetPort: rnd() < 0.5 ? 'http' : 80, protocol: 'TCP', ...(i % 10 === 0 ? { nodePort: 30000 + i } : {}) },
      { name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP' },
    ],
    sessionAffinity: i % 7 === 0 ? 'ClientIP' : 'None',
    publishNotReadyAddresses: false,
    internalTrafficPolicy: i % 9 === 0 ? 'Local' : 'Cluster',
  }));
  return { namespaces, nodes, pods, policies, services };
}
