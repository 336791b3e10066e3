import { describe, expect, it } from 'vitest';
import { nftServicePortChainBase } from './chain-names.ts';
import { compileNftablesProxy } from './nftables.ts';
import { proxyTestState } from './proxy-test-state.ts';

interface Script {
  chains: string[];
  rules: Map<string, string[]>;
  /** set/map name -> element texts */
  elements: Map<string, string[]>;
  lines: string[];
}

function parse(script: string): Script {
  const out: Script = { chains: [], rules: new Map(), elements: new Map(), lines: script.split('\n') };
  for (const line of out.lines) {
    let m = /^add chain ip kube-proxy (\S+)/.exec(line);
    if (m) out.chains.push(m[1]);
    m = /^add rule ip kube-proxy (\S+) (.*)$/.exec(line);
    if (m) out.rules.set(m[1], [...(out.rules.get(m[1]) ?? []), m[2]]);
    m = /^add element ip kube-proxy (\S+) \{ (.*) \}$/.exec(line);
    if (m) out.elements.set(m[1], [...(out.elements.get(m[1]) ?? []), m[2]]);
  }
  return out;
}

/** The endpoint chains of a numgen vmap rule, in order, and its modulus. */
function numgen(rule: string): { mod: number; targets: string[] } {
  const m = /numgen random mod (\d+) vmap \{ (.*) \}/.exec(rule)!;
  const entries = m[2].split(', ').map((e) => /^(\d+) : goto (\S+)$/.exec(e)!);
  entries.forEach((e, i) => expect(Number(e[1])).toBe(i));
  return { mod: Number(m[1]), targets: entries.map((e) => e[2]) };
}

function dnatOf(s: Script, chain: string): string | undefined {
  return s.rules.get(chain)?.map((r) => /dnat to (\S+)/.exec(r)?.[1]).find((d) => d !== undefined);
}

const webChain = `service-${nftServicePortChainBase('x', 'web', 'TCP', 'web')}`;

