import { describe, it, expect } from 'vitest';
import type { ClusterState, Probe } from '../../cluster/types.ts';
import { exampleState } from '../example-run-report.ts';
import { connectOutput, connectPlan } from './connect-plan.ts';

function state(): ClusterState {
  const s = exampleState();
  s.services.push(
    {
      namespace: 'x', name: 'np', type: 'NodePort', clusterIP: '10.96.0.11', selector: { app: 'web' },
      ports: [{ port: 81, targetPort: 80, protocol: 'TCP', nodePort: 30080 }, { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP', nodePort: 30053 }],
      sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster',
    },
    {
      namespace: 'x', name: 'headless', type: 'ClusterIP', clusterIP: 'None', selector: { app: 'web' },
      ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }],
      sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster',
    },
  );
  return s;
}

const fromLocal = { kind: 'pod', namespace: 'x', name: 'local' } as const;
const plan = (probe: Probe) => {
  const r = connectPlan(state(), probe, { 'node-1': 'prober-node-1' }, 'probers');
  if (!r.ok) throw new Error(r.reason);
  return r.plan;
};

describe('connectPlan: one probe as agnhost connect in a real cluster', () => {
  it('runs in the source pod, or in the prober of the source node', () => {
    expect(plan({ from: fromLocal, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 80, protocol: 'TCP' }).exec).toEqual({ namespace: 'x', name: 'local' });
    expect(plan({ from: { kind: 'node', name: 'node-1' }, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 80, protocol: 'TCP' }).exec).toEqual({ namespace: 'probers', name: 'prober-node-1' });
    const r = connectPlan(state(), { from: { kind: 'node', name: 'node-2' }, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 80, protocol: 'TCP' }, {}, undefined);
    expect(r).toEqual({ ok: false, reason: 'no prober pod for node node-2' });
  });

  it("resolves a named probe port on the target pod's container port of that name AND protocol", () => {
    const p = plan({ from: fromLocal, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 'dns', protocol: 'UDP' });
    expect(p).toMatchObject({ protocol: 'udp', host: { kind: 'pod-ip', namespace: 'x', name: 'web' }, port: { kind: 'literal', value: '53' } });
    const wrongProtocol = connectPlan(state(), { from: fromLocal, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 'dns', protocol: 'TCP' }, {});
    expect(wrongProtocol).toEqual({ ok: false, reason: 'pod x/web declares no TCP port named dns' });
  });

  it("reaches a Service at the cluster's ClusterIP on the Service port (a name is the Service port's name)", () => {
    const p = plan({ from: fromLocal, to: { kind: 'service', namespace: 'x', name: 'web' }, port: 'http', protocol: 'TCP' });
    expect(p.host).toEqual({ kind: 'cluster-ip', namespace: 'x', name: 'web' });
    expect(p.port).toEqual({ kind: 'literal', value: '8080' });
    // a number that is no port of the Service is kept: "no such Service port" is what such a probe tests
    expect(plan({ from: fromLocal, to: { kind: 'service', namespace: 'x', name: 'web' }, port: 81, protocol: 'TCP' }).port).toEqual({ kind: 'literal', value: '81' });
  });

  it('reaches a headless Service (no ClusterIP) through its DNS name', () => {
    const p = plan({ from: fromLocal, to: { kind: 'service', namespace: 'x', name: 'headless' }, port: 80, protocol: 'TCP' });
    expect(p.host).toEqual({ kind: 'literal', value: 'headless.x.svc.cluster.local' });
  });

  it("maps an ip: target the case gave a pod, node or ClusterIP to the cluster's own address", () => {
    const to = (ip: string, port = 80, protocol: Probe['protocol'] = 'TCP') => plan({ from: fromLocal, to: { kind: 'ip', ip }, port, protocol });
    expect(to('10.244.1.2').host).toEqual({ kind: 'pod-ip', namespace: 'x', name: 'web' });
    expect(to('10.96.0.10', 8080).host).toEqual({ kind: 'cluster-ip', namespace: 'x', name: 'web' });
    expect(to('172.18.0.2').host).toEqual({ kind: 'node-ip', node: 'node-1', namespace: 'probers', prober: 'prober-node-1' });
    // a node's address is found through the prober placed on it; without one the probe cannot be made
    const noProber = connectPlan(state(), { from: fromLocal, to: { kind: 'ip', ip: '172.18.0.3' }, port: 80, protocol: 'TCP' }, {}, undefined);
    expect(noProber).toEqual({ ok: false, reason: 'no prober pod on node node-2 to find its address by' });
    expect(to('192.0.2.1').host).toEqual({ kind: 'literal', value: '192.0.2.1' });
    expect(to('192.0.2.1').notes[0]).toContain('used as written');
  });

  it("maps a nodePort on a node's address to the cluster's allocation, by Service, port index and protocol", () => {
    const tcp = plan({ from: fromLocal, to: { kind: 'ip', ip: '172.18.0.2' }, port: 30080, protocol: 'TCP' });
    expect(tcp.port).toEqual({ kind: 'node-port', namespace: 'x', name: 'np', index: 0 });
    const udp = plan({ from: fromLocal, to: { kind: 'ip', ip: '172.18.0.2' }, port: 30053, protocol: 'UDP' });
    expect(udp.port).toEqual({ kind: 'node-port', namespace: 'x', name: 'np', index: 1 });
    // the same number on the wrong protocol is not that nodePort
    expect(plan({ from: fromLocal, to: { kind: 'ip', ip: '172.18.0.2' }, port: 30053, protocol: 'TCP' }).port).toEqual({ kind: 'literal', value: '30053' });
  });

  it('sends a UDP payload of the probe size that netexec answers (an echo command) and says what it cannot do', () => {
    const udp = plan({ from: fromLocal, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 53, protocol: 'UDP', payloadBytes: 1400, sourcePort: 4000 });
    // netexec answers only known commands: the padding rides in an echo, 1400 bytes with connect's newline
    expect(udp.flags).toEqual([`--udp-data=echo ${'x'.repeat(1394)}`]);
    expect(udp.notes.join('\n')).toContain('cannot fix the source port');
    const tcp = plan({ from: fromLocal, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 80, protocol: 'TCP', payloadBytes: 32768 });
    expect(tcp.flags).toEqual([]);
    expect(tcp.notes[0]).toContain('32768-byte payload is not sent');
  });

  it("names each outcome as agnhost connect reports it (exit 0, or TIMEOUT/REFUSED/OTHER on stderr)", () => {
    expect(connectOutput('delivered')).toContain('exits 0');
    expect(connectOutput('timeout')).toContain('TIMEOUT');
    expect(connectOutput('refused')).toContain('REFUSED');
    expect(connectOutput('unreachable')).toContain('OTHER');
  });

  it('checks the source address only where netexec /clientip can tell it: TCP, pod sender (not hostNetwork), pod receiver served by netexec', () => {
    const web = { kind: 'pod', namespace: 'x', name: 'web' } as const;
    expect(plan({ from: fromLocal, to: web, port: 80, protocol: 'TCP' }).checkSource).toBe(true);
    expect(plan({ from: fromLocal, to: { kind: 'ip', ip: '10.244.1.2' }, port: 80, protocol: 'TCP' }).checkSource).toBe(true);
    expect(plan({ from: fromLocal, to: web, port: 53, protocol: 'UDP' }).checkSource).toBe(false);
    expect(plan({ from: fromLocal, to: { kind: 'service', namespace: 'x', name: 'web' }, port: 8080, protocol: 'TCP' }).checkSource).toBe(false);
    expect(plan({ from: { kind: 'node', name: 'node-1' }, to: web, port: 80, protocol: 'TCP' }).checkSource).toBe(false);
    // a pod with two TCP ports runs one netexec per port (harness/cluster/agnhost-server.ts), so
    // /clientip tells on each; a port the pod does not declare has no netexec behind it
    const s = state();
    s.pods[0].ports.push({ containerPort: 8443, protocol: 'TCP' });
    const second = connectPlan(s, { from: fromLocal, to: web, port: 8443, protocol: 'TCP' }, {});
    expect(second.ok && second.plan.checkSource).toBe(true);
    const undeclared = connectPlan(s, { from: fromLocal, to: web, port: 9999, protocol: 'TCP' }, {});
    expect(undeclared.ok && undeclared.plan.checkSource).toBe(false);
    // a hostNetwork sender leaves with one of its node's addresses, which one is the node's routing
    const hn = state();
    hn.pods[1].hostNetwork = true;
    const fromHostNetwork = connectPlan(hn, { from: fromLocal, to: web, port: 80, protocol: 'TCP' }, {});
    expect(fromHostNetwork.ok && fromHostNetwork.plan.checkSource).toBe(false);
  });
});
