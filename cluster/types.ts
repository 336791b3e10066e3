// The cluster model: plain data, in Kubernetes' own words. Every part of netprops (generators,
// harnesses, properties, reports) speaks these types. A ClusterState is always complete: every pod
// has a node and an IP, every Service its ClusterIP (or None) and nodePorts; cluster/allocate.ts
// fills in what a case file leaves out, as the API server and IPAM would.

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export type Labels = Record<string, string>;

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
export const SELECTOR_OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

export interface LabelSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

/** metav1.LabelSelector: the requirements are ANDed; `{}` selects everything. */
export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface Namespace {
  name: string;
  /** Labels as written; the API server's `kubernetes.io/metadata.name` is added by namespaceLabels(). */
  labels: Labels;
}

export interface Node {
  name: string;
  podCIDR: string;
  /** status.addresses[type=InternalIP] */
  internalIP: string;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol: Protocol;
}

export interface Pod {
  namespace: string;
  name: string;
  labels: Labels;
  nodeName: string;
  hostNetwork: boolean;
  /** Every container's ports, flattened: the pod serves exactly these, each on its protocol. */
  ports: ContainerPort[];
  /** status.podIP; for a hostNetwork pod, its node's IP. */
  ip: string;
  /** False only when status.conditions has Ready="False". Gates endpoints, never direct traffic. */
  ready: boolean;
  /**
   * metadata.deletionTimestamp is set: the pod is shutting down but still running and reachable.
   * Its endpoints are not ready, only serving (when the pod is Ready) and terminating.
   */
  terminating?: boolean;
}

export interface ServicePort {
  name?: string;
  port: number;
  /** A number, or the name of a container port resolved per backend pod. */
  targetPort: number | string;
  protocol: Protocol;
  /** Present exactly when the Service is of type NodePort. */
  nodePort?: number;
}

export interface Service {
  namespace: string;
  name: string;
  type: 'ClusterIP' | 'NodePort';
  /** An IPv4 address, or 'None' for a headless Service. */
  clusterIP: string;
  /** Absent: a selector-less Service, which has no endpoints managed by Kubernetes. */
  selector?: Labels;
  ports: ServicePort[];
  sessionAffinity: 'None' | 'ClientIP';
  publishNotReadyAddresses: boolean;
  internalTrafficPolicy: 'Cluster' | 'Local';
  /** For NodePort traffic; absent means Cluster (the API default). */
  externalTrafficPolicy?: 'Cluster' | 'Local';
  /**
   * The label service.kubernetes.io/service-proxy-name: the Service is left to that proxy, and
   * kube-proxy programs nothing for it.
   */
  serviceProxyName?: string;
}

/** discovery.k8s.io/v1 EndpointSlice, as far as kube-proxy reads one (IPv4 slices only). */
export interface EndpointSlice {
  namespace: string;
  name: string;
  /** The label kubernetes.io/service-name: the Service this slice belongs to. */
  serviceName: string;
  /** Absent port: the slice's endpoints serve no port kube-proxy can program. */
  ports: { name?: string; port?: number; protocol: Protocol }[];
  endpoints: EndpointSliceEndpoint[];
}

export interface EndpointSliceEndpoint {
  /** The first address (kube-proxy uses only the first). */
  address: string;
  /** conditions, with the API's nil meanings resolved: ready nil = true, serving nil = ready, terminating nil = false. */
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
}

export type PolicyType = 'Ingress' | 'Egress';

export interface IPBlock {
  cidr: string;
  except?: string[];
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyPort {
  /** Absent means TCP (API defaulting); kept absent so a written case reads as it was. */
  protocol?: Protocol;
  /** A number, or a container port name resolved on the destination pod; absent = every port. */
  port?: number | string;
  endPort?: number;
}

export interface NetworkPolicyIngressRule {
  /** Absent or empty: every source. */
  from?: NetworkPolicyPeer[];
  /** Absent or empty: every port. */
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicy {
  namespace: string;
  name: string;
  podSelector: LabelSelector;
  /** As written; absent means defaulted (see harness/model/policy-types.ts). */
  policyTypes?: PolicyType[];
  ingress?: NetworkPolicyIngressRule[];
  egress?: NetworkPolicyEgressRule[];
}

export interface ClusterState {
  namespaces: Namespace[];
  nodes: Node[];
  pods: Pod[];
  services: Service[];
  policies: NetworkPolicy[];
  /**
   * EndpointSlices written in the case: the endpoints of Services without a selector (for a
   * Service with one, the EndpointSlice controller's are derived from the pods instead).
   */
  endpointSlices?: EndpointSlice[];
}

// ---- Probes: one connection attempt each ----

export type ProbeSource = { kind: 'pod'; namespace: string; name: string } | { kind: 'node'; name: string };

export type ProbeTarget =
  | { kind: 'pod'; namespace: string; name: string }
  | { kind: 'service'; namespace: string; name: string }
  | { kind: 'ip'; ip: string };

export interface Probe {
  from: ProbeSource;
  to: ProbeTarget;
  /** A number, a named container port of the target pod, or a Service port name. */
  port: number | string;
  protocol: Protocol;
  /** Bytes the client sends in one write/datagram (default: a few); large payloads test the path MTU. */
  payloadBytes?: number;
  /** The client's source port; fixed to make two probes one conntrack flow (stale UDP entries). */
  sourcePort?: number;
}

export type Expectation = 'allow' | 'deny';

export interface ExpectedProbe extends Probe {
  expect: Expectation;
  /** For a Service probe: the pods (`namespace/name`) that may answer it; any other answers is a mismatch. */
  backends?: string[];
}

/** One step of a case: a complete cluster state and the probes to check against it. */
export interface CaseStep {
  state: ClusterState;
  probes: ExpectedProbe[];
}

/** A case file: a cluster state and the probes to check against it. */
export interface Case {
  state: ClusterState;
  probes: ExpectedProbe[];
  /**
   * Steps applied and probed, in order, on the same target before the case's own state. They
   * recreate what a target remembers between states (e.g. a conntrack entry from an earlier flow).
   */
  before?: CaseStep[];
}

// ---- What a harness observes for one probe ----

export type Outcome =
  /** A connection was made and answered. */
  | 'delivered'
  /** Actively refused (TCP RST, ICMP port unreachable, kube-proxy's no-endpoints REJECT). */
  | 'refused'
  /** No answer before the probe's deadline. */
  | 'timeout'
  /** No route, no such address, no such Service port: nothing to connect to. */
  | 'unreachable'
  /** This target cannot make this probe at all (for example SCTP on a kernel without it). */
  | 'unsupported';

export interface Observation {
  outcome: Outcome;
  /** Human-readable why, for anything but a plain delivery. */
  detail?: string;
  /** Who answered, and on which port it received the connection. */
  backend?: { namespace: string; name: string; port: number };
  /** The source address the receiving pod saw. */
  sourceSeen?: string;
  /** The address the client saw the reply come from. */
  replyFrom?: string;
}

/** The model's judgement of a probe; 'undefined' where upstream leaves the outcome to the implementation. */
export type Verdict = 'allow' | 'deny' | 'undefined';

export const podKey = (p: { namespace: string; name: string }): string => `${p.namespace}/${p.name}`;
