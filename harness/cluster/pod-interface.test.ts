import { describe, it, expect } from 'vitest';
import { allIPv4Of, interfaceIPOf } from './pod-interface.ts';

describe('interfaceIPOf (iproute2 one-line output)', () => {
  it('reads the address of eth0, as `ip -4 -o addr show dev eth0` prints it', () => {
    const out = '2: eth0    inet 10.244.1.5/24 brd 10.244.1.255 scope global eth0\\       valid_lft forever preferred_lft forever\n';
    expect(interfaceIPOf(out)).toBe('10.244.1.5');
  });
  it('takes the first of several addresses', () => {
    expect(interfaceIPOf('2: eth0    inet 10.0.0.7/32 scope global eth0\\ ...\n2: eth0    inet 10.0.0.8/32 scope global secondary eth0\\ ...\n')).toBe('10.0.0.7');
  });
  it('no IPv4 address (or an error) is undefined, never a guess', () => {
    expect(interfaceIPOf('')).toBeUndefined();
    expect(interfaceIPOf('Device "eth0" does not exist.\n')).toBeUndefined();
  });
});

describe('allIPv4Of (a node\'s addresses, seen by a hostNetwork agent)', () => {
  it('lists every IPv4 address of every interface', () => {
    const out = '1: lo    inet 127.0.0.1/8 scope host lo\\ ...\n2: eth0    inet 172.18.0.3/16 brd 172.18.255.255 scope global eth0\\ ...\n5: vxlan.calico    inet 192.168.110.128/32 scope global vxlan.calico\\ ...\n';
    expect(allIPv4Of(out)).toEqual(['127.0.0.1', '172.18.0.3', '192.168.110.128']);
  });
});
