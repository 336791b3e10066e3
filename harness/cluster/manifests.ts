// A ClusterState as kubectl-apply-able objects: Namespaces, agnhost Pods serving each declared port,
// Services and NetworkPolicies, without status (the cluster fills that in). Used by the cluster
// harness (with a run id: renamed, marked namespaces) and by repro writers (without one: the case's
// own names). Built on kubernetes-models' types, so TypeScript rejects a field the API lacks, and
// checked at run time against the OpenAPI schema by schema.ts.
import type { IIoK8sApimachineryPkgApisMetaV1LabelSelector as K8sLabelSelector } from '@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { IService } from 'kubernetes-models/v1/Service';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import type { INetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort';
import type { ClusterState, LabelSelector, Labels, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Pod, Service } from '../../cluster/types.ts';
import { agnhostContainers, CONTAINER_NAME } from './agnhost-server.ts';
import { AGNHOST_IMAGE } from '../../cluster/agnhost-image.ts';
import { MANAGED_BY, MANAGED_BY_LABEL, RUN_LABEL, runNamespaceName } from './run-names.ts';

export { AGNHOST_IMAGE, CONTAINER_NAME };
/** The API server's own label on every Namespace; policies select namespaces by name through it. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/** Pod label used only for placement (pod (anti-)affinity) when real node names are not known. */
export const PLACEMENT_LABEL = 'netprops.dev/node';
/** While this file exists in a pod's container, its readiness probe fails: readiness toggles by exec. */
export const NOT_READY_FILE = '/tmp/netprops-not-ready';
/** Pod Security Admission's enforce level label (pod-security.kubernetes.io). */
export const POD_SECURITY_LABEL = 'pod-security.kubernetes.io/enforce';

export interface ManifestOptions {
  /** The agnhost image (default AGNHOST_IMAGE). */
  image?: string;
  /** Rename namespaces to `<ns>-<runId>` and label them as the run's. */
  runId?: string;
  /**
   * Case node name -> real node name. When given, pods are pinned with spec.nodeName; otherwise
   * same-node and different-node placement is kept with required pod (anti-)affinity.
   */
  nodeNames?: Record<string, string>;
  /** false: the nodes have no SCTP sockets, so SCTP ports are declared but not served. */
  sctp?: boolean;
  /** Extra Namespace annotations (the harness records its owner for gc). */
  namespaceAnnotations?: Record<string, string>;
}

export type Manifest = INamespace | IPod | IService | INetworkPolicy;

export function clusterManifests(state: ClusterState, options: ManifestOptions = {}): Manifest[] {
  return [
    ...state.namespaces.map((ns) => namespaceManifest(ns.name, ns.labels, options)),
    ...state.pods.map((pod) => podManifest(pod, options)),
    ...state.services.map((svc) => serviceManifest(svc, options)),
    ...state.policies.map((pol) => networkPolicyManifest(pol, options)),
  ];
}

export function namespaceManifest(name: string, labels: Labels, options: ManifestOptions = {}): INamespace {
  // A run's namespaces allow what its pods need (hostNetwork) under Pod Security Admission.
  const marks: Labels = options.runId ? { [RUN_LABEL]: options.runId, [MANAGED_BY_LABEL]: MANAGED_BY, [POD_SECURITY_LABEL]: 'privileged' } : {};
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: runNamespaceName(name, options.runId),
      // The API server sets kubernetes.io/metadata.name itself; a case cannot override it.
      labels: { ...withoutKey(labels, NAMESPACE_NAME_LABEL), ...marks },
      ...(options.namespaceAnnotations ? { annotations: { ...options.namespaceAnnotations } } : {}),
    },
  };
}

/**
 * The readiness probe and the container command. A pod that starts not ready creates the file
 * before it starts serving; the harness toggles readiness later by exec (touch / rm), since a
 * running pod's spec cannot change.
 */
export function podManifest(pod: Pod, options: ManifestOptions = {}): IPod {
  type Container = NonNullable<IPod['spec']>['containers'][number];
  const containers: Container[] = agnhostContainers(pod, { sctp: options.sctp }).map((server, i) => {
    const agnhostArgs = ['/agnhost', ...server.args];
    // The first container carries the readiness probe the harness toggles; the others are ready
    // when they run, so the pod is Ready exactly when the first one is.
    const first = i === 0;
    return {
      name: server.name,
      image: options.image ?? AGNHOST_IMAGE,
      ...(pod.ready || !first
        ? { args: server.args }
        : { command: ['/bin/sh', '-c', `touch ${NOT_READY_FILE} && exec ${agnhostArgs.join(' ')}`] }),
      ...(server.env.length ? { env: server.env } : {}),
      ports: pod.ports
        .filter((p) => server.serves.includes(`${p.protocol}/${p.containerPort}`))
        .map((p) => ({
          ...(p.name ? { name: p.name } : {}),
          containerPort: p.containerPort,
          protocol: p.protocol,
          // The API requires hostPort = containerPort for hostNetwork pods and defaults it; write it.
          ...(pod.hostNetwork ? { hostPort: p.containerPort } : {}),
        })),
      ...(first
        ? {
            readinessProbe: {
              exec: { command: ['/bin/sh', '-c', `test ! -e ${NOT_READY_FILE}`] },
              periodSeconds: 1,
              failureThreshold: 1,
              successThreshold: 1,
            },
          }
        : {}),
    };
  });
  const realNode = options.nodeNames?.[pod.nodeName];
  const labels: Labels = { ...pod.labels };
  if (!realNode) labels[PLACEMENT_LABEL] = pod.nodeName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: pod.name, namespace: runNamespaceName(pod.namespace, options.runId), labels },
    spec: {
      containers,
      // Probes must not linger on teardown, and agnhost exits at once on SIGTERM. Not 0: a delete
      // with no grace period of its own takes the pod's, and 0 makes it a force delete (the API
      // forgets the pod before the kubelet has stopped it).
      terminationGracePeriodSeconds: 1,
      // A hostNetwork pod resolves through the node's DNS unless it asks for the cluster's.
      ...(pod.hostNetwork ? { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } : {}),
      // spec.nodeName skips the scheduler; the toleration keeps a pinned pod on a tainted node.
      ...(realNode ? { nodeName: realNode, tolerations: [{ operator: 'Exists' }] } : { affinity: placementAffinity(pod.nodeName, options.runId) }),
    },
  };
}

