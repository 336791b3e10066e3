import { describe, expect, it } from 'vitest';
import { iptablesServicePortChains } from './chain-names.ts';
import { compileIptablesProxy, probability } from './iptables.ts';
import { proxyTestState } from './proxy-test-state.ts';

interface Table {
  declared: string[];
  rules: Map<string, string[]>;
  deleted: string[];
}

/** Reads an iptables-restore input back into tables of chains and their rules, in order. */
function parse(input: string): Record<string, Table> {
  const tables: Record<string, Table> = {};
  let t: Table | undefined;
  for (const line of input.split('\n')) {
    if (line.startsWith('*')) {
      t = { declared: [], rules: new Map(), deleted: [] };
      tables[line.slice(1)] = t;
    } else if (line.startsWith(':')) t!.declared.push(line.slice(1).split(' ')[0]);
    else if (line.startsWith('-A ')) {
      const [, chain, ...rest] = line.split(' ');
      t!.rules.set(chain, [...(t!.rules.get(chain) ?? []), rest.join(' ')]);
    } else if (line.startsWith('-I ')) {
      // `-I CHAIN` without a position inserts at the head.
      const [, chain, ...rest] = line.split(' ');
      t!.rules.set(chain, [rest.join(' '), ...(t!.rules.get(chain) ?? [])]);
    } else if (line.startsWith('-X ')) t!.deleted.push(line.slice(3));
  }
  return tables;
}

const jumpTarget = (rule: string) => / -j (\S+)/.exec(` ${rule}`)?.[1];

/** The endpoints a KUBE-SVC/SVL chain can reach, with the share of new connections each gets. */
function spread(nat: Table, chain: string): { sep: string; share: number }[] {
  let rest = 1;
  const out: { sep: string; share: number }[] = [];
  for (const rule of nat.rules.get(chain) ?? []) {
    const target = jumpTarget(rule)!;
    if (!target.startsWith('KUBE-SEP-') || rule.includes('--rcheck')) continue;
    const p = /--probability (\S+)/.exec(rule);
    const share = p ? rest * Number(p[1]) : rest;
    rest -= share;
    out.push({ sep: target, share });
  }
  return out;
}

function dnatOf(nat: Table, sep: string): string | undefined {
  return nat.rules.get(sep)?.map((r) => /--to-destination (\S+)/.exec(r)?.[1]).find((d) => d !== undefined);
}

const web = iptablesServicePortChains('x/web:web', 'TCP');

