// NetworkPolicy semantics, one upstream rule per test (concept page and networking/v1 API reference,
// checked against kubernetes-sigs/kube-network-policies where the docs are terse).
import { describe, it, expect } from 'vitest';
import { buildModel } from './model.ts';
import { ALLOW, DENY, UNDEFINED, combine } from './policy-verdict.ts';
import { cluster, policy, pod, ports, probe } from './test-cluster.ts';
import type { ClusterState, Probe } from '../../cluster/types.ts';

const verdict = (state: ClusterState, p: Probe, fault?: string) => buildModel(state, { fault }).predict(p).verdict;

const a = pod('x/a', { labels: { app: 'a' } });
const b = pod('x/b', { labels: { app: 'b' }, nodeName: 'node-2' });
const c = pod('y/c', { labels: { app: 'a' }, nodeName: 'node-2' });
const denyAllIngress = policy('x/deny-all', { podSelector: {}, policyTypes: ['Ingress'] });
const denyAllEgress = policy('x/deny-egress', { podSelector: {}, policyTypes: ['Egress'] });

describe('isolation', () => {
  it('a pod selected by no policy accepts everything and sends everything', () => {
    const s = cluster({ pods: [a, b, c] });
    expect(verdict(s, probe('x/a', 'x/b'))).toBe('allow');
    expect(verdict(s, probe('y/c', 'x/a'))).toBe('allow');
  });

  it('a pod selected by an Ingress policy with no rules is isolated: every ingress is denied', () => {
    const s = cluster({ pods: [a, b, c], policies: [denyAllIngress] });
    expect(verdict(s, probe('y/c', 'x/a'))).toBe('deny');
    expect(verdict(s, probe('x/b', 'x/a'))).toBe('deny');
    // its egress stays open
    expect(verdict(s, probe('x/a', 'y/c'))).toBe('allow');
  });

  it('ingress: [] denies everything while ingress: [{}] allows everything', () => {
    const empty = cluster({ pods: [a, c], policies: [policy('x/p', { ingress: [] })] });
    const allowAll = cluster({ pods: [a, c], policies: [policy('x/p', { ingress: [{}] })] });
    expect(verdict(empty, probe('y/c', 'x/a'))).toBe('deny');
    expect(verdict(allowAll, probe('y/c', 'x/a'))).toBe('allow');
  });

  it('from: [] and an absent from both match every source (API: "empty or missing")', () => {
    for (const rule of [{ from: [] }, {}]) {
      const s = cluster({ pods: [a, c], policies: [policy('x/p', { ingress: [rule] })] });
      expect(verdict(s, probe('y/c', 'x/a'))).toBe('allow');
    }
  });

  it('egress isolation needs a policy governing Egress: omitted policyTypes with egress rules default to it', () => {
    const s = cluster({ pods: [a, c], policies: [policy('x/p', { egress: [{ to: [{ podSelector: { matchLabels: { app: 'none' } } }] }] })] });
    expect(verdict(s, probe('x/a', 'y/c'))).toBe('deny');
  });

  it('egress: [] with omitted policyTypes does not isolate egress (defaulting adds Egress only for >= 1 rule)', () => {
    const s = cluster({ pods: [a, c], policies: [policy('x/p', { egress: [], ingress: [{}] })] });
    expect(verdict(s, probe('x/a', 'y/c'))).toBe('allow');
  });

  it('rules of a direction missing from policyTypes contribute nothing', () => {
    // Egress-only policy carrying an ingress rule: ingress stays unisolated (so allowed), and the
    // ingress rule cannot widen anything either.
    const s = cluster({
      pods: [a, b, c],
      policies: [policy('x/p', { policyTypes: ['Egress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'none' } } }] }] })],
    });
    expect(verdict(s, probe('y/c', 'x/a'))).toBe('allow');
    expect(verdict(s, probe('x/a', 'y/c'))).toBe('deny');
  });

  it('allowed connections are the union over every policy selecting the pod', () => {
    const fromB = policy('x/from-b', { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'b' } } }] }] });
    const fromY = policy('x/from-y', { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }] }] });
    const s = cluster({ pods: [a, b, c], policies: [fromB, fromY] });
    expect(verdict(s, probe('x/b', 'x/a'))).toBe('allow');
    expect(verdict(s, probe('y/c', 'x/a'))).toBe('allow');
    expect(verdict(cluster({ pods: [a, b, c], policies: [fromB] }), probe('y/c', 'x/a'))).toBe('deny');
  });

  it("a connection needs both the source's egress and the destination's ingress", () => {
    const ingressOK = policy('y/in', { podSelector: {}, ingress: [{}] });
    const s = cluster({ pods: [a, c], policies: [denyAllEgress, ingressOK] });
    expect(verdict(s, probe('x/a', 'y/c'))).toBe('deny');
    const s2 = cluster({ pods: [a, c], policies: [policy('x/out', { policyTypes: ['Egress'], egress: [{}] }), policy('y/in', { ingress: [] })] });
    expect(verdict(s2, probe('x/a', 'y/c'))).toBe('deny');
    const s3 = cluster({ pods: [a, c], policies: [policy('x/out', { policyTypes: ['Egress'], egress: [{}] }), ingressOK] });
    expect(verdict(s3, probe('x/a', 'y/c'))).toBe('allow');
  });

  it('the ignore-egress fault lets an egress-isolated pod send', () => {
    const s = cluster({ pods: [a, c], policies: [denyAllEgress] });
    expect(verdict(s, probe('x/a', 'y/c'), 'ignore-egress')).toBe('allow');
  });
});

