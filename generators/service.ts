// Services. A ServiceDraft takes its namespace from a pod (by index) and, most often, its selector
// from that pod's labels, so it selects something; sometimes from the label pool (it may then
// select nothing) and rarely none at all (a selector-less Service has no managed endpoints).
// placeServices() completes them: names, ClusterIPs, nodePorts, port names.
import fc from 'fast-check';
import type { Labels, Namespace, Pod, Protocol, Service, ServicePort } from '../cluster/types.ts';
import { labels, POD_LABEL_POOL } from './labels.ts';
import { CONTAINER_PORT_NAMES, CONTAINER_PORT_NUMBERS } from './pod.ts';
import { protocol, type ProtocolOptions } from './protocol.ts';

export const SERVICE_PORT_NUMBERS: readonly number[] = [80, 443, 8080];
export const SERVICE_PORT_NAMES: readonly string[] = ['web', 'api', 'alt'];
/** ClusterIPs come from 10.96.0.0/16 (cluster/allocate.ts SERVICE_CIDR), from .10 up as allocate() hands them out. */
export const FIRST_CLUSTER_IP = 10;
/** The default NodePort range is 30000-32767. */
export const FIRST_NODE_PORT = 30000;

export interface ServiceOptions extends ProtocolOptions {
  nodePort?: boolean;
  /** Allow externalTrafficPolicy Local on NodePort Services (default false). */
  externalTrafficPolicy?: boolean;
  maxPorts?: number;
}

export type ServiceSelectorDraft =
  /** The keys (of POD_LABEL_POOL) to copy from the pod's labels; none that it has means its first label. */
  | { fromPod: string[] }
  | { labels: Labels }
  | { none: true };

export interface ServicePortDraft {
  name?: string;
  port: number;
  /**
   * Absent: the same as port (API defaulting). `podPort`: the i-th container port of the Service's
   * pod, by name when it has one and byName, else by number, with that port's protocol; so the
   * Service reaches a port its pod serves.
   */
  targetPort?: number | string | { podPort: number; byName: boolean };
  protocol: Protocol;
}

export interface ServiceDraft {
  pod: number;
  selector: ServiceSelectorDraft;
  ports: ServicePortDraft[];
  kind: 'ClusterIP' | 'NodePort' | 'headless';
  sessionAffinity: 'None' | 'ClientIP';
  publishNotReadyAddresses: boolean;
  internalTrafficPolicy: 'Cluster' | 'Local';
  /** Used by NodePort Services only. */
  externalTrafficPolicy?: 'Cluster' | 'Local';
}

export function servicePortDraft(options: ServiceOptions = {}): fc.Arbitrary<ServicePortDraft> {
  return fc
    .record({
      name: fc.option(fc.constantFrom(...SERVICE_PORT_NAMES), { nil: undefined }),
      port: fc.constantFrom(...SERVICE_PORT_NUMBERS),
      targetPort: fc.oneof(
        { withCrossShrink: true },
        { arbitrary: fc.record({ podPort: fc.nat({ max: 7 }), byName: fc.boolean() }, { noNullPrototype: true }), weight: 6 },
        { arbitrary: fc.constantFrom(...CONTAINER_PORT_NUMBERS), weight: 1 },
        { arbitrary: fc.constantFrom(...CONTAINER_PORT_NAMES), weight: 1 },
        { arbitrary: fc.constant(undefined), weight: 1 },
      ),
      protocol: protocol(options),
    })
    .map(({ name, port, targetPort, protocol }) => {
      const draft: ServicePortDraft = { port, protocol };
      if (name !== undefined) draft.name = name;
      if (targetPort !== undefined) draft.targetPort = targetPort;
      return draft;
    });
}

export function serviceDraft(options: ServiceOptions = {}): fc.Arbitrary<ServiceDraft> {
  const kinds: ServiceDraft['kind'][] = options.nodePort === false ? ['ClusterIP', 'headless'] : ['ClusterIP', 'NodePort', 'headless'];
  return fc.record({
    pod: fc.nat({ max: 15 }),
    selector: fc.oneof(
      { withCrossShrink: true },
      { arbitrary: fc.record({ fromPod: fc.subarray(Object.keys(POD_LABEL_POOL), { maxLength: 2 }) }, { noNullPrototype: true }), weight: 10 },
      { arbitrary: fc.record({ labels: labels(POD_LABEL_POOL, { minLength: 1, maxLength: 2 }) }, { noNullPrototype: true }), weight: 2 },
      { arbitrary: fc.constant({ none: true as const }), weight: 1 },
    ),
    // Service ports must differ in (port, protocol) (API validation: duplicate port).
    ports: fc.uniqueArray(servicePortDraft(options), {
      selector: (p) => `${p.port}/${p.protocol}`,
      minLength: 1,
      maxLength: options.maxPorts ?? 2,
    }),
    kind: fc.oneof({ withCrossShrink: true }, ...kinds.map((kind) => ({ arbitrary: fc.constant(kind), weight: kind === 'ClusterIP' ? 6 : kind === 'NodePort' ? 3 : 1 }))),
    sessionAffinity: fc.constantFrom<'None' | 'ClientIP'>('None', 'ClientIP'),
    publishNotReadyAddresses: fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
    internalTrafficPolicy: fc.oneof(
      { withCrossShrink: true },
      { arbitrary: fc.constant<'Cluster' | 'Local'>('Cluster'), weight: 4 },
      { arbitrary: fc.constant<'Cluster' | 'Local'>('Local'), weight: 1 },
    ),
    externalTrafficPolicy: options.externalTrafficPolicy
      ? fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant<'Cluster' | 'Local'>('Cluster'), weight: 2 }, { arbitrary: fc.constant<'Cluster' | 'Local'>('Local'), weight: 1 })
      : fc.constant<'Cluster' | 'Local'>('Cluster'),
  }, { noNullPrototype: true });
}

