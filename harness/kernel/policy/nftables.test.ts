import { describe, expect, it } from 'vitest';
import type { ClusterState, NetworkPolicy, Pod } from '../../../cluster/types.ts';
import { compilePolicyTable } from './nftables.ts';

function pod(namespace: string, name: string, ip: string, labels: Record<string, string>, extra: Partial<Pod> = {}): Pod {
  return {
    namespace,
    name,
    ip,
    labels,
    nodeName: 'node-1',
    hostNetwork: false,
    ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
    ready: true,
    ...extra,
  };
}

function state(policies: NetworkPolicy[], pods?: Pod[]): ClusterState {
  return {
    namespaces: [
      { name: 'x', labels: { team: 'a' } },
      { name: 'y', labels: { team: 'b' } },
    ],
    nodes: [
      { name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '192.168.0.1' },
      { name: 'node-2', podCIDR: '10.244.2.0/24', internalIP: '192.168.0.2' },
    ],
    pods: pods ?? [
      pod('x', 'web', '10.244.1.2', { app: 'web' }),
      pod('x', 'db', '10.244.1.3', { app: 'db' }, { ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }),
      pod('y', 'client', '10.244.2.2', { app: 'client' }, { nodeName: 'node-2' }),
      pod('y', 'web', '10.244.2.3', { app: 'web' }, { nodeName: 'node-2' }),
    ],
    services: [],
    policies,
  };
}

/** The elements of the named sets the compiler shares between chains (pods-N, port-proto-N). */
function sharedSets(script: string): Map<string, string> {
  const sets = new Map<string, string>();
  for (const m of script.matchAll(/  set ((?:pods|port-\w+)-\d+) \{\n    type [^\n]+\n    elements = (\{ [^\n]* \})\n  \}/g)) {
    sets.set(m[1], m[2]);
  }
  return sets;
}

/** The rules of one chain, as lines, without indentation, with shared sets written out. */
function chain(script: string, name: string): string[] {
  const sets = sharedSets(script);
  const start = script.indexOf(`  chain ${name} {\n`);
  if (start < 0) return [];
  const body = script.slice(start).split('\n').slice(1);
  const end = body.indexOf('  }');
  return body.slice(0, end).map((l) => l.trim().replace(/@((?:pods|port-\w+)-\d+)/g, (_, n: string) => sets.get(n)!));
}

const webIngress = (ingress: NetworkPolicy['ingress'], extra: Partial<NetworkPolicy> = {}): NetworkPolicy => ({
  namespace: 'x',
  name: 'web',
  podSelector: { matchLabels: { app: 'web' } },
  ingress,
  ...extra,
});