describe('self, node and hostNetwork traffic', () => {
  it('a pod can always reach itself, even when isolated both ways', () => {
    const s = cluster({ pods: [a], policies: [denyAllIngress, denyAllEgress] });
    expect(verdict(s, probe('x/a', 'x/a'))).toBe('allow');
  });

  it('traffic from the node a pod runs on is always allowed', () => {
    const s = cluster({ pods: [a], policies: [denyAllIngress] });
    expect(verdict(s, probe('node:node-1', 'x/a'))).toBe('allow');
  });

  it('another node as the source of an isolated pod is left to the implementation (undefined)', () => {
    const s = cluster({ pods: [a], policies: [denyAllIngress] });
    expect(verdict(s, probe('node:node-2', 'x/a'))).toBe('undefined');
  });

  it('a rule admitting every source admits other nodes too', () => {
    const s = cluster({ pods: [a], policies: [policy('x/p', { ingress: [{ ports: [{ port: 80 }] }] })] });
    expect(verdict(s, probe('node:node-2', 'x/a'))).toBe('allow');
  });

  it('hostNetwork pods are never isolated by policies, and as peers they are node traffic', () => {
    const h = pod('x/h', { hostNetwork: true, nodeName: 'node-2', labels: { app: 'a' } });
    const s = cluster({ pods: [a, h], policies: [denyAllIngress] });
    // h is selected by deny-all's {} but not isolated
    expect(verdict(s, probe('x/a', 'x/h'))).toBe('allow');
    // as a source to an isolated pod on another node: undefined
    expect(verdict(s, probe('x/h', 'x/a'))).toBe('undefined');
    // a podSelector peer does not admit it as a pod either
    const s2 = cluster({ pods: [a, h], policies: [policy('x/p', { ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }] }] })] });
    expect(verdict(s2, probe('x/h', 'x/a'))).toBe('undefined');
  });

  it('traffic from a pod to the node it runs on is always allowed, even egress-isolated', () => {
    const h = pod('x/h', { hostNetwork: true, nodeName: 'node-1' });
    const s = cluster({ pods: [a, h], policies: [denyAllEgress] });
    expect(verdict(s, probe('x/a', 'x/h'))).toBe('allow');
  });

  it('combining the two sides: a definite deny wins, then undefined, then allow', () => {
    expect(combine(DENY, UNDEFINED)).toBe(DENY);
    expect(combine(UNDEFINED, DENY)).toBe(DENY);
    expect(combine(ALLOW, UNDEFINED)).toBe(UNDEFINED);
    expect(combine(ALLOW, ALLOW)).toBe(ALLOW);
  });

  it('an egress-isolated pod reaching a node or hostNetwork pod is left to the implementation', () => {
    const h = pod('x/h', { hostNetwork: true, nodeName: 'node-2' });
    const s = cluster({ pods: [a, h], policies: [policy('x/p', { policyTypes: ['Egress'], egress: [{ to: [{ podSelector: {} }] }] })] });
    expect(verdict(s, probe('x/a', 'x/h'))).toBe('undefined');
  });
});

