// v1 Service (ClusterIP, NodePort, LoadBalancer as its NodePort part), with the API server's defaults (type ClusterIP, targetPort = port, protocol TCP,
// sessionAffinity None, internalTrafficPolicy Cluster, publishNotReadyAddresses false) and the
// validation that matters for traffic: port names required and unique when there are several
// (core validation), one (port, protocol) per Service, named targetPorts IANA_SVC_NAMEs.
import type { Protocol, ServicePort } from '../types.ts';
import { PROTOCOLS } from '../types.ts';
import type { DocumentField } from '../document-field.ts';
import type { RawService } from '../allocate.ts';
import { dns1035LabelProblem, dns1123LabelProblem, ianaSvcNameProblem } from '../name-validation.ts';
import { ipv4AddressProblem } from '../address-validation.ts';
import { decodeLabels } from '../selector-validation.ts';
import { decodeMetadata } from './metadata.ts';

/** The label that hands a Service to another proxy: kube-proxy's informer skips Services that carry it. */
export const SERVICE_PROXY_NAME_LABEL = 'service.kubernetes.io/service-proxy-name';

export interface DecodedService {
  service: RawService;
  /** Plain notes on what of the Service is not probed (a LoadBalancer's external addresses). */
  notes: string[];
}

export function decodeService(doc: DocumentField): DecodedService {
  const { name, namespace, labels, doc: named } = decodeMetadata(doc, 'Service', dns1035LabelProblem, true);
  const spec = named.get('spec');
  if (!spec.present) spec.fail('is required');
  const notes: string[] = [];

  const typeField = spec.optional('type');
  const typeName = typeField?.oneOf(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const) ?? 'ClusterIP';
  if (typeName === 'ExternalName') typeField!.fail(`type ExternalName is a DNS alias, not proxied: it is not supported (leave it out)`);
  // A LoadBalancer Service is a NodePort Service (its ClusterIP and nodePorts work as such) that a
  // cloud controller also fronts with an external address; those addresses are not probed.
  const type: 'ClusterIP' | 'NodePort' = typeName === 'ClusterIP' ? 'ClusterIP' : 'NodePort';
  if (typeName === 'LoadBalancer') {
    if (spec.optional('allocateLoadBalancerNodePorts')?.bool() === false) {
      spec.get('allocateLoadBalancerNodePorts').fail('false (a LoadBalancer without nodePorts) is not supported: its traffic only reaches it through the load balancer, which is not probed');
    }
    notes.push(`LoadBalancer Service ${namespace}/${name} is checked as its ClusterIP and nodePorts; its load-balancer addresses are not probed`);
  }
  for (const lbOnly of ['loadBalancerIP', 'loadBalancerClass', 'loadBalancerSourceRanges', 'allocateLoadBalancerNodePorts', 'healthCheckNodePort'] as const) {
    const field = spec.optional(lbOnly);
    if (field && typeName !== 'LoadBalancer') field.fail(`may only be set for a LoadBalancer Service`);
  }
  const externalIPs = spec.optional('externalIPs')?.items() ?? [];
  if (externalIPs.length > 0) spec.get('externalIPs').fail('externalIPs are not modelled: remove them (probes cannot reach them)');

  let clusterIP: string | undefined;
  const clusterIPField = spec.optional('clusterIP');
  if (clusterIPField) {
    const value = clusterIPField.string();
    // The empty string asks the API server to allocate one, like leaving it out.
    if (value === 'None') clusterIP = 'None';
    else if (value !== '') clusterIP = clusterIPField.check(ipv4AddressProblem);
  }
  const clusterIPs = spec.optional('clusterIPs')?.items() ?? [];
  if (clusterIPs.length > 1) spec.get('clusterIPs').fail('only one (IPv4) ClusterIP is supported');
  if (clusterIPs[0]) {
    const first = clusterIPs[0].string() === 'None' ? 'None' : clusterIPs[0].check(ipv4AddressProblem);
    if (clusterIP !== undefined && first !== clusterIP) clusterIPs[0].fail(`must equal spec.clusterIP '${clusterIP}'`);
    clusterIP = first;
  }
  const families = spec.optional('ipFamilies')?.items() ?? [];
  for (const family of families) if (family.string() !== 'IPv4') family.fail('only IPv4 is supported');
  spec.optional('ipFamilyPolicy')?.oneOf(['SingleStack', 'PreferDualStack'] as const);
  const external = spec.optional('externalTrafficPolicy');
  let externalTrafficPolicy: 'Cluster' | 'Local' | undefined;
  if (external) {
    if (type !== 'NodePort') external.fail(`may only be set for a NodePort or LoadBalancer Service`);
    externalTrafficPolicy = external.oneOf(['Cluster', 'Local'] as const);
  }
  const sessionAffinityConfig = spec.optional('sessionAffinityConfig');
  const sessionAffinity = spec.optional('sessionAffinity')?.oneOf(['None', 'ClientIP'] as const) ?? 'None';
  if (sessionAffinityConfig) {
    if (sessionAffinity !== 'ClientIP') sessionAffinityConfig.fail(`may only be set when sessionAffinity is ClientIP`);
    // Validated, not modelled: a probe run is far shorter than any affinity timeout (1 s to 1 day).
    sessionAffinityConfig.onlyKeys(['clientIP']);
    const clientIP = sessionAffinityConfig.get('clientIP').onlyKeys(['timeoutSeconds']);
    clientIP.optional('timeoutSeconds')?.int(1, 86400);
  }
  const publishNotReadyAddresses = spec.optional('publishNotReadyAddresses')?.bool() ?? false;
  const internalTrafficPolicy = spec.optional('internalTrafficPolicy')?.oneOf(['Cluster', 'Local'] as const) ?? 'Cluster';

  const portItems = spec.get('ports').items();
  if (portItems.length === 0 && clusterIP !== 'None') spec.get('ports').fail('at least one port is required (only a headless Service may have none)');
  const ports: ServicePort[] = [];
  const names = new Set<string>();
  const numbers = new Set<string>();
  for (const item of portItems) {
    item.onlyKeys(['name', 'port', 'targetPort', 'protocol', 'nodePort', 'appProtocol']);
    const port = item.get('port').int(1, 65535);
    const protocol: Protocol = item.optional('protocol')?.oneOf(PROTOCOLS) ?? 'TCP';
    const servicePort: ServicePort = { port, targetPort: port, protocol };
    const nameField = item.optional('name');
    if (nameField && nameField.string() !== '') {
      servicePort.name = nameField.check(dns1123LabelProblem);
      if (names.has(servicePort.name)) nameField.fail(`duplicate port name '${servicePort.name}'`);
      names.add(servicePort.name);
    } else if (portItems.length > 1) {
      item.get('name').fail('is required when a Service has more than one port');
    }
    const target = item.optional('targetPort');
    if (target) {
      // The API server defaults a zero or empty targetPort to the port, as it does an absent one.
      if (typeof target.value === 'number') {
        if (target.value !== 0) servicePort.targetPort = target.int(1, 65535);
      } else if (target.string() !== '') {
        servicePort.targetPort = target.check(ianaSvcNameProblem);
      }
    }
    const key = `${port}/${protocol}`;
    if (numbers.has(key)) item.fail(`duplicate port ${key}: a Service exposes each port and protocol once`);
    numbers.add(key);
    const nodePort = item.optional('nodePort');
    // nodePort 0 asks for an allocated one, like leaving it out.
    if (nodePort && nodePort.value !== 0) servicePort.nodePort = nodePort.int(1, 65535);
    ports.push(servicePort);
  }

  const service: RawService = {
    namespace,
    name,
    type,
    ports,
    sessionAffinity,
    publishNotReadyAddresses,
    internalTrafficPolicy,
  };
  if (externalTrafficPolicy === 'Local') service.externalTrafficPolicy = 'Local';
  const proxyName = labels[SERVICE_PROXY_NAME_LABEL];
  if (proxyName !== undefined) service.serviceProxyName = proxyName;
  if (clusterIP !== undefined) service.clusterIP = clusterIP;
  // An empty selector is dropped on storage (omitempty), leaving a selector-less Service.
  const selector = spec.optional('selector');
  if (selector) {
    const labels = decodeLabels(selector);
    if (Object.keys(labels).length > 0) service.selector = labels;
  }
  return { service, notes };
}
