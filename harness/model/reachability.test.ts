// The indexed matrix against a naive oracle written straight from the NetworkPolicy API text, over
// generated clusters: the index (selected pods, peer sets per rule) must never change a verdict.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { clusterCase } from '../../generators/cluster.ts';
import { namespaceLabels, selectorMatches } from '../../cluster/label-selector.ts';
import type { ClusterState, NetworkPolicyPeer, NetworkPolicyPort, Pod, Protocol } from '../../cluster/types.ts';
import { podKey } from '../../cluster/types.ts';
import { verdictAt, type ReachabilityMatrix } from './reachability.ts';
import { buildModel, buildModelIndex } from './model.ts';
import { cluster, policy, pod, ports } from './test-cluster.ts';
import { MODEL_FAULTS, parseModelFault } from './faults.ts';
import { naiveConnectionVerdict } from './naive-policy-oracle.ts';
import { VERDICTS, type Party } from './policy-verdict.ts';

const podMatrix = (state: ClusterState, options: { fault?: string } = {}): ReachabilityMatrix => buildModel(state, options).podMatrix();

function inCidr(ip: string, cidr: string): boolean {
  const range = ipaddr.parseCIDR(cidr);
  const addr = ipaddr.parse(ip);
  return addr.kind() === range[0].kind() && addr.match(range);
}

/** All policies x all rules x all peers, no index: slow and obviously right. Ordinary pods only. */
function naiveAllowed(state: ClusterState, src: Pod, dst: Pod, port: number, protocol: Protocol): boolean {
  if (src === dst) return true;
  const nsLabels = (name: string) => namespaceLabels(state.namespaces.find((n) => n.name === name) ?? { name, labels: {} });
  const peerMatches = (peer: NetworkPolicyPeer, other: Pod, policyNs: string): boolean => {
    if (peer.ipBlock) return inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((e) => inCidr(other.ip, e));
    if (!peer.podSelector && !peer.namespaceSelector) return false;
    const nsOK = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, nsLabels(other.namespace)) : other.namespace === policyNs;
    const podOK = peer.podSelector ? selectorMatches(peer.podSelector, other.labels) : true;
    return nsOK && podOK;
  };
  const portMatches = (pp: NetworkPolicyPort): boolean => {
    if ((pp.protocol ?? 'TCP') !== protocol) return false;
    if (pp.port === undefined) return true;
    if (typeof pp.port === 'string') return dst.ports.some((c) => c.name === pp.port && c.protocol === (pp.protocol ?? 'TCP') && c.containerPort === port);
    return pp.endPort === undefined ? port === pp.port : port >= pp.port && port <= pp.endPort;
  };
  const side = (pod: Pod, other: Pod, type: 'Ingress' | 'Egress'): boolean => {
    const selecting = state.policies.filter((p) => {
      const types = p.policyTypes?.length ? p.policyTypes : p.egress && p.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
      return p.namespace === pod.namespace && selectorMatches(p.podSelector, pod.labels) && types.includes(type);
    });
    if (selecting.length === 0) return true;
    return selecting.some((p) =>
      (type === 'Ingress' ? (p.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })) : (p.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }))).some(
        (r) => (!r.peers || r.peers.length === 0 || r.peers.some((peer) => peerMatches(peer, other, p.namespace))) && (!r.ports || r.ports.length === 0 || r.ports.some(portMatches)),
      ),
    );
  };
  return side(src, dst, 'Egress') && side(dst, src, 'Ingress');
}