describe('compileNftablesProxy', () => {
  const s = parse(compileNftablesProxy(proxyTestState(), 'node-1'));

  it('replaces table ip kube-proxy in one transaction (add, delete, add)', () => {
    expect(s.lines.slice(1, 4)).toEqual([
      'add table ip kube-proxy',
      'delete table ip kube-proxy',
      'add table ip kube-proxy { comment "rules for kube-proxy" ; }',
    ]);
  });

  it('declares every chain before any rule or map element refers to it', () => {
    const firstRule = s.lines.findIndex((l) => l.startsWith('add rule'));
    const lastChain = s.lines.map((l) => l.startsWith('add chain')).lastIndexOf(true);
    expect(lastChain).toBeLessThan(firstRule);
    for (const line of s.lines) {
      for (const [, target] of line.matchAll(/(?:goto|jump) (\S+?)(?:,| \}|$)/g)) {
        expect(s.chains, line).toContain(target);
      }
    }
  });

  it('dispatches ClusterIP . protocol . port through the service-ips verdict map from both nat hooks', () => {
    expect(s.rules.get('nat-prerouting')).toEqual(['jump services']);
    expect(s.rules.get('nat-output')).toEqual(['jump services']);
    expect(s.rules.get('services')![0]).toBe('ip daddr . meta l4proto . th dport vmap @service-ips');
    expect(s.elements.get('service-ips')).toContain(`10.96.0.10 . tcp . 80 : goto ${webChain}`);
  });

  it('spreads with numgen random mod N over the ready endpoints, DNAT to the resolved targetPort', () => {
    const { mod, targets } = numgen(s.rules.get(webChain)!.at(-1)!);
    expect(mod).toBe(3);
    expect(targets.map((t) => dnatOf(s, t))).toEqual(['10.244.1.2:8080', '10.244.1.3:8081', '10.244.2.2:8082']);
  });

  it('marks hairpin traffic for masquerade and masquerades marked packets in postrouting', () => {
    for (const t of numgen(s.rules.get(webChain)!.at(-1)!).targets) {
      const ip = dnatOf(s, t)!.split(':')[0];
      expect(s.rules.get(t)![0]).toBe(`ip saddr ${ip} jump mark-for-masquerade`);
    }
    expect(s.rules.get('nat-postrouting')).toEqual(['jump masquerading']);
    expect(s.rules.get('masquerading')).toEqual([
      'meta mark & 0x00004000 == 0 return',
      'meta mark set meta mark xor 0x00004000',
      'masquerade fully-random',
    ]);
  });

  it('rejects Service ports without endpoints (ClusterIP and NodePort) via the reject chain', () => {
    expect(s.elements.get('no-endpoint-services')).toContain('10.96.0.11 . udp . 81 comment "x/empty" : goto reject-chain');
    expect(s.elements.get('no-endpoint-nodeports')).toContain('udp . 30001 comment "x/empty" : goto reject-chain');
    expect(s.rules.get('reject-chain')).toEqual(['reject']);
    expect(s.rules.get('filter-forward')).toContain('ct state new jump service-endpoints-check');
  });

  it('rejects, after DNAT, a port of a ClusterIP that no Service port defines', () => {
    expect(s.elements.get('cluster-ips')).toEqual(['10.96.0.10', '10.96.0.11', '10.96.0.12', '10.96.0.13']);
    expect(s.rules.get('cluster-ips-check')![0]).toContain('ip daddr @cluster-ips reject');
    expect(s.rules.get('filter-forward')).toContain('ct state new jump cluster-ips-check');
    expect(s.rules.get('filter-output-post-dnat')).toContain('ct state new jump cluster-ips-check');
  });

  it('sends NodePorts on local addresses to an external chain that marks for masquerade', () => {
    const base = nftServicePortChainBase('x', 'sticky', 'TCP', 'web');
    expect(s.elements.get('service-nodeports')).toEqual([`tcp . 30002 : goto external-${base}`]);
    expect(s.rules.get(`external-${base}`)).toEqual(['jump mark-for-masquerade', `goto service-${base}`]);
    expect(s.rules.get('services')![1]).toContain('fib daddr type local');
  });

  it('keeps a ClientIP client on its endpoint with per-endpoint timeout sets, checked before numgen', () => {
    const base = nftServicePortChainBase('x', 'sticky', 'TCP', 'web');
    const rules = s.rules.get(`service-${base}`)!;
    const sticky = rules.filter((r) => r.startsWith('ip saddr @affinity-'));
    expect(sticky).toHaveLength(3);
    expect(rules.at(-1)).toMatch(/^numgen/);
    for (const r of sticky) {
      const [, set, chain] = /@(\S+) goto (\S+)/.exec(r)!;
      expect(s.lines.some((l) => l.startsWith(`add set ip kube-proxy ${set} {`) && l.includes('timeout 10800s'))).toBe(true);
      expect(s.rules.get(chain)).toContain(`update @${set} { ip saddr }`);
    }
  });

  it('uses only this node\'s endpoints under internalTrafficPolicy Local, and drops when there are none', () => {
    const base = nftServicePortChainBase('x', 'local', 'TCP', undefined);
    expect(s.elements.get('service-ips')).toContain(`10.96.0.13 . tcp . 80 : goto local-${base}`);
    const { targets } = numgen(s.rules.get(`local-${base}`)!.at(-1)!);
    expect(targets.map((t) => dnatOf(s, t))).toEqual(['10.244.1.2:9000', '10.244.1.3:9000', '10.244.1.4:9000']);

    const state = proxyTestState();
    state.pods = state.pods.filter((p) => p.nodeName !== 'node-1');
    const other = parse(compileNftablesProxy(state, 'node-1'));
    expect(other.elements.get('no-endpoint-services')).toContain('10.96.0.13 . tcp . 80 comment "x/local" : drop');
    expect(other.elements.get('service-ips')!.some((e) => e.startsWith('10.96.0.13'))).toBe(false);
  });

  it('writes nothing for a headless Service', () => {
    expect(compileNftablesProxy(proxyTestState(), 'node-1')).not.toContain('headless');
  });

  it('fault not-ready-endpoints: the not-ready pod becomes an endpoint', () => {
    const f = parse(compileNftablesProxy(proxyTestState(), 'node-1', { faults: ['not-ready-endpoints'] }));
    const { mod, targets } = numgen(f.rules.get(webChain)!.at(-1)!);
    expect(mod).toBe(4);
    expect(targets.map((t) => dnatOf(f, t))).toContain('10.244.2.3:8083');
  });

  it('fault masquerade-pod-traffic: pod traffic to other nodes\' pods is masqueraded', () => {
    const f = parse(compileNftablesProxy(proxyTestState(), 'node-1', { faults: ['masquerade-pod-traffic'] }));
    expect(f.rules.get('masquerading')![0]).toBe('ip saddr 10.244.1.0/24 ip daddr { 10.244.2.0/24 } masquerade comment "fault: masquerade-pod-traffic"');
  });
});
