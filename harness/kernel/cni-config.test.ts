import { describe, expect, it } from 'vitest';
import { fillCniConfig } from './cni-config.ts';

const values = { podCIDR: '10.244.1.0/24', nodeName: 'node-1', mtu: '1450', runDir: '/run/netprops/abcdef' };
const ipamDir = '/run/netprops/abcdef/ipam/node-1';

describe('fillCniConfig', () => {
  it('fills placeholders, numbers included', () => {
    const text = '{"cniVersion":"1.0.0","name":"n","type":"ptp","mtu":${mtu},"ipam":{"type":"static"},"x":"${nodeName} ${unknown}"}';
    const c = fillCniConfig(text, 'f.conf', values, ipamDir);
    expect(c.mtu).toBe(1450);
    expect(c.x).toBe('node-1 ${unknown}');
  });

  it("gives a host-local IPAM without a dataDir the run's own folder, so runs never share address state", () => {
    const list = '{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"bridge","ipam":{"type":"host-local","ranges":[[{"subnet":"${podCIDR}"}]]}},{"type":"portmap"}]}';
    const c = fillCniConfig(list, 'f.conflist', values, ipamDir);
    expect((c.plugins![0].ipam as { dataDir: string }).dataDir).toBe(ipamDir);
    expect(c.plugins![1].ipam).toBeUndefined();
    const single = fillCniConfig('{"cniVersion":"1.0.0","name":"n","type":"ptp","ipam":{"type":"host-local"}}', 'f.conf', values, ipamDir);
    expect((single.ipam as { dataDir: string }).dataDir).toBe(ipamDir);
  });

  it("keeps a dataDir the configuration names, and other IPAM plugins' settings", () => {
    const c = fillCniConfig('{"cniVersion":"1.0.0","name":"n","type":"ptp","ipam":{"type":"host-local","dataDir":"${runDir}/mine"}}', 'f.conf', values, ipamDir);
    expect((c.ipam as { dataDir: string }).dataDir).toBe('/run/netprops/abcdef/mine');
    const d = fillCniConfig('{"cniVersion":"1.0.0","name":"n","type":"ptp","ipam":{"type":"dhcp"}}', 'f.conf', values, ipamDir);
    expect(d.ipam).toEqual({ type: 'dhcp' });
  });

  it('names the file for text that is not a CNI configuration', () => {
    expect(() => fillCniConfig('{', 'bad.conf', values, ipamDir)).toThrow(/--cni-conf bad.conf: not valid JSON/);
    expect(() => fillCniConfig('{"name":"n"}', 'bad.conf', values, ipamDir)).toThrow(/needs cniVersion, name, and type or plugins/);
  });
});
