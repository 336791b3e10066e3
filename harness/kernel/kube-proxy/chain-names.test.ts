import { describe, expect, it } from 'vitest';
import {
  base32,
  iptablesEndpointChain,
  iptablesServicePortChains,
  nftEndpointChainBase,
  nftServicePortChainBase,
  portProtoHash,
  servicePortName,
} from './chain-names.ts';

describe('kube-proxy chain names', () => {
  it('encodes base32 with the RFC 4648 alphabet (test vectors of the RFC, padding dropped)', () => {
    const enc = (s: string) => base32(new TextEncoder().encode(s));
    expect(enc('')).toBe('');
    expect(enc('f')).toBe('MY');
    expect(enc('fo')).toBe('MZXQ');
    expect(enc('foo')).toBe('MZXW6');
    expect(enc('foob')).toBe('MZXW6YQ');
    expect(enc('fooba')).toBe('MZXW6YTB');
    expect(enc('foobar')).toBe('MZXW6YTBOI');
  });

  it('names a port "namespace/name:port", and an unnamed one "namespace/name"', () => {
    expect(servicePortName('kube-system', 'kube-dns', 'dns')).toBe('kube-system/kube-dns:dns');
    expect(servicePortName('default', 'web', undefined)).toBe('default/web');
  });

  it('gives the chain names every cluster has (kube-dns and kubernetes Services)', () => {
    expect(portProtoHash('kube-system/kube-dns:dns', 'UDP')).toBe('TCOU7JCQXEZGVUNU');
    expect(iptablesServicePortChains('default/kubernetes:https', 'TCP').cluster).toBe('KUBE-SVC-NPX46M4PTMTKRN6Y');
    expect(iptablesServicePortChains('kube-system/kube-dns:dns-tcp', 'TCP').cluster).toBe('KUBE-SVC-ERIFXISQEP7F7OF4');
    expect(iptablesServicePortChains('kube-system/kube-dns:metrics', 'TCP').cluster).toBe('KUBE-SVC-JD5MR3NA4I4DYORP');
  });

  it('keeps iptables names within 28 characters and distinct per endpoint', () => {
    const a = iptablesEndpointChain('ns/svc:p', 'TCP', '10.0.0.1:80');
    const b = iptablesEndpointChain('ns/svc:p', 'TCP', '10.0.0.2:80');
    expect(a).toMatch(/^KUBE-SEP-[A-Z2-7]{16}$/);
    expect(a).not.toBe(b);
    expect(iptablesServicePortChains('a'.repeat(63) + '/' + 'b'.repeat(63), 'SCTP').external.length).toBeLessThanOrEqual(28);
  });

  it('gives the nftables names of kube-proxy nftables mode (hash prefix, readable rest)', () => {
    expect(nftServicePortChainBase('ns1', 'svc1', 'TCP', 'p80')).toBe('ULMVA6XW-ns1/svc1/tcp/p80');
    expect(nftEndpointChainBase('ns1', 'svc1', 'TCP', 'p80', '10.180.0.1', 80)).toBe('5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80');
  });
});