describe('peers', () => {
  const web = pod('x/web', { labels: { app: 'web' } });
  const xClient = pod('x/client', { labels: { app: 'client' } });
  const yClient = pod('y/client', { labels: { app: 'client' }, nodeName: 'node-2' });
  const yOther = pod('y/other', { labels: { app: 'other' }, nodeName: 'node-2' });
  const pods = [web, xClient, yClient, yOther];
  const withPeer = (peer: object) =>
    cluster({ pods, policies: [policy('x/p', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [peer] }] })] });

  it("podSelector alone selects pods in the policy's own namespace only", () => {
    const s = withPeer({ podSelector: { matchLabels: { app: 'client' } } });
    expect(verdict(s, probe('x/client', 'x/web'))).toBe('allow');
    expect(verdict(s, probe('y/client', 'x/web'))).toBe('deny');
  });

  it('namespaceSelector alone selects every pod of the matching namespaces', () => {
    const s = withPeer({ namespaceSelector: { matchLabels: { ns: 'y' } } });
    expect(verdict(s, probe('y/client', 'x/web'))).toBe('allow');
    expect(verdict(s, probe('y/other', 'x/web'))).toBe('allow');
    expect(verdict(s, probe('x/client', 'x/web'))).toBe('deny');
  });

  it('podSelector and namespaceSelector in one peer are ANDed', () => {
    const s = withPeer({ namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: { matchLabels: { app: 'client' } } });
    expect(verdict(s, probe('y/client', 'x/web'))).toBe('allow');
    expect(verdict(s, probe('y/other', 'x/web'))).toBe('deny');
    expect(verdict(s, probe('x/client', 'x/web'))).toBe('deny');
    // the peers-or fault ORs them
    expect(verdict(s, probe('y/other', 'x/web'), 'peers-or')).toBe('allow');
    expect(verdict(s, probe('x/client', 'x/web'), 'peers-or')).toBe('allow');
  });

  it('namespaceSelector {} selects every namespace; podSelector {} every pod of the namespace', () => {
    expect(verdict(withPeer({ namespaceSelector: {} }), probe('y/other', 'x/web'))).toBe('allow');
    expect(verdict(withPeer({ podSelector: {} }), probe('x/client', 'x/web'))).toBe('allow');
    expect(verdict(withPeer({ podSelector: {} }), probe('y/client', 'x/web'))).toBe('deny');
  });

  it('namespaceSelector can use kubernetes.io/metadata.name, which every Namespace carries', () => {
    const s = withPeer({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } } });
    expect(verdict(s, probe('y/other', 'x/web'))).toBe('allow');
  });

  it('matchExpressions NotIn admits pods without the key', () => {
    const s = withPeer({ podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] } });
    expect(verdict(s, probe('x/client', 'x/web'))).toBe('allow');
  });

  it('ipBlock admits pod IPs inside the cidr and outside every except', () => {
    const cidr = `${yClient.ip.split('.').slice(0, 3).join('.')}.0/24`;
    const s = withPeer({ ipBlock: { cidr, except: [`${yOther.ip}/32`] } });
    expect(verdict(s, probe('y/client', 'x/web'))).toBe('allow');
    expect(verdict(s, probe('y/other', 'x/web'))).toBe('deny');
    expect(verdict(s, probe('x/client', 'x/web'))).toBe('deny');
    expect(verdict(s, probe('y/other', 'x/web'), 'ignore-except')).toBe('allow');
  });

  it('several peers of one rule are ORed', () => {
    const s = cluster({
      pods,
      policies: [
        policy('x/p', {
          podSelector: { matchLabels: { app: 'web' } },
          ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }, { namespaceSelector: { matchLabels: { ns: 'y' } } }] }],
        }),
      ],
    });
    expect(verdict(s, probe('x/client', 'x/web'))).toBe('allow');
    expect(verdict(s, probe('y/other', 'x/web'))).toBe('allow');
  });

  it('egress peers select destinations the same way', () => {
    const s = cluster({
      pods,
      policies: [policy('y/p', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'client' } } }] }] })],
    });
    expect(verdict(s, probe('y/other', 'y/client'))).toBe('allow');
    expect(verdict(s, probe('y/other', 'x/web'))).toBe('deny');
  });
});