describe('reachability matrix', () => {
  it('agrees with a naive all-policies oracle on every ordinary pod pair and served port of generated clusters', () => {
    fc.assert(
      fc.property(clusterCase({ services: false, maxPods: 8, maxPolicies: 5 }), ({ state }) => {
        const m = podMatrix(state);
        m.columns.forEach((col, c) => {
          const dst = state.pods.find((p) => podKey(p) === col.pod)!;
          m.rows.forEach((row, r) => {
            const src = state.pods[r];
            if (src.hostNetwork || dst.hostNetwork) return;
            const expected = naiveAllowed(state, src, dst, col.port, col.protocol) ? 'allow' : 'deny';
            if (verdictAt(m, r, c) !== expected) {
              throw new Error(`${row} -> ${col.pod}:${col.port}/${col.protocol}: matrix ${verdictAt(m, r, c)}, oracle ${expected}`);
            }
          });
        });
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with predict() cell by cell, hosts included', () => {
    fc.assert(
      fc.property(clusterCase({ services: false, maxPods: 6, maxPolicies: 4 }), ({ state }) => {
        const m = podMatrix(state);
        const model = buildModel(state);
        m.columns.forEach((col, c) => {
          const [namespace, name] = col.pod.split('/');
          state.pods.forEach((src, r) => {
            const p = model.predict({ from: { kind: 'pod', namespace: src.namespace, name: src.name }, to: { kind: 'pod', namespace, name }, port: col.port, protocol: col.protocol });
            expect(verdictAt(m, r, c)).toBe(p.verdict);
          });
        });
      }),
      { numRuns: 100 },
    );
  });

  it('the matrix and predict() agree with the naive scanning oracle on every cell, hosts included, with and without each fault', () => {
    const faults = [undefined, ...MODEL_FAULTS.map((f) => f.name)];
    fc.assert(
      fc.property(clusterCase({ services: false, maxPods: 8, maxPolicies: 5 }), fc.constantFrom(...faults), ({ state }, fault) => {
        const model = buildModel(state, { fault });
        const m = model.podMatrix();
        // A fresh index for the oracle: nothing memoized by the evaluator is shared with it.
        const index = buildModelIndex(state, parseModelFault(fault)).policies;
        const party = (i: number): Party => {
          const p = state.pods[i];
          return p.hostNetwork ? { pod: -1, node: p.nodeName, ip: p.ip, hostPod: i } : { pod: i, node: p.nodeName, ip: p.ip };
        };
        m.columns.forEach((col, c) => {
          const d = m.rows.indexOf(col.pod);
          state.pods.forEach((src, r) => {
            const expected = VERDICTS[naiveConnectionVerdict(index, party(r), party(d), col.port, col.protocol)];
            expect(verdictAt(m, r, c), `${m.rows[r]} -> ${col.pod}:${col.port}/${col.protocol} (${fault ?? 'no fault'})`).toBe(expected);
            // predict() also refuses a port the pod does not serve; every column is a served port.
            const p = model.predict({ from: { kind: 'pod', namespace: src.namespace, name: src.name }, to: { kind: 'pod', namespace: state.pods[d].namespace, name: state.pods[d].name }, port: col.port, protocol: col.protocol });
            if (!(state.pods[d].hostNetwork && p.routes[0]?.delivery.backend?.name !== state.pods[d].name)) expect(p.verdict).toBe(expected);
          });
        });
      }),
      { numRuns: 300 },
    );
  });

  it('the oracle and the matrix both see an isolation (the comparison can fail)', () => {
    const a = pod('x/a', { labels: { app: 'a' } });
    const b = pod('x/b', { ports: ports([80, 'TCP', 'http']) });
    const s = cluster({ pods: [a, b], policies: [policy('x/deny', { podSelector: { matchLabels: { app: 'a' } } })] });
    const m = podMatrix(s);
    expect(verdictAt(m, 1, 0)).toBe('deny');
    expect(naiveAllowed(s, b, a, 80, 'TCP')).toBe(false);
    expect(m.counts).toEqual({ allow: 3, deny: 1, undefined: 0 });
  });

  it('pods isolated by the same policies still resolve a named port each on their own', () => {
    const one = pod('x/one', { labels: { app: 'web' }, ports: ports([80, 'TCP', 'http'], [8080, 'TCP']) });
    const two = pod('x/two', { labels: { app: 'web' }, ports: ports([80, 'TCP'], [8080, 'TCP', 'http']) });
    const client = pod('x/client', { ports: [] });
    const s = cluster({ pods: [one, two, client], policies: [policy('x/p', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 'http' }] }] })] });
    const m = podMatrix(s);
    const col = (key: string, port: number) => m.columns.findIndex((c) => c.pod === key && c.port === port);
    expect(verdictAt(m, 2, col('x/one', 80))).toBe('allow');
    expect(verdictAt(m, 2, col('x/two', 80))).toBe('deny');
    expect(verdictAt(m, 2, col('x/two', 8080))).toBe('allow');
    expect(verdictAt(m, 2, col('x/one', 8080))).toBe('deny');
  });

  it('a fault reaches the matrix too', () => {
    const a = pod('x/a', { labels: { app: 'a' } });
    const b = pod('x/b');
    const s = cluster({ pods: [a, b], policies: [policy('x/deny', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'] })] });
    expect(podMatrix(s).counts.deny).toBe(1);
    expect(podMatrix(s, { fault: 'ignore-egress' }).counts.deny).toBe(0);
  });
});

// Metamorphic laws of NetworkPolicy (it only ever allows; policies are a set), on generated clusters.
describe('NetworkPolicy laws on the matrix', () => {
  const gen = clusterCase({ services: false, maxPods: 8, maxPolicies: 5 });
  const codes = (state: ClusterState) => podMatrix(state).cells;

  it('policies are a set: their order never matters', () => {
    fc.assert(
      fc.property(gen, ({ state }) => {
        const reversed = { ...state, policies: [...state.policies].reverse() };
        expect(Buffer.from(codes(reversed)).equals(Buffer.from(codes(state)))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('a policy that selects no pod changes nothing', () => {
    fc.assert(
      fc.property(gen, ({ state }) => {
        const inert = policy(`${state.namespaces[0]?.name ?? 'default'}/inert`, {
          podSelector: { matchLabels: { 'netprops.test/none': 'x' } },
          policyTypes: ['Ingress', 'Egress'],
        });
        expect(Buffer.from(codes({ ...state, policies: [...state.policies, inert] })).equals(Buffer.from(codes(state)))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('an allow-all ingress policy in a namespace never turns an allow into a deny', () => {
    fc.assert(
      fc.property(gen, ({ state }) => {
        const before = podMatrix(state);
        for (const ns of state.namespaces) {
          const after = podMatrix({ ...state, policies: [...state.policies, policy(`${ns.name}/allow-all`, { ingress: [{}] })] });
          before.cells.forEach((code, i) => {
            if (code === 0) expect(after.cells[i]).toBe(0);
          });
        }
      }),
      { numRuns: 100 },
    );
  });

  it('without any policy every pod reaches every served port', () => {
    fc.assert(
      fc.property(gen, ({ state }) => {
        const m = podMatrix({ ...state, policies: [] });
        expect(m.counts.deny + m.counts.undefined).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});

