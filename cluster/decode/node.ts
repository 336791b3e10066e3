// v1 Node: a name, spec.podCIDR (the range the node's pods take IPs from) and the InternalIP in
// status.addresses. Both may be left out; cluster/allocate.ts then assigns them.
import type { DocumentField } from '../document-field.ts';
import type { RawNode } from '../allocate.ts';
import { dns1123SubdomainProblem } from '../name-validation.ts';
import { ipv4AddressProblem, ipv4CidrProblem } from '../address-validation.ts';
import { decodeMetadata } from './metadata.ts';

export function decodeNode(doc: DocumentField): RawNode {
  const { name, doc: named } = decodeMetadata(doc, 'Node', dns1123SubdomainProblem, false);
  const node: RawNode = { name };
  const spec = named.get('spec');
  const podCIDR = spec.optional('podCIDR');
  if (podCIDR) node.podCIDR = podCIDR.check(ipv4CidrProblem);
  const podCIDRs = spec.optional('podCIDRs')?.items() ?? [];
  if (podCIDRs.length > 1) spec.get('podCIDRs').fail('only one (IPv4) pod CIDR is supported');
  if (podCIDRs[0]) {
    const first = podCIDRs[0].check(ipv4CidrProblem);
    if (node.podCIDR !== undefined && first !== node.podCIDR) podCIDRs[0].fail(`must equal spec.podCIDR '${node.podCIDR}'`);
    node.podCIDR = first;
  }
  for (const address of named.get('status').get('addresses').items()) {
    if (address.get('type').requiredString() !== 'InternalIP') continue;
    const ip = address.get('address').check(ipv4AddressProblem);
    if (node.internalIP !== undefined) address.fail('only one InternalIP is supported');
    node.internalIP = ip;
  }
  return node;
}
