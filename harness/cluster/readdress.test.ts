import { describe, it, expect } from 'vitest';
import type { Probe } from '../../cluster/types.ts';
import { readdressProbe } from './readdress.ts';

const readdress = {
  podIPs: { '10.244.1.5': '10.244.2.17' },
  nodeIPs: { '192.168.0.1': '172.18.0.3' },
  clusterIPs: { '10.96.0.10': '10.96.143.7' },
  nodePorts: { 'TCP/30001': 31544 },
};
const probe = (ip: string, port: number | string, protocol: Probe['protocol'] = 'TCP'): Probe => ({ from: { kind: 'pod', namespace: 'x', name: 'a' }, to: { kind: 'ip', ip }, port, protocol });

describe('readdressProbe', () => {
  it('a node address and its nodePort move to the realized node and nodePort', () => {
    expect(readdressProbe(probe('192.168.0.1', 30001), readdress)).toEqual(probe('172.18.0.3', 31544));
  });
  it('a nodePort of another protocol is not remapped', () => {
    expect(readdressProbe(probe('192.168.0.1', 30001, 'UDP'), readdress)).toEqual(probe('172.18.0.3', 30001, 'UDP'));
  });
  it('pod IPs and ClusterIPs move, their ports stay (a port on a pod is not a nodePort)', () => {
    expect(readdressProbe(probe('10.244.1.5', 30001), readdress)).toEqual(probe('10.244.2.17', 30001));
    expect(readdressProbe(probe('10.96.0.10', 80), readdress)).toEqual(probe('10.96.143.7', 80));
  });
  it('pod and Service targets, unknown addresses and targets without readdressing are unchanged', () => {
    const byName: Probe = { from: { kind: 'node', name: 'n' }, to: { kind: 'service', namespace: 'x', name: 's' }, port: 80, protocol: 'TCP' };
    expect(readdressProbe(byName, readdress)).toBe(byName);
    expect(readdressProbe(probe('192.0.2.1', 80), readdress)).toEqual(probe('192.0.2.1', 80));
    const p = probe('10.244.1.5', 80);
    expect(readdressProbe(p, undefined)).toBe(p);
  });
});
