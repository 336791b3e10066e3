// discovery.k8s.io/v1 EndpointSlice, as kube-proxy reads one: the Service it belongs to (label
// kubernetes.io/service-name; a slice without it belongs to none and kube-proxy ignores it), its
// ports, and per endpoint the first address and the conditions with the API's nil meanings
// (EndpointConditions: ready nil = true; serving nil = ready; terminating nil = false).
// Only IPv4 slices carry addresses an IPv4 probe can reach; IPv6 and FQDN slices are kept out.
import type { EndpointSlice, EndpointSliceEndpoint, Protocol } from '../types.ts';
import { PROTOCOLS } from '../types.ts';
import type { DocumentField } from '../document-field.ts';
import { dns1123SubdomainProblem } from '../name-validation.ts';
import { ipv4AddressProblem } from '../address-validation.ts';
import { decodeMetadata } from './metadata.ts';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** The slice, or undefined when kube-proxy would not use it (no Service label, not IPv4). */
export function decodeEndpointSlice(doc: DocumentField): EndpointSlice | undefined {
  const { name, namespace, labels, doc: named } = decodeMetadata(doc, 'EndpointSlice', dns1123SubdomainProblem, true);
  const addressType = named.get('addressType');
  if (!addressType.present) addressType.fail('is required');
  const type = addressType.oneOf(['IPv4', 'IPv6', 'FQDN'] as const);
  const serviceName = labels[SERVICE_NAME_LABEL];
  if (type !== 'IPv4' || serviceName === undefined) return undefined;
  const ports = named.get('ports').items().map((item) => {
    const port: EndpointSlice['ports'][number] = { protocol: (item.optional('protocol')?.oneOf(PROTOCOLS) ?? 'TCP') as Protocol };
    const portName = item.optional('name')?.string();
    if (portName) port.name = portName;
    const number = item.optional('port');
    if (number) port.port = number.int(1, 65535);
    return port;
  });
  const endpoints = named.get('endpoints').items().map((item): EndpointSliceEndpoint => {
    const addresses = item.get('addresses').items();
    if (addresses.length === 0) item.get('addresses').fail('an endpoint needs at least one address');
    const conditions = item.get('conditions');
    const ready = conditions.optional('ready')?.bool() ?? true;
    const endpoint: EndpointSliceEndpoint = {
      address: addresses[0]!.check(ipv4AddressProblem),
      ready,
      serving: conditions.optional('serving')?.bool() ?? ready,
      terminating: conditions.optional('terminating')?.bool() ?? false,
    };
    const nodeName = item.optional('nodeName');
    if (nodeName) endpoint.nodeName = nodeName.check(dns1123SubdomainProblem);
    return endpoint;
  });
  return { namespace, name, serviceName, ports, endpoints };
}