describe('compileIptablesProxy', () => {
  const tables = parse(compileIptablesProxy(proxyTestState(), 'node-1'));
  const nat = tables.nat;
  const filter = tables.filter;

  it('hooks KUBE-SERVICES from PREROUTING and OUTPUT and KUBE-POSTROUTING from POSTROUTING (nat)', () => {
    expect(nat.rules.get('PREROUTING')!.map(jumpTarget)).toEqual(['KUBE-SERVICES']);
    expect(nat.rules.get('OUTPUT')!.map(jumpTarget)).toEqual(['KUBE-SERVICES']);
    expect(nat.rules.get('POSTROUTING')!.map(jumpTarget)).toEqual(['KUBE-POSTROUTING']);
    expect(filter.rules.get('FORWARD')!.map(jumpTarget)).toEqual(['KUBE-FORWARD', 'KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES']);
  });

  it("inserts its jumps from the built-in chains at their head, as kube-proxy prepends them, ahead of a plugin's rules", () => {
    const input = compileIptablesProxy(proxyTestState(), 'node-1');
    const builtIn = /^-[AI] (INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) /;
    const jumps = input.split('\n').filter((l) => builtIn.test(l));
    expect(jumps.length).toBe(8);
    expect(jumps.every((l) => l.startsWith('-I '))).toBe(true);
  });

  it('declares every chain it writes to, so iptables-restore --noflush flushes and refills them', () => {
    for (const [name, t] of Object.entries(tables)) {
      for (const chain of t.rules.keys()) {
        if (['PREROUTING', 'OUTPUT', 'POSTROUTING', 'INPUT', 'FORWARD'].includes(chain)) continue;
        expect(t.declared, `${name} ${chain}`).toContain(chain);
      }
    }
  });

  it('sends a ClusterIP:port to its KUBE-SVC chain, named by the hash of "ns/name:port" + protocol', () => {
    const rule = nat.rules.get('KUBE-SERVICES')!.find((r) => r.includes('-d 10.96.0.10/32'))!;
    expect(rule).toContain('-p tcp -m tcp -d 10.96.0.10/32 --dport 80');
    expect(jumpTarget(rule)).toBe(web.cluster);
  });

  it('spreads evenly over the ready endpoints only (statistic 1/n, 1/(n-1), ..., rest)', () => {
    const shares = spread(nat, web.cluster);
    expect(shares).toHaveLength(3); // a, b, c: d is not ready, e has no port named http
    for (const s of shares) expect(s.share).toBeCloseTo(1 / 3, 8);
    expect(shares.reduce((sum, s) => sum + s.share, 0)).toBeCloseTo(1, 10);
    expect(probability(3)).toBe('0.3333333333');
  });

  it('DNATs each endpoint to its own pod IP and the targetPort resolved on that pod', () => {
    const targets = spread(nat, web.cluster).map((s) => dnatOf(nat, s.sep));
    expect(targets).toEqual(['10.244.1.2:8080', '10.244.1.3:8081', '10.244.2.2:8082']);
  });

  it('marks hairpin traffic (source = the endpoint itself) for masquerade in each KUBE-SEP chain', () => {
    for (const { sep } of spread(nat, web.cluster)) {
      const ip = dnatOf(nat, sep)!.split(':')[0];
      expect(nat.rules.get(sep)![0]).toContain(`-s ${ip}/32 -j KUBE-MARK-MASQ`);
    }
    expect(nat.rules.get('KUBE-MARK-MASQ')).toEqual(['-j MARK --or-mark 0x4000']);
    expect(nat.rules.get('KUBE-POSTROUTING')).toEqual([
      '-m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-j MARK --xor-mark 0x4000',
      '-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ]);
  });

  it('rejects a Service port without endpoints in filter KUBE-SERVICES, and its NodePort in KUBE-EXTERNAL-SERVICES', () => {
    expect(filter.rules.get('KUBE-SERVICES')).toContain(
      '-m comment --comment "x/empty has no endpoints" -p udp -m udp -d 10.96.0.11/32 --dport 81 -j REJECT',
    );
    expect(filter.rules.get('KUBE-EXTERNAL-SERVICES')).toContain(
      '-m comment --comment "x/empty has no endpoints" -m addrtype --dst-type LOCAL -p udp -m udp --dport 30001 -j REJECT',
    );
    expect(nat.rules.get('KUBE-SERVICES')!.some((r) => r.includes('10.96.0.11'))).toBe(false);
  });

  it('sends NodePorts on local addresses through KUBE-EXT (masquerade mark) to KUBE-SVC, last in KUBE-SERVICES', () => {
    const sticky = iptablesServicePortChains('x/sticky:web', 'TCP');
    expect(nat.rules.get('KUBE-NODEPORTS')!.map(jumpTarget)).toEqual([sticky.external]);
    expect(nat.rules.get('KUBE-NODEPORTS')![0]).toContain('--dport 30002');
    expect(nat.rules.get(sticky.external)!.map(jumpTarget)).toEqual(['KUBE-MARK-MASQ', sticky.cluster]);
    const services = nat.rules.get('KUBE-SERVICES')!;
    expect(services.at(-1)).toContain('-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
  });

  it('keeps a ClientIP client on its endpoint with -m recent, checked before the random spread', () => {
    const sticky = iptablesServicePortChains('x/sticky:web', 'TCP');
    const rules = nat.rules.get(sticky.cluster)!;
    const rcheck = rules.filter((r) => r.includes('--rcheck --seconds 10800 --reap'));
    expect(rcheck).toHaveLength(3);
    expect(rules.findIndex((r) => r.includes('--rcheck'))).toBeLessThan(rules.findIndex((r) => r.includes('statistic')));
    for (const r of rcheck) {
      const sep = jumpTarget(r)!;
      expect(r).toContain(`--name ${sep}`);
      expect(nat.rules.get(sep)!.some((s) => s.includes(`-m recent --name ${sep} --set`) && s.includes('DNAT'))).toBe(true);
    }
  });

  it('uses only this node\'s endpoints under internalTrafficPolicy Local (KUBE-SVL chain)', () => {
    const local = iptablesServicePortChains('x/local', 'TCP');
    const rule = nat.rules.get('KUBE-SERVICES')!.find((r) => r.includes('10.96.0.13'))!;
    expect(jumpTarget(rule)).toBe(local.local);
    expect(spread(nat, local.local).map((s) => dnatOf(nat, s.sep))).toEqual(['10.244.1.2:9000', '10.244.1.3:9000', '10.244.1.4:9000']);
    expect(nat.declared).not.toContain(local.cluster);
  });

  it('drops Local traffic on a node without a local endpoint, though other nodes have some', () => {
    const state = proxyTestState();
    state.pods = state.pods.filter((p) => p.nodeName !== 'node-1');
    const t = parse(compileIptablesProxy(state, 'node-1'));
    expect(t.filter.rules.get('KUBE-SERVICES')).toContain(
      '-m comment --comment "x/local has no local endpoints" -p tcp -m tcp -d 10.96.0.13/32 --dport 80 -j DROP',
    );
    expect(t.nat.rules.get('KUBE-SERVICES')!.some((r) => r.includes('10.96.0.13'))).toBe(false);
  });

  it('with internalTrafficPolicy Local and a NodePort, keeps ClusterIP traffic local and spreads NodePort traffic cluster-wide', () => {
    const state = proxyTestState();
    const local = state.services.find((s) => s.name === 'local')!;
    local.type = 'NodePort';
    local.ports = [{ port: 80, targetPort: 9000, protocol: 'TCP', nodePort: 30003 }];
    const t = parse(compileIptablesProxy(state, 'node-1'));
    const chains = iptablesServicePortChains('x/local', 'TCP');
    expect(jumpTarget(t.nat.rules.get('KUBE-SERVICES')!.find((r) => r.includes('10.96.0.13'))!)).toBe(chains.local);
    expect(t.nat.rules.get(chains.external)!.map(jumpTarget)).toEqual(['KUBE-MARK-MASQ', chains.cluster]);
    expect(spread(t.nat, chains.local)).toHaveLength(3);
    expect(spread(t.nat, chains.cluster).map((x) => dnatOf(t.nat, x.sep))).toEqual([
      '10.244.1.2:9000',
      '10.244.1.3:9000',
      '10.244.1.4:9000',
      '10.244.2.2:9000',
    ]);
  });

  it('programs not-ready pods of a Service that publishes not-ready addresses', () => {
    const state = proxyTestState();
    state.services.find((s) => s.name === 'web')!.publishNotReadyAddresses = true;
    const t = parse(compileIptablesProxy(state, 'node-1'));
    expect(spread(t.nat, web.cluster).map((x) => dnatOf(t.nat, x.sep))).toContain('10.244.2.3:8083');
  });

  it('rejects a Service without a selector: Kubernetes manages no endpoints for it', () => {
    const state = proxyTestState();
    delete state.services.find((s) => s.name === 'web')!.selector;
    const t = parse(compileIptablesProxy(state, 'node-1'));
    expect(t.filter.rules.get('KUBE-SERVICES')).toContain(
      '-m comment --comment "x/web:web has no endpoints" -p tcp -m tcp -d 10.96.0.10/32 --dport 80 -j REJECT',
    );
    expect(t.nat.declared).not.toContain(web.cluster);
  });

  it('writes nothing for a headless Service', () => {
    expect(compileIptablesProxy(proxyTestState(), 'node-1')).not.toContain('x/headless');
  });

  it('marks ClusterIP traffic from outside --cluster-cidr for masquerade, only when given', () => {
    expect(nat.rules.get(web.cluster)!.some((r) => r.includes('! -s'))).toBe(false);
    const t = parse(compileIptablesProxy(proxyTestState(), 'node-1', { clusterCIDR: '10.244.0.0/16' }));
    expect(t.nat.rules.get(web.cluster)![0]).toContain('-d 10.96.0.10/32 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ');
  });

  it('fault not-ready-endpoints: the not-ready pod becomes an endpoint', () => {
    const t = parse(compileIptablesProxy(proxyTestState(), 'node-1', { faults: ['not-ready-endpoints'] }));
    const targets = spread(t.nat, web.cluster).map((s) => dnatOf(t.nat, s.sep));
    expect(targets).toContain('10.244.2.3:8083');
    expect(targets).toHaveLength(4);
  });

  it('fault masquerade-pod-traffic: pod traffic to other nodes\' pods is masqueraded before the mark check', () => {
    const t = parse(compileIptablesProxy(proxyTestState(), 'node-1', { faults: ['masquerade-pod-traffic'] }));
    expect(t.nat.rules.get('KUBE-POSTROUTING')![0]).toBe(
      '-s 10.244.1.0/24 -d 10.244.2.0/24 -m comment --comment "fault: masquerade-pod-traffic" -j MASQUERADE',
    );
    expect(nat.rules.get('KUBE-POSTROUTING')!.some((r) => r.includes('fault'))).toBe(false);
  });

  it('on reload, deletes chains that are gone and does not insert the built-in jumps again', () => {
    const first = compileIptablesProxy(proxyTestState(), 'node-1');
    const state = proxyTestState();
    state.services = state.services.filter((s) => s.name !== 'sticky');
    const t = parse(compileIptablesProxy(state, 'node-1', { previous: first }));
    const sticky = iptablesServicePortChains('x/sticky:web', 'TCP');
    expect(t.nat.deleted).toContain(sticky.cluster);
    expect(t.nat.deleted).toContain(sticky.external);
    expect(t.nat.deleted).not.toContain(web.cluster);
    expect(t.nat.rules.has('PREROUTING')).toBe(false);
    expect(t.filter.rules.has('FORWARD')).toBe(false);
    // A deleted chain is declared first, so deleting it works whether or not it still exists.
    for (const chain of t.nat.deleted) expect(t.nat.declared).toContain(chain);
  });
});