describe('compilePolicyTable', () => {
  it('replaces the table atomically: create, delete and rebuild in one nft transaction', () => {
    const script = compilePolicyTable(state([]), 'node-1');
    const lines = script.split('\n');
    expect(lines).toContain('table inet netprops-policy');
    expect(lines).toContain('delete table inet netprops-policy');
    expect(lines.indexOf('table inet netprops-policy')).toBeLessThan(lines.indexOf('delete table inet netprops-policy'));
    expect(chain(script, 'forward')[0]).toBe('type filter hook forward priority filter; policy accept;');
  });

  it('lets replies of allowed connections pass before any policy rule (NetworkPolicy is stateful)', () => {
    const script = compilePolicyTable(state([webIngress([])]), 'node-1');
    expect(chain(script, 'forward')[1]).toBe('ct state established,related accept');
  });

  it('isolates nothing without policies: no per-pod chains, forward accepts', () => {
    const script = compilePolicyTable(state([]), 'node-1');
    expect(script).not.toContain('vmap');
    expect(script).not.toContain('reject');
  });

  it('isolates only the selected pods of this node for ingress, with a reject at the end', () => {
    const script = compilePolicyTable(state([webIngress([])]), 'node-1');
    expect(chain(script, 'forward')).toContain('ip daddr vmap { 10.244.1.2 : jump ingress-x/web }');
    // y/web has the same labels but another namespace: a policy selects pods of its own namespace only.
    expect(script).not.toContain('10.244.2.3 : jump');
    const rules = chain(script, 'ingress-x/web');
    expect(rules.slice(-3)).toEqual([
      'ct status dnat reject with icmpx type port-unreachable',
      'meta l4proto tcp reject with tcp reset',
      'reject with icmpx type port-unreachable',
    ]);
    // ingress: [] allows nothing but the pod itself.
    expect(rules).toHaveLength(4);
    expect(rules[0]).toContain('ip saddr 10.244.1.2 accept');
  });

  it('judges pods of another node nowhere on this node: node-2 compiles its own', () => {
    const policies = [webIngress([], { namespace: 'y' })];
    expect(compilePolicyTable(state(policies), 'node-1')).not.toContain('jump');
    expect(compilePolicyTable(state(policies), 'node-2')).toContain('10.244.2.3 : jump ingress-y/web');
  });

  it('defaults policyTypes: Ingress always, Egress only with at least one egress rule', () => {
    const noEgress = compilePolicyTable(state([webIngress(undefined, { egress: [] })]), 'node-1');
    expect(noEgress).toContain('ingress-x/web');
    expect(noEgress).not.toContain('egress-x/web {');
    const withEgress = compilePolicyTable(state([webIngress(undefined, { egress: [{}] })]), 'node-1');
    expect(withEgress).toContain('chain egress-x/web {');
    expect(withEgress).toContain('chain ingress-x/web {');
    const egressOnly = compilePolicyTable(state([webIngress([{}], { policyTypes: ['Egress'], egress: [] })]), 'node-1');
    expect(egressOnly).not.toContain('chain ingress-x/web {');
    expect(chain(egressOnly, 'egress-x/web')).toHaveLength(4);
  });

  it('ignores the rules of a direction the policy does not list', () => {
    const script = compilePolicyTable(
      state([webIngress([{}], { policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] })]),
      'node-1',
    );
    expect(script).not.toContain('chain ingress-x/web');
    expect(chain(script, 'egress-x/web')).toContain('ip daddr 10.0.0.0/8 return comment "x/web egress[0]"');
  });

  it('treats an absent or empty from list and an absent ports list as "all"', () => {
    for (const rule of [{}, { from: [] }, { ports: [] }]) {
      const rules = chain(compilePolicyTable(state([webIngress([rule])]), 'node-1'), 'ingress-x/web');
      expect(rules).toContain('accept comment "x/web ingress[0]"');
    }
  });

  it('ANDs podSelector and namespaceSelector in one peer, and ORs separate peers', () => {
    const and = chain(
      compilePolicyTable(
        state([webIngress([{ from: [{ namespaceSelector: { matchLabels: { team: 'b' } }, podSelector: { matchLabels: { app: 'client' } } }] }])]),
        'node-1',
      ),
      'ingress-x/web',
    );
    expect(and).toContain('ip saddr { 10.244.2.2 } accept comment "x/web ingress[0]"');
    const or = chain(
      compilePolicyTable(
        state([webIngress([{ from: [{ namespaceSelector: { matchLabels: { team: 'b' } } }, { podSelector: { matchLabels: { app: 'db' } } }] }])]),
        'node-1',
      ),
      'ingress-x/web',
    );
    expect(or).toContain('ip saddr { 10.244.2.2, 10.244.2.3 } accept comment "x/web ingress[0]"');
    expect(or).toContain('ip saddr { 10.244.1.3 } accept comment "x/web ingress[0]"');
  });

  it('matches namespaces by kubernetes.io/metadata.name even when the manifest does not write it', () => {
    const rules = chain(
      compilePolicyTable(
        state([webIngress([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } } }] }])]),
        'node-1',
      ),
      'ingress-x/web',
    );
    expect(rules).toContain('ip saddr { 10.244.2.2, 10.244.2.3 } accept comment "x/web ingress[0]"');
  });

  it('lets a peer that selects no pod allow nothing (not everything)', () => {
    const rules = chain(
      compilePolicyTable(state([webIngress([{ from: [{ podSelector: { matchLabels: { app: 'nobody' } } }] }])]), 'node-1'),
      'ingress-x/web',
    );
    expect(rules).toHaveLength(4);
  });

  it('writes ipBlock except as an exclusion set and clears host bits of the CIDR', () => {
    const rules = chain(
      compilePolicyTable(state([webIngress([{ from: [{ ipBlock: { cidr: '10.244.7.9/16', except: ['10.244.2.0/24', '10.244.3.0/24'] } }] }])]), 'node-1'),
      'ingress-x/web',
    );
    expect(rules).toContain('ip saddr 10.244.0.0/16 ip saddr != { 10.244.2.0/24, 10.244.3.0/24 } accept comment "x/web ingress[0]"');
  });

  it('writes ports with protocol defaulting to TCP, endPort as a range, and a protocol-only port', () => {
    const rules = chain(
      compilePolicyTable(
        state([webIngress([{ ports: [{ port: 80 }, { port: 9000, endPort: 9010, protocol: 'UDP' }, { protocol: 'SCTP' }, {}] }])]),
        'node-1',
      ),
      'ingress-x/web',
    );
    expect(rules).toContain('meta l4proto tcp th dport 80 accept comment "x/web ingress[0]"');
    expect(rules).toContain('meta l4proto udp th dport 9000-9010 accept comment "x/web ingress[0]"');
    expect(rules).toContain('meta l4proto sctp accept comment "x/web ingress[0]"');
    expect(rules).toContain('meta l4proto tcp accept comment "x/web ingress[0]"');
  });

  it('resolves a named ingress port on the destination pod, by name and protocol', () => {
    const policy: NetworkPolicy = {
      namespace: 'x',
      name: 'all',
      podSelector: {},
      ingress: [{ ports: [{ port: 'http' }, { port: 'http', protocol: 'UDP' }] }],
    };
    const script = compilePolicyTable(state([policy]), 'node-1');
    expect(chain(script, 'ingress-x/web')).toContain('meta l4proto tcp th dport 80 accept comment "x/all ingress[0]"');
    expect(chain(script, 'ingress-x/db')).toContain('meta l4proto tcp th dport 8080 accept comment "x/all ingress[0]"');
    // No pod has a UDP port named http: that entry allows nothing.
    expect(script).not.toContain('meta l4proto udp');
  });

  it('resolves a named egress port on each destination pod, not on the source', () => {
    const policy: NetworkPolicy = {
      namespace: 'x',
      name: 'db-out',
      podSelector: { matchLabels: { app: 'db' } },
      policyTypes: ['Egress'],
      egress: [{ ports: [{ port: 'http' }] }],
    };
    const rules = chain(compilePolicyTable(state([policy]), 'node-1'), 'egress-x/db');
    // x/db calls its own port 8080 "http"; the others call 80 "http".
    expect(rules).toContain(
      'meta l4proto tcp ip daddr . th dport { 10.244.1.2 . 80, 10.244.1.3 . 8080, 10.244.2.2 . 80, 10.244.2.3 . 80 } return comment "x/db-out egress[0]"',
    );
  });

  it('judges egress first with return, so the destination ingress is still checked', () => {
    const policies: NetworkPolicy[] = [
      { namespace: 'x', name: 'all', podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: [{}], ingress: [] },
    ];
    const script = compilePolicyTable(state(policies), 'node-1');
    const forward = chain(script, 'forward');
    expect(forward.findIndex((r) => r.startsWith('ip saddr vmap'))).toBeLessThan(forward.findIndex((r) => r.startsWith('ip daddr vmap')));
    expect(chain(script, 'egress-x/web')).toContain('return comment "x/all egress[0]"');
    expect(chain(script, 'egress-x/web')[0]).toContain('ip daddr 10.244.1.2 return');
  });

  it('never isolates hostNetwork pods and never names them as peers', () => {
    const pods = [
      pod('x', 'web', '10.244.1.2', { app: 'web' }),
      pod('x', 'agent', '192.168.0.1', { app: 'web' }, { hostNetwork: true }),
    ];
    const script = compilePolicyTable(state([webIngress([{ from: [{ podSelector: {} }] }])], pods), 'node-1');
    expect(script).not.toContain('192.168.0.1');
    expect(chain(script, 'ingress-x/web')).toContain('ip saddr { 10.244.1.2 } accept comment "x/web ingress[0]"');
  });

  it('unions every policy that selects the pod', () => {
    const policies = [
      webIngress([{ ports: [{ port: 80 }] }]),
      { ...webIngress([{ ports: [{ port: 81 }] }]), name: 'second' },
    ];
    const rules = chain(compilePolicyTable(state(policies), 'node-1'), 'ingress-x/web');
    expect(rules).toContain('meta l4proto tcp th dport 80 accept comment "x/web ingress[0]"');
    expect(rules).toContain('meta l4proto tcp th dport 81 accept comment "x/second ingress[0]"');
  });

  it('writes a selector peer once as a named set, shared by every pod chain that needs it', () => {
    const policy: NetworkPolicy = {
      namespace: 'x',
      name: 'from-clients',
      podSelector: {},
      ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'client' } } }] }],
    };
    const script = compilePolicyTable(state([policy]), 'node-1');
    expect([...sharedSets(script).entries()]).toEqual([['pods-0', '{ 10.244.2.2 }']]);
    expect(script.match(/ip saddr @pods-0 accept/g)).toHaveLength(2); // x/web and x/db
  });

  it('keeps chain names within nft\'s limit for the longest pod names, and distinct', () => {
    const long = (suffix: string) => pod('x', `${'p'.repeat(250)}${suffix}`, suffix === 'a' ? '10.244.1.2' : '10.244.1.3', { app: 'web' });
    const script = compilePolicyTable(state([webIngress([])], [long('a'), long('b')]), 'node-1');
    const names = [...script.matchAll(/chain (ingress-\S+) \{/g)].map((m) => m[1]);
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(200);
  });

  it('is deterministic whatever the order of policies (order never matters)', () => {
    const a = webIngress([{ ports: [{ port: 80 }] }]);
    const b = { ...webIngress([{ ports: [{ port: 81 }] }]), name: 'b' };
    expect(compilePolicyTable(state([a, b]), 'node-1')).toBe(compilePolicyTable(state([b, a]), 'node-1'));
  });

  it('fault policy-skips-same-node: traffic between two local pods is accepted before any policy', () => {
    const s = state([webIngress([])]);
    expect(compilePolicyTable(s, 'node-1')).not.toContain('@local-pods');
    const faulty = compilePolicyTable(s, 'node-1', { faults: ['policy-skips-same-node'] });
    const forward = chain(faulty, 'forward');
    const skip = forward.findIndex((r) => r.startsWith('ip saddr @local-pods ip daddr @local-pods accept'));
    expect(skip).toBeGreaterThan(0);
    expect(skip).toBeLessThan(forward.findIndex((r) => r.startsWith('ip daddr vmap')));
    expect(faulty).toContain('elements = { 10.244.1.2, 10.244.1.3 }');
  });
});