/** The i-th Service of a namespace (0-based); Service names are DNS-1035 labels. */
export function serviceName(index: number): string {
  return `svc-${index < 26 ? String.fromCharCode(97 + index) : index}`;
}

function resolveSelector(draft: ServiceSelectorDraft, pod: Pod | undefined): Labels | undefined {
  if ('none' in draft) return undefined;
  if ('labels' in draft) return draft.labels;
  const own = pod?.labels ?? {};
  const picked = Object.fromEntries(Object.entries(own).filter(([key]) => draft.fromPod.includes(key)));
  if (Object.keys(picked).length > 0) return picked;
  const [first] = Object.entries(own);
  if (first) return { [first[0]]: first[1] };
  // A Service selector of `{}` is dropped on the way to the API server (omitempty) and then means
  // "no selector"; write a real selector instead, the pool's first pair.
  const [key, values] = Object.entries(POD_LABEL_POOL)[0];
  return { [key]: values[0] };
}

/**
 * Complete Services from drafts. The namespace is the indexed pod's; ClusterIPs are allocated in
 * order from the service CIDR, nodePorts in order from the NodePort range. A Service with more than
 * one port names every port (API validation), so missing or repeated names are filled from the pool.
 */
export function placeServices(drafts: ServiceDraft[], pods: Pod[], namespaces: Namespace[]): Service[] {
  const perNamespace = new Map<string, number>();
  let clusterIPs = 0;
  let nodePorts = 0;
  return drafts.map((d) => {
    const pod = pods.length > 0 ? pods[d.pod % pods.length] : undefined;
    const namespace = pod?.namespace ?? namespaces[0].name;
    const index = perNamespace.get(namespace) ?? 0;
    perNamespace.set(namespace, index + 1);
    const headless = d.kind === 'headless';
    const type = d.kind === 'NodePort' ? 'NodePort' : 'ClusterIP';
    // A podPort targetPort takes its protocol from the pod's port; a port that then repeats an
    // earlier (port, protocol) is dropped (API validation: duplicate port), keeping at least one.
    const resolved = d.ports.map((p) => resolvePort(p, pod));
    const kept = resolved.filter((p, i) => resolved.findIndex((q) => q.port === p.port && q.protocol === p.protocol) === i);
    const used = new Set<string>();
    const named = kept.length > 1;
    const ports = kept.map((p): ServicePort => {
      let name = p.name !== undefined && !used.has(p.name) ? p.name : undefined;
      if (name === undefined && named) name = [...SERVICE_PORT_NAMES, ...kept.map((_, i) => `port-${i}`)].find((n) => !used.has(n));
      if (name !== undefined) used.add(name);
      const port: ServicePort = { ...(name !== undefined ? { name } : {}), port: p.port, targetPort: p.targetPort, protocol: p.protocol };
      if (type === 'NodePort') port.nodePort = FIRST_NODE_PORT + nodePorts++;
      return port;
    });
    const service: Service = {
      namespace,
      name: serviceName(index),
      type,
      clusterIP: headless ? 'None' : clusterIP(clusterIPs++),
      ports,
      // ClientIP affinity is implemented by kube-proxy on the ClusterIP; a headless Service has none.
      sessionAffinity: headless ? 'None' : d.sessionAffinity,
      publishNotReadyAddresses: d.publishNotReadyAddresses,
      internalTrafficPolicy: d.internalTrafficPolicy,
    };
    if (type === 'NodePort' && d.externalTrafficPolicy === 'Local') service.externalTrafficPolicy = 'Local';
    const selector = resolveSelector(d.selector, pod);
    if (selector !== undefined) service.selector = selector;
    return service;
  });
}

function resolvePort(p: ServicePortDraft, pod: Pod | undefined): { name?: string; port: number; targetPort: number | string; protocol: Protocol } {
  const base = { ...(p.name !== undefined ? { name: p.name } : {}), port: p.port };
  if (p.targetPort === undefined) return { ...base, targetPort: p.port, protocol: p.protocol };
  if (typeof p.targetPort !== 'object') return { ...base, targetPort: p.targetPort, protocol: p.protocol };
  const served = pod?.ports ?? [];
  if (served.length === 0) return { ...base, targetPort: CONTAINER_PORT_NUMBERS[0], protocol: p.protocol };
  const target = served[p.targetPort.podPort % served.length];
  const targetPort = p.targetPort.byName && target.name !== undefined ? target.name : target.containerPort;
  return { ...base, targetPort, protocol: target.protocol };
}

/** The i-th allocated ClusterIP: 10.96.0.10, 10.96.0.11, ... */
export function clusterIP(index: number): string {
  const n = FIRST_CLUSTER_IP + index;
  if (n > 65_534) throw new Error(`ClusterIP index ${index} beyond the generator's range`);
  return `10.96.${Math.floor(n / 256)}.${n % 256}`;
}
