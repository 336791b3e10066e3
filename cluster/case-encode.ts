// Writes a Case back as a case file: Namespaces, Nodes, Pods, Services, NetworkPolicies (each in
// the state's order, which is the order decoding keeps) and the Expectations, one probe per line;
// a case with `before` steps writes each of them that way first, then its own state.
// Every allocated value (node, pod IP, ClusterIP, nodePort) is written out, so the file reads back
// to the same state on any machine; defaults are left out so the file stays short.
import { Document, YAMLMap, isMap, isSeq } from 'yaml';
import type { Case, CaseStep, ExpectedProbe, NetworkPolicy, Pod, Service } from './types.ts';
import { formatProbeRef } from './probe-ref.ts';

/** The image the e2e suite and netprops' cluster harness serve ports with. */
export { AGNHOST_IMAGE } from './agnhost-image.ts';
import { AGNHOST_IMAGE } from './agnhost-image.ts';

const withLabels = (m: Record<string, unknown>, labels: Record<string, string>) =>
  Object.keys(labels).length > 0 ? { ...m, labels } : m;

function podObject(p: Pod): Record<string, unknown> {
  const container: Record<string, unknown> = { name: 'agnhost', image: AGNHOST_IMAGE };
  if (p.ports.length > 0) {
    container.ports = p.ports.map((port) => ({ ...(port.name ? { name: port.name } : {}), containerPort: port.containerPort, protocol: port.protocol }));
  }
  const status: Record<string, unknown> = { podIP: p.ip };
  if (!p.ready) status.conditions = [{ type: 'Ready', status: 'False' }];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: withLabels({ name: p.name, namespace: p.namespace }, p.labels),
    spec: { nodeName: p.nodeName, ...(p.hostNetwork ? { hostNetwork: true } : {}), containers: [container] },
    status,
  };
}

function serviceObject(s: Service): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  if (s.type !== 'ClusterIP') spec.type = s.type;
  spec.clusterIP = s.clusterIP;
  if (s.selector && Object.keys(s.selector).length > 0) spec.selector = s.selector;
  spec.ports = s.ports.map((p) => ({
    ...(p.name ? { name: p.name } : {}),
    port: p.port,
    ...(p.targetPort !== p.port ? { targetPort: p.targetPort } : {}),
    protocol: p.protocol,
    ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
  }));
  if (s.sessionAffinity !== 'None') spec.sessionAffinity = s.sessionAffinity;
  if (s.publishNotReadyAddresses) spec.publishNotReadyAddresses = true;
  if (s.internalTrafficPolicy !== 'Cluster') spec.internalTrafficPolicy = s.internalTrafficPolicy;
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: s.name, namespace: s.namespace }, spec };
}

function policyObject(p: NetworkPolicy): Record<string, unknown> {
  const spec: Record<string, unknown> = { podSelector: p.podSelector };
  if (p.policyTypes) spec.policyTypes = p.policyTypes;
  if (p.ingress) spec.ingress = p.ingress;
  if (p.egress) spec.egress = p.egress;
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: p.name, namespace: p.namespace }, spec: structuredClone(spec) };
}

function probeObject(p: ExpectedProbe): Record<string, unknown> {
  return {
    from: formatProbeRef(p.from),
    to: formatProbeRef(p.to),
    port: p.port,
    protocol: p.protocol,
    expect: p.expect,
    ...(p.payloadBytes !== undefined ? { payloadBytes: p.payloadBytes } : {}),
    ...(p.sourcePort !== undefined ? { sourcePort: p.sourcePort } : {}),
  };
}

/** The Kubernetes objects of a state (no Expectations), in the order encodeCase writes them. */
export function caseObjects(c: Pick<Case, 'state'>): Record<string, unknown>[] {
  const { state } = c;
  return [
    ...state.namespaces.map((ns) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: withLabels({ name: ns.name }, ns.labels) })),
    ...state.nodes.map((n) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: n.name },
      spec: { podCIDR: n.podCIDR },
      status: { addresses: [{ type: 'InternalIP', address: n.internalIP }] },
    })),
    ...state.pods.map(podObject),
    ...state.services.map(serviceObject),
    ...state.policies.map(policyObject),
  ];
}

/** Small mappings (metadata, selectors, ports, probes) and lists of scalars on one line, as people write them. */
function flowSmallMaps(node: unknown): void {
  if (isMap(node)) {
    const scalarsOnly = node.items.every((pair) => !isMap(pair.value) && !isSeq(pair.value));
    if (scalarsOnly && node.items.length > 0 && node.items.length <= 7) node.flow = true;
    for (const pair of node.items) flowSmallMaps(pair.value);
  } else if (isSeq(node)) {
    if (node.items.length > 0 && node.items.every((item) => !isMap(item) && !isSeq(item))) node.flow = true;
    for (const item of node.items) flowSmallMaps(item);
  }
}

function encodeStep(step: CaseStep): string {
  const objects: unknown[] = [...caseObjects(step), { apiVersion: 'netprops.dev/v1alpha1', kind: 'Expectations', probes: step.probes.map(probeObject) }];
  return objects
    .map((o) => {
      const doc = new Document(o);
      if (doc.contents instanceof YAMLMap) for (const pair of doc.contents.items) flowSmallMaps(pair.value);
      return doc.toString({ lineWidth: 0 });
    })
    .join('---\n');
}

/** One step: the usual case file. Several: each `before` step, then the case's own, each headed `# step N of M`. */
export function encodeCase(c: Case): string {
  const steps: CaseStep[] = [...(c.before ?? []), { state: c.state, probes: c.probes }];
  if (steps.length === 1) return encodeStep(steps[0]!);
  return steps.map((step, i) => `# step ${i + 1} of ${steps.length}\n${encodeStep(step)}`).join('---\n');
}
