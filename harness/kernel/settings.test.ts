import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cluster/errors.ts';
import { kernelSettings } from './settings.ts';
import { kernelFault } from './faults.ts';

describe('kernel settings', () => {
  it('defaults to bridge plugins from Debian, kube-proxy iptables mode and host-gw routing', () => {
    expect(kernelSettings()).toMatchObject({ cniBinDirs: ['/usr/lib/cni', '/opt/cni/bin'], proxyMode: 'iptables', overlay: 'host-gw', probeTimeoutMs: 1000 });
  });

  it('takes the CLI flags in kebab or camel case', () => {
    expect(kernelSettings({ proxyMode: 'nftables', overlay: 'vxlan', cniBinDir: '/a:/b' })).toMatchObject({ proxyMode: 'nftables', overlay: 'vxlan', cniBinDirs: ['/a', '/b'] });
    expect(kernelSettings({ 'proxy-mode': 'nftables', 'probe-timeout': '250ms' })).toMatchObject({ proxyMode: 'nftables', probeTimeoutMs: 250 });
  });

  it('rejects a wrong value in one line naming the option', () => {
    expect(() => kernelSettings({ proxyMode: 'ipvs' })).toThrow(UsageError);
    expect(() => kernelSettings({ proxyMode: 'ipvs' })).toThrow(/--proxy-mode ipvs: use one of iptables, nftables/);
    expect(() => kernelSettings({ overlay: 'geneve' })).toThrow(/--overlay/);
    expect(() => kernelSettings({ 'probe-timeout': '-1' })).toThrow(/--probe-timeout/);
  });

  it('knows the kernel faults by name and rejects others', () => {
    expect(kernelFault('hairpin-off')).toBe('hairpin-off');
    expect(kernelFault(undefined)).toBeUndefined();
    expect(() => kernelFault('ignore-except')).toThrow(UsageError);
  });
});