describe('compilePolicyTable at scale', () => {
  it('compiles 1,000 pods and 200 policies into a table that grows with the state, not with pods x pods', () => {
    const apps = ['web', 'db', 'api', 'cache', 'queue'];
    const pods: Pod[] = Array.from({ length: 1000 }, (_, i) =>
      pod(`ns${i % 20}`, `p${i}`, `10.${244 + Math.floor(i / 750)}.${Math.floor((i % 750) / 250) + 1}.${(i % 250) + 2}`, { app: apps[i % 5] }, {
        nodeName: `node-${(i % 3) + 1}`,
        ports: [{ name: 'http', containerPort: 8080 + (i % 3), protocol: 'TCP' }],
      }),
    );
    const policies: NetworkPolicy[] = Array.from({ length: 200 }, (_, i) => ({
      namespace: `ns${i % 20}`,
      name: `pol${i}`,
      podSelector: { matchLabels: { app: apps[i % 5] } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: apps[(i + 1) % 5] } } }], ports: [{ port: 'http' }] }],
      egress: [{ to: [{ podSelector: { matchLabels: { app: apps[(i + 2) % 5] } } }], ports: [{ port: 'http' }] }],
    }));
    const s: ClusterState = { ...state(policies, pods), namespaces: Array.from({ length: 20 }, (_, i) => ({ name: `ns${i}`, labels: {} })) };
    const started = performance.now();
    const script = compilePolicyTable(s, 'node-1');
    const ms = performance.now() - started;
    console.info(`policy table for node-1 of 1,000 pods and 200 policies: ${ms.toFixed(0)} ms, ${script.length} bytes`);
    // Before peers became shared sets this took 14 s and wrote every peer's IPs into every chain.
    expect(ms).toBeLessThan(5000);
    expect(script.length).toBeLessThan(2_000_000);
    // One set per distinct selector result, one per named port and protocol: not one per pod.
    expect(sharedSets(script).size).toBeLessThan(30);
  });
});
