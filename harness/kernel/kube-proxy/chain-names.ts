// kube-proxy's names for the chains of a Service port and of an endpoint. They are derived, not
// random: a person who has read `iptables-save` on a real node recognizes KUBE-SVC-TCOU7JCQXEZGVUNU
// as kube-dns, and the same input gives the same name here.
import { createHash } from 'node:crypto';
import type { Protocol } from '../../../cluster/types.ts';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 with the standard alphabet (Go's base32.StdEncoding), without padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

function sha256Base32(text: string): string {
  return base32(createHash('sha256').update(text).digest());
}

/**
 * kube-proxy's ServicePortName string: `namespace/name:port`, or `namespace/name` for an unnamed
 * port (pkg/proxy ServicePortName.String()).
 */
export function servicePortName(namespace: string, name: string, portName: string | undefined): string {
  return portName ? `${namespace}/${name}:${portName}` : `${namespace}/${name}`;
}

/** iptables mode: the first 16 base32 characters of sha256(servicePortName + protocol), protocol lower-case. */
export function portProtoHash(portName: string, protocol: Protocol): string {
  return sha256Base32(portName + protocol.toLowerCase()).slice(0, 16);
}

/** The chains of one Service port in iptables mode (28 characters at most, as iptables requires). */
export function iptablesServicePortChains(portName: string, protocol: Protocol): { cluster: string; local: string; external: string } {
  const hash = portProtoHash(portName, protocol);
  return { cluster: `KUBE-SVC-${hash}`, local: `KUBE-SVL-${hash}`, external: `KUBE-EXT-${hash}` };
}

/** iptables mode: KUBE-SEP- + the hash of servicePortName + protocol + "ip:port". */
export function iptablesEndpointChain(portName: string, protocol: Protocol, endpoint: string): string {
  return `KUBE-SEP-${sha256Base32(portName + protocol.toLowerCase() + endpoint).slice(0, 16)}`;
}

/**
 * nftables mode: the readable name prefixed with 8 base32 characters of its own hash
 * (`ULMVA6XW-ns1/svc1/tcp/p80`). nft identifiers allow `/`, which Kubernetes names never contain.
 */
function hashPrefixed(name: string): string {
  return `${sha256Base32(name).slice(0, 8)}-${name}`;
}

/** nftables mode: the base of the service-, local- and external- chains of one Service port. */
export function nftServicePortChainBase(namespace: string, name: string, protocol: Protocol, portName: string | undefined): string {
  return hashPrefixed(`${namespace}/${name}/${protocol.toLowerCase()}/${portName ?? ''}`);
}

/** nftables mode: the base of the endpoint- chain and affinity- set of one endpoint (`...__10.180.0.1/80`). */
export function nftEndpointChainBase(
  namespace: string,
  name: string,
  protocol: Protocol,
  portName: string | undefined,
  ip: string,
  port: number,
): string {
  return hashPrefixed(`${namespace}/${name}/${protocol.toLowerCase()}/${portName ?? ''}__${ip}/${port}`);
}