/**
 * Same case node -> same real node, different case node -> different real node, with no node names
 * known: required podAffinity to the pods of its own case node and podAntiAffinity to the others,
 * across all namespaces of the run. (The scheduler lets the first pod of a group in although its
 * affinity term matches only itself.)
 */
function placementAffinity(node: string, runId?: string): NonNullable<IPod['spec']>['affinity'] {
  const namespaceSelector: K8sLabelSelector = runId ? { matchLabels: { [RUN_LABEL]: runId } } : {};
  const term = (operator: 'In' | 'NotIn') => ({
    topologyKey: 'kubernetes.io/hostname',
    namespaceSelector,
    labelSelector: {
      matchExpressions: [
        { key: PLACEMENT_LABEL, operator: 'Exists' },
        { key: PLACEMENT_LABEL, operator, values: [node] },
      ],
    },
  });
  return {
    podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('In')] },
    podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('NotIn')] },
  };
}

/** ClusterIP and nodePort are left to the cluster's allocator; the harness reads them back. */
export function serviceManifest(svc: Service, options: ManifestOptions = {}): IService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: svc.name, namespace: runNamespaceName(svc.namespace, options.runId) },
    spec: {
      type: svc.type,
      ...(svc.clusterIP === 'None' ? { clusterIP: 'None' } : {}),
      ...(svc.selector ? { selector: { ...svc.selector } } : {}),
      ports: svc.ports.map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        port: p.port,
        targetPort: p.targetPort,
        protocol: p.protocol,
      })),
      sessionAffinity: svc.sessionAffinity,
      publishNotReadyAddresses: svc.publishNotReadyAddresses,
      internalTrafficPolicy: svc.internalTrafficPolicy,
      // Only a NodePort (or LoadBalancer) Service may carry it (API validation); Cluster is the default.
      ...(svc.type === 'NodePort' && svc.externalTrafficPolicy === 'Local' ? { externalTrafficPolicy: 'Local' } : {}),
    },
  };
}

export function networkPolicyManifest(pol: NetworkPolicy, options: ManifestOptions = {}): INetworkPolicy {
  const peers = (list: NetworkPolicyPeer[] | undefined) => list?.map((peer) => policyPeer(peer, options.runId));
  const ports = (list: NetworkPolicyPort[] | undefined) => list?.map(policyPort);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: pol.name, namespace: runNamespaceName(pol.namespace, options.runId) },
    spec: {
      podSelector: labelSelector(pol.podSelector),
      // Absent stays absent: the API server's defaulting is part of what is tested.
      ...(pol.policyTypes ? { policyTypes: [...pol.policyTypes] } : {}),
      ...(pol.ingress ? { ingress: pol.ingress.map((r) => dropUndefined({ from: peers(r.from), ports: ports(r.ports) })) } : {}),
      ...(pol.egress ? { egress: pol.egress.map((r) => dropUndefined({ to: peers(r.to), ports: ports(r.ports) })) } : {}),
    },
  };
}

function policyPeer(peer: NetworkPolicyPeer, runId?: string): INetworkPolicyPeer {
  return dropUndefined({
    podSelector: peer.podSelector && labelSelector(peer.podSelector),
    namespaceSelector: peer.namespaceSelector && labelSelector(peer.namespaceSelector, runId),
    ipBlock: peer.ipBlock && dropUndefined({ cidr: peer.ipBlock.cidr, except: peer.ipBlock.except && [...peer.ipBlock.except] }),
  });
}

function policyPort(port: NetworkPolicyPort): INetworkPolicyPort {
  return dropUndefined({ protocol: port.protocol, port: port.port, endPort: port.endPort });
}

/**
 * A selector as written; in a namespaceSelector, every value of kubernetes.io/metadata.name is
 * renamed like the namespaces themselves, so "the namespace named x" keeps meaning the run's x.
 */
function labelSelector(sel: LabelSelector, renameNamespacesFor?: string): K8sLabelSelector {
  const rename = (key: string, value: string) =>
    renameNamespacesFor && key === NAMESPACE_NAME_LABEL ? runNamespaceName(value, renameNamespacesFor) : value;
  const out: K8sLabelSelector = {};
  if (sel.matchLabels) {
    out.matchLabels = Object.fromEntries(Object.entries(sel.matchLabels).map(([k, v]) => [k, rename(k, v)]));
  }
  if (sel.matchExpressions) {
    out.matchExpressions = sel.matchExpressions.map((req) =>
      dropUndefined({ key: req.key, operator: req.operator, values: req.values?.map((v) => rename(req.key, v)) }),
    );
  }
  return out;
}

function withoutKey(labels: Labels, key: string): Labels {
  const { [key]: _dropped, ...rest } = labels;
  return rest;
}

/** YAML and the API both keep `undefined` out; a written field must be a real value. */
function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