describe('ports', () => {
  const web = pod('x/web', { labels: { app: 'web' }, ports: ports([80, 'TCP', 'http'], [8080, 'TCP', 'alt'], [53, 'UDP', 'dns'], [9000, 'SCTP'], [8001, 'TCP']) });
  const client = pod('y/client', { nodeName: 'node-2', ports: ports([80, 'TCP', 'alt']) });
  const withPorts = (p: object[]) => cluster({ pods: [web, client], policies: [policy('x/p', { ingress: [{ ports: p as never }] })] });

  it('a numeric port admits that port and no other', () => {
    const s = withPorts([{ port: 80 }]);
    expect(verdict(s, probe('y/client', 'x/web', 80))).toBe('allow');
    expect(verdict(s, probe('y/client', 'x/web', 8080))).toBe('deny');
  });

  it('a port without protocol is TCP: ports: [{}] admits every TCP port and no UDP', () => {
    const s = withPorts([{}]);
    expect(verdict(s, probe('y/client', 'x/web', 8080))).toBe('allow');
    expect(verdict(s, probe('y/client', 'x/web', 53, 'UDP'))).toBe('deny');
    expect(verdict(s, probe('y/client', 'x/web', 53, 'UDP'), 'ignore-policy-protocol')).toBe('allow');
  });

  it('SCTP is a protocol like the others', () => {
    const s = withPorts([{ protocol: 'SCTP', port: 9000 }]);
    expect(verdict(s, probe('y/client', 'x/web', 9000, 'SCTP'))).toBe('allow');
    expect(verdict(s, probe('y/client', 'x/web', 80))).toBe('deny');
  });

  it('endPort admits the whole range', () => {
    const s = withPorts([{ port: 8000, endPort: 8080 }]);
    expect(verdict(s, probe('y/client', 'x/web', 8080))).toBe('allow');
    expect(verdict(s, probe('y/client', 'x/web', 8001))).toBe('allow');
    expect(verdict(s, probe('y/client', 'x/web', 80))).toBe('deny');
    expect(verdict(s, probe('y/client', 'x/web', 8080), 'ignore-endport')).toBe('deny');
  });

  it("a named port resolves on the destination pod's container ports", () => {
    const s = withPorts([{ port: 'alt' }]);
    expect(verdict(s, probe('y/client', 'x/web', 8080))).toBe('allow');
    // the source also has a port named alt (80): resolving it there is the named-port-on-source fault
    expect(verdict(s, probe('y/client', 'x/web', 80))).toBe('deny');
    expect(verdict(s, probe('y/client', 'x/web', 80), 'named-port-on-source')).toBe('allow');
    expect(verdict(s, probe('y/client', 'x/web', 8080), 'named-port-on-source')).toBe('deny');
  });

  it('the named-port-on-source fault resolves an egress named port on the sending pod', () => {
    const s = cluster({ pods: [web, client], policies: [policy('y/p', { policyTypes: ['Egress'], egress: [{ ports: [{ port: 'alt' }] }] })] });
    // web's alt is 8080, the client's own alt is 80
    expect(verdict(s, probe('y/client', 'x/web', 8080))).toBe('allow');
    expect(verdict(s, probe('y/client', 'x/web', 80))).toBe('deny');
    expect(verdict(s, probe('y/client', 'x/web', 80), 'named-port-on-source')).toBe('allow');
  });

  it("a named egress port resolves on the destination too, with the policy port's protocol", () => {
    const s = cluster({
      pods: [web, client],
      policies: [policy('y/p', { policyTypes: ['Egress'], egress: [{ ports: [{ port: 'dns', protocol: 'UDP' }] }] })],
    });
    expect(verdict(s, probe('y/client', 'x/web', 53, 'UDP'))).toBe('allow');
    expect(verdict(s, probe('y/client', 'x/web', 80))).toBe('deny');
  });

  it('absent ports admit every port of every protocol', () => {
    const s = withPorts([]);
    expect(verdict(s, probe('y/client', 'x/web', 53, 'UDP'))).toBe('allow');
    expect(verdict(s, probe('y/client', 'x/web', 9000, 'SCTP'))).toBe('allow');
  });

  it('a rule needs both its peers and its ports to match', () => {
    const s = cluster({
      pods: [web, client],
      policies: [policy('x/p', { ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }], ports: [{ port: 80 }] }] })],
    });
    expect(verdict(s, probe('y/client', 'x/web', 80))).toBe('allow');
    expect(verdict(s, probe('y/client', 'x/web', 8080))).toBe('deny');
  });
});
