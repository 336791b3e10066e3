// networking.k8s.io/v1 NetworkPolicy, all of it, kept as written (absent and empty lists differ:
// `from: []` and no `from` both mean every source, but `egress: []` and no `egress` differ for the
// policyTypes default). Validation as ValidateNetworkPolicySpec: a peer names at least one of
// podSelector/namespaceSelector/ipBlock and ipBlock stands alone; except CIDRs are strict subsets
// of cidr; endPort needs a numeric port and is >= it.
import ipaddr from 'ipaddr.js';
import type {
  IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort, PolicyType,
} from '../types.ts';
import { PROTOCOLS } from '../types.ts';
import type { DocumentField } from '../document-field.ts';
import { dns1123SubdomainProblem, ianaSvcNameProblem } from '../name-validation.ts';
import { ipv4CidrProblem } from '../address-validation.ts';
import { decodeLabelSelector } from '../selector-validation.ts';
import { decodeMetadata } from './metadata.ts';

export function decodeNetworkPolicy(doc: DocumentField): NetworkPolicy {
  const { name, namespace, doc: named } = decodeMetadata(doc, 'NetworkPolicy', dns1123SubdomainProblem, true);
  const spec = named.get('spec');
  if (!spec.present) spec.fail('is required');
  spec.onlyKeys(['podSelector', 'policyTypes', 'ingress', 'egress']);
  // An absent podSelector decodes to the empty selector: every pod of the namespace.
  const policy: NetworkPolicy = { namespace, name, podSelector: decodeLabelSelector(spec.get('podSelector')) };

  const typesField = spec.optional('policyTypes');
  if (typesField) {
    const items = typesField.items();
    if (items.length > 2) typesField.fail('may hold at most Ingress and Egress');
    const types = items.map((t) => t.oneOf(['Ingress', 'Egress'] as const) as PolicyType);
    // An empty list is defaulted like an absent one (networking/v1 defaults), so keep it absent.
    if (types.length > 0) policy.policyTypes = types;
  }
  const ingress = spec.optional('ingress');
  if (ingress) {
    policy.ingress = ingress.items().map((rule): NetworkPolicyIngressRule => {
      rule.onlyKeys(['from', 'ports']);
      const out: NetworkPolicyIngressRule = {};
      const from = rule.optional('from');
      if (from) out.from = from.items().map(decodePeer);
      const ports = rule.optional('ports');
      if (ports) out.ports = ports.items().map(decodePolicyPort);
      return out;
    });
  }
  const egress = spec.optional('egress');
  if (egress) {
    policy.egress = egress.items().map((rule): NetworkPolicyEgressRule => {
      rule.onlyKeys(['to', 'ports']);
      const out: NetworkPolicyEgressRule = {};
      const to = rule.optional('to');
      if (to) out.to = to.items().map(decodePeer);
      const ports = rule.optional('ports');
      if (ports) out.ports = ports.items().map(decodePolicyPort);
      return out;
    });
  }
  return policy;
}

function decodePeer(field: DocumentField): NetworkPolicyPeer {
  field.onlyKeys(['podSelector', 'namespaceSelector', 'ipBlock']);
  const peer: NetworkPolicyPeer = {};
  const podSelector = field.optional('podSelector');
  if (podSelector) peer.podSelector = decodeLabelSelector(podSelector);
  const namespaceSelector = field.optional('namespaceSelector');
  if (namespaceSelector) peer.namespaceSelector = decodeLabelSelector(namespaceSelector);
  const ipBlock = field.optional('ipBlock');
  if (ipBlock) {
    if (podSelector || namespaceSelector) ipBlock.fail('may not be combined with podSelector or namespaceSelector in one peer');
    peer.ipBlock = decodeIPBlock(ipBlock);
  }
  if (!podSelector && !namespaceSelector && !ipBlock) {
    field.fail('must specify a peer: podSelector, namespaceSelector or ipBlock');
  }
  return peer;
}

function decodeIPBlock(field: DocumentField): IPBlock {
  field.onlyKeys(['cidr', 'except']);
  const cidrField = field.get('cidr');
  if (!cidrField.present) cidrField.fail('is required');
  const cidr = cidrField.check(ipv4CidrProblem);
  const block: IPBlock = { cidr };
  const except = field.optional('except');
  if (except) {
    const [net, bits] = ipaddr.IPv4.parseCIDR(cidr);
    block.except = except.items().map((item) => {
      const value = item.check(ipv4CidrProblem);
      const [exceptNet, exceptBits] = ipaddr.IPv4.parseCIDR(value);
      if (!exceptNet.match(net, bits) || exceptBits <= bits) item.fail(`'${value}' must be a strict subset of cidr '${cidr}'`);
      return value;
    });
  }
  return block;
}

function decodePolicyPort(field: DocumentField): NetworkPolicyPort {
  field.onlyKeys(['protocol', 'port', 'endPort']);
  const port: NetworkPolicyPort = {};
  const protocol = field.optional('protocol');
  if (protocol) port.protocol = protocol.oneOf(PROTOCOLS);
  const portField = field.optional('port');
  if (portField) port.port = typeof portField.value === 'number' ? portField.int(1, 65535) : portField.check(ianaSvcNameProblem);
  const endPort = field.optional('endPort');
  if (endPort) {
    if (port.port === undefined) endPort.fail('may not be specified when port is not specified');
    if (typeof port.port === 'string') endPort.fail('may not be specified when port is a named port');
    const end = endPort.int(1, 65535);
    if (end < (port.port as number)) endPort.fail(`must be equal to or greater than port ${port.port}`);
    port.endPort = end;
  }
  return port;
}
