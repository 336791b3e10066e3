import { describe, it, expect } from 'vitest';
import { buildPolicyIndex, indexSet, unionInto } from './policy-index.ts';
import { cluster, policy, pod } from './test-cluster.ts';

const web = pod('x/web', { labels: { app: 'web' } });
const db = pod('x/db', { labels: { app: 'db' } });
const host = pod('x/host', { labels: { app: 'web' }, hostNetwork: true });
const other = pod('y/web', { labels: { app: 'web' }, nodeName: 'node-2' });
const members = (set: Uint8Array | undefined, n: number) => (set ? [...set.slice(0, n)].flatMap((v, i) => (v ? [i] : [])) : 'all');

describe('the selector index', () => {
  it("a policy isolates the pods of its own namespace that its podSelector matches, per governed direction", () => {
    const ix = buildPolicyIndex(
      cluster({ pods: [web, db, host, other], policies: [policy('x/in', { podSelector: { matchLabels: { app: 'web' } } }), policy('x/out', { policyTypes: ['Egress'] })] }),
    );
    expect(ix.ingressOf).toEqual([[0], [], [], []]);
    expect(ix.egressOf).toEqual([[1], [1], [], []]);
  });

  it('hostNetwork pods are never isolated, even when a selector matches their labels', () => {
    const ix = buildPolicyIndex(cluster({ pods: [host], policies: [policy('x/all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })] }));
    expect(ix.ingressOf[0]).toEqual([]);
    expect(ix.egressOf[0]).toEqual([]);
  });

  it("a rule's peer set holds the ordinary pods its peers admit, never hostNetwork pods", () => {
    const ix = buildPolicyIndex(
      cluster({
        pods: [web, db, host, other],
        policies: [
          policy('x/p', {
            ingress: [
              { from: [{ podSelector: { matchLabels: { app: 'web' } } }] },
              { from: [{ namespaceSelector: {} }] },
              { from: [] },
              { from: [{ ipBlock: { cidr: `${db.ip}/32` } }] },
            ],
          }),
        ],
      }),
    );
    const rules = ix.policies[0].ingressRules;
    expect(members(rules[0].peerPods, 4)).toEqual([0]);
    expect(members(rules[1].peerPods, 4)).toEqual([0, 1, 3]);
    expect(members(rules[2].peerPods, 4)).toBe('all');
    expect(rules[2].allPeers).toBe(true);
    expect(members(rules[3].peerPods, 4)).toEqual([1]);
  });

  it('rules of an ungoverned direction are not compiled; empty ports read as absent', () => {
    const ix = buildPolicyIndex(cluster({ pods: [web], policies: [policy('x/p', { policyTypes: ['Ingress'], ingress: [{ ports: [] }], egress: [{}] })] }));
    expect(ix.policies[0].egressRules).toEqual([]);
    expect(ix.policies[0].ingressRules[0].ports).toBeUndefined();
  });
});

describe('index sets', () => {
  it('are padded to whole words and united four at a time', () => {
    const a = indexSet(5);
    const b = indexSet(5);
    expect(a.length).toBe(8);
    a[0] = 1;
    b[4] = 1;
    unionInto(a, b);
    expect([...a]).toEqual([1, 0, 0, 0, 1, 0, 0, 0]);
  });
});
