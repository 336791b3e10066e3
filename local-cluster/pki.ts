// The cluster's certificates, made as kubeadm makes them: one CA; the API server's serving
// certificate for every name and address a client dials (the kubernetes Service's ClusterIP and
// DNS names, the control-plane node, loopback); a client certificate per component whose subject
// is the identity RBAC knows it by (Kubernetes authenticates x509 clients by CN = user and
// O = groups); and the key pair that signs and verifies service account tokens. ECDSA P-256 keys,
// PKCS#8 PEM, as Go's crypto/tls loads them. Pure: returns file contents by name.
import 'reflect-metadata'; // @peculiar/x509's dependency injection (tsyringe) needs it loaded first
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { CLUSTER_DOMAIN, KUBERNETES_SERVICE_IP, type ClusterLayout } from './layout.ts';

x509.cryptoProvider.set(webcrypto as Crypto);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const VALID_DAYS = 365;

export interface ClientIdentity {
  /** File stem under pki/: `<stem>.crt`, `<stem>.key`. */
  stem: string;
  user: string;
  groups: string[];
}

/** Every client certificate of a cluster: who talks to the API server, and as whom. */
export function clientIdentities(layout: ClusterLayout): ClientIdentity[] {
  return [
    { stem: 'admin', user: 'kubernetes-admin', groups: ['system:masters'] },
    { stem: 'apiserver-kubelet-client', user: 'kube-apiserver-kubelet-client', groups: ['system:masters'] },
    { stem: 'controller-manager', user: 'system:kube-controller-manager', groups: [] },
    { stem: 'scheduler', user: 'system:kube-scheduler', groups: [] },
    { stem: 'kube-proxy', user: 'system:kube-proxy', groups: [] },
    { stem: 'flannel', user: 'netprops:flannel', groups: [] },
    { stem: 'kube-router', user: 'netprops:kube-router', groups: [] },
    ...layout.nodes.map((n) => ({ stem: `kubelet-${n.name}`, user: `system:node:${n.name}`, groups: ['system:nodes'] })),
  ];
}

/** The names and addresses the API server's certificate must carry. */
export function apiServerNames(layout: ClusterLayout): { dns: string[]; ips: string[] } {
  return {
    dns: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${CLUSTER_DOMAIN}`, 'localhost', layout.controlPlane.name],
    ips: [KUBERNETES_SERVICE_IP, layout.controlPlane.ip, '127.0.0.1'],
  };
}

async function pemKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

async function pemPublicKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('spki', key as webcrypto.CryptoKey));
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PUBLIC KEY-----\n`;
}

function newKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

/** A distinguished name with characters that are special in RFC 4514 escaped. */
function dn(cn: string, groups: string[]): string {
  const esc = (v: string) => v.replace(/([,+"\\<>;=#])/g, '\\$1');
  return [`CN=${esc(cn)}`, ...groups.map((g) => `O=${esc(g)}`)].join(', ');
}

/** All PEM files of the cluster's PKI, by file name under pki/. */
export async function makePki(layout: ClusterLayout, now = new Date()): Promise<Record<string, string>> {
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + VALID_DAYS * 86_400_000);
  let serial = 1;
  const nextSerial = () => (serial++).toString(16).padStart(2, '0');

  const caKeys = await newKeys();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: dn(`netprops-local-cluster-${layout.id}`, []),
    notBefore,
    notAfter,
    signingAlgorithm: ALGORITHM,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const files: Record<string, string> = { 'ca.crt': ca.toString('pem'), 'ca.key': await pemKey(caKeys.privateKey) };

  const issue = async (stem: string, subject: string, usage: 'server' | 'client', names?: { dns: string[]; ips: string[] }) => {
    const keys = await newKeys();
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ];
    if (names) {
      extensions.push(new x509.SubjectAlternativeNameExtension([...names.dns.map((value) => ({ type: 'dns' as const, value })), ...names.ips.map((value) => ({ type: 'ip' as const, value }))]));
    }
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: nextSerial(),
      subject,
      issuer: ca.subject,
      notBefore,
      notAfter,
      signingAlgorithm: ALGORITHM,
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      extensions,
    });
    files[`${stem}.crt`] = cert.toString('pem');
    files[`${stem}.key`] = await pemKey(keys.privateKey);
  };

  await issue('apiserver', dn('kube-apiserver', []), 'server', apiServerNames(layout));
  await issue('etcd-server', dn('etcd', []), 'server', { dns: ['localhost'], ips: ['127.0.0.1'] });
  await issue('etcd-client', dn('kube-apiserver-etcd-client', []), 'client');
  for (const id of clientIdentities(layout)) await issue(id.stem, dn(id.user, id.groups), 'client');

  const sa = await newKeys();
  files['sa.key'] = await pemKey(sa.privateKey);
  files['sa.pub'] = await pemPublicKey(sa.publicKey);
  return files;
}
