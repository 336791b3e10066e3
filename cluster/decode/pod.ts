// v1 Pod: what the network model needs of it. Its containers' ports are flattened: containers of
// a pod share one network namespace, so a port/protocol can be served once per pod, and a port
// name names one port in the whole pod (core/v1 validation). A pod is ready unless
// status.conditions has Ready="False" (or "Unknown", which endpoints treat alike).
import type { ContainerPort, Protocol } from '../types.ts';
import { PROTOCOLS } from '../types.ts';
import type { DocumentField } from '../document-field.ts';
import type { RawPod } from '../allocate.ts';
import { dns1123LabelProblem, dns1123SubdomainProblem, ianaSvcNameProblem } from '../name-validation.ts';
import { ipv4AddressProblem } from '../address-validation.ts';
import { decodeMetadata } from './metadata.ts';

export function decodePod(doc: DocumentField): RawPod {
  const { name, namespace, labels, doc: named } = decodeMetadata(doc, 'Pod', dns1123SubdomainProblem, true);
  const spec = named.get('spec');
  if (!spec.present) spec.fail('is required (a Pod needs spec.containers)');
  const hostNetwork = spec.optional('hostNetwork')?.bool() ?? false;
  const containers = spec.get('containers').items();
  if (containers.length === 0) spec.get('containers').fail('a Pod needs at least one container');
  // Native sidecars (init containers with restartPolicy Always) run beside the containers for the
  // pod's whole life, so their ports are served and resolve named targetPorts (KEP-753; the
  // endpointslice controller's FindPort looks in them too). Other init containers have exited.
  const sidecars = spec.get('initContainers').items().filter((c) => c.optional('restartPolicy')?.string() === 'Always');

  const ports: ContainerPort[] = [];
  const byName = new Map<string, string>();
  const byPort = new Map<string, string>();
  for (const container of [...containers, ...sidecars]) {
    container.optional('name')?.check(dns1123LabelProblem);
    for (const item of container.get('ports').items()) {
      item.onlyKeys(['name', 'containerPort', 'protocol', 'hostPort', 'hostIP']);
      const containerPort = item.get('containerPort').int(1, 65535);
      const protocol: Protocol = item.optional('protocol')?.oneOf(PROTOCOLS) ?? 'TCP';
      const hostPort = item.optional('hostPort');
      // core/v1: with hostNetwork, hostPort must equal containerPort; hostPort mappings otherwise are not modelled.
      if (hostPort && (!hostNetwork || hostPort.int(1, 65535) !== containerPort)) {
        hostPort.fail(hostNetwork ? 'must equal containerPort for a hostNetwork pod' : 'hostPort mappings are not supported; use hostNetwork or a NodePort Service');
      }
      if (item.optional('hostIP')) item.get('hostIP').fail('hostIP is not supported');
      const port: ContainerPort = { containerPort, protocol };
      const portName = item.optional('name');
      if (portName) {
        port.name = portName.check(ianaSvcNameProblem);
        const other = byName.get(port.name);
        if (other) portName.fail(`duplicate port name '${port.name}' (also ${other}): a name must name one port of the pod`);
        byName.set(port.name, item.path);
      }
      const key = `${containerPort}/${protocol}`;
      const other = byPort.get(key);
      if (other) item.fail(`${key} is already declared at ${other}: the containers of a pod share one network namespace`);
      byPort.set(key, item.path);
      ports.push(port);
    }
  }

  const pod: RawPod = { namespace, name, labels, hostNetwork, ports, ready: true };
  // metadata.deletionTimestamp: the pod is being deleted but runs until its grace period ends.
  if (named.get('metadata').optional('deletionTimestamp')) pod.terminating = true;
  const nodeName = spec.optional('nodeName');
  if (nodeName) pod.nodeName = nodeName.check(dns1123SubdomainProblem);

  const status = named.get('status');
  const phase = status.optional('phase');
  if (phase) pod.phase = phase.oneOf(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const);
  // status.hostIP: the node's InternalIP, which a dump without Node objects tells only this way.
  const hostIP = status.optional('hostIP');
  if (hostIP) pod.hostIP = hostIP.check(ipv4AddressProblem);
  const podIP = status.optional('podIP');
  if (podIP) pod.ip = podIP.check(ipv4AddressProblem);
  const podIPs = status.optional('podIPs')?.items() ?? [];
  if (podIPs.length > 1) status.get('podIPs').fail('only one (IPv4) pod IP is supported');
  if (podIPs[0]) {
    const ip = podIPs[0].get('ip').check(ipv4AddressProblem);
    if (pod.ip !== undefined && ip !== pod.ip) podIPs[0].get('ip').fail(`must equal status.podIP '${pod.ip}'`);
    pod.ip = ip;
  }
  let readySeen = false;
  for (const condition of status.get('conditions').items()) {
    const type = condition.get('type').requiredString();
    const value = condition.get('status').oneOf(['True', 'False', 'Unknown'] as const);
    // Endpoints take pods whose (first) Ready condition is True (podutil.IsPodReady), so Unknown counts
    // as not ready; a case file that writes no Ready condition means a ready pod.
    if (type === 'Ready' && !readySeen) {
      readySeen = true;
      pod.ready = value === 'True';
    }
  }
  return pod;
}
