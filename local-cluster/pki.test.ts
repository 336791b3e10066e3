import { X509Certificate, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clusterLayout, DEFAULT_OPTIONS } from './layout.ts';
import { clientIdentities, makePki } from './pki.ts';

const layout = clusterLayout('/tmp/lc', 'abc123', { ...DEFAULT_OPTIONS, nodes: 2 });
const pki = await makePki(layout, new Date('2026-12-03T00:00:00Z'));

describe('local-cluster PKI', () => {
  const ca = new X509Certificate(pki['ca.crt']);

  it('the CA is a CA and signed itself', () => {
    expect(ca.ca).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
  });

  it('the API server serves every name a client dials: the kubernetes Service IP and DNS names, the control-plane node, loopback', () => {
    const cert = new X509Certificate(pki['apiserver.crt']);
    expect(cert.verify(ca.publicKey)).toBe(true);
    const san = cert.subjectAltName ?? '';
    for (const name of ['DNS:kubernetes.default.svc.cluster.local', 'DNS:kubernetes', 'IP Address:10.96.0.1', 'IP Address:172.18.0.2', 'IP Address:127.0.0.1']) {
      expect(san).toContain(name);
    }
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
    expect(cert.ca).toBe(false);
  });

  it('each client certificate names its RBAC identity: CN is the user, O the groups (x509 client authentication)', () => {
    for (const id of clientIdentities(layout)) {
      const cert = new X509Certificate(pki[`${id.stem}.crt`]);
      expect(cert.verify(ca.publicKey), id.stem).toBe(true);
      const lines = cert.subject.split('\n');
      expect(lines).toContain(`CN=${id.user}`);
      for (const g of id.groups) expect(lines).toContain(`O=${g}`);
      expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.2'); // clientAuth
    }
    expect(new X509Certificate(pki['kubelet-node-2.crt']).subject).toContain('CN=system:node:node-2');
  });

  it('every key matches its certificate, and the service account key pair signs and verifies', () => {
    for (const stem of ['apiserver', 'admin', 'kubelet-node-1', 'etcd-server']) {
      const key = createPrivateKey(pki[`${stem}.key`]);
      const sig = sign('sha256', Buffer.from('x'), key);
      expect(verify('sha256', Buffer.from('x'), new X509Certificate(pki[`${stem}.crt`]).publicKey, sig), stem).toBe(true);
    }
    const sig = sign('sha256', Buffer.from('token'), createPrivateKey(pki['sa.key']));
    expect(verify('sha256', Buffer.from('token'), createPublicKey(pki['sa.pub']), sig)).toBe(true);
  });

  it('certificates are valid from a minute before creation for a year', () => {
    const cert = new X509Certificate(pki['admin.crt']);
    expect(new Date(cert.validFrom).getTime()).toBe(new Date('2026-12-02T23:59:00Z').getTime());
    expect(new Date(cert.validTo).getTime()).toBe(new Date('2027-12-03T00:00:00Z').getTime());
  });
});
