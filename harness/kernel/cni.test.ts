import { describe, expect, it } from 'vitest';
import { resultIPv4 } from './cni.ts';
import { macForIP } from './pods.ts';

describe('CNI results', () => {
  it("takes the IPv4 address on the container's interface from a 1.0.0 result", () => {
    expect(
      resultIPv4({
        cniVersion: '1.0.0',
        interfaces: [{ name: 'cni0' }, { name: 'veth1' }, { name: 'eth0', sandbox: '/run/netns/p' }],
        ips: [
          { address: 'fd00::5/64', interface: 2 },
          { address: '10.244.1.5/24', gateway: '10.244.1.1', interface: 2 },
        ],
      }),
    ).toBe('10.244.1.5');
  });

  it('reads 0.3/0.4 results without interface indexes, and 0.1/0.2 ip4 results', () => {
    expect(resultIPv4({ cniVersion: '0.4.0', ips: [{ version: '4', address: '10.1.0.9/16' }] })).toBe('10.1.0.9');
    expect(resultIPv4({ cniVersion: '0.2.0', ip4: { ip: '10.2.0.3/24' } })).toBe('10.2.0.3');
    expect(resultIPv4({ cniVersion: '1.0.0', ips: [] })).toBeUndefined();
  });

  it('derives one MAC per pod address, locally administered', () => {
    expect(macForIP('10.244.1.5')).toBe('0a:58:0a:f4:01:05');
    expect(macForIP('10.244.1.6')).not.toBe(macForIP('10.244.1.5'));
  });
});
