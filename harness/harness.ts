// The one interface every target implements (reference model, kernel data plane, live cluster).
// All I/O lives behind it; a property never knows which harness produced an observation.
import type { ClusterState, Observation, Probe, ProbeSource } from '../cluster/types.ts';
import type { Clock, DenialOutcome } from './enforcement.ts';

/** What a harness can do; a property lists what it needs and is skipped (with the reason) elsewhere. */
export type Capability =
  | 'pods'
  | 'nodes'
  | 'services'
  | 'nodeport'
  | 'policies'
  | 'hostNetwork'
  | 'readiness'
  /** Pods with a deletionTimestamp (still running, shutting down): their endpoints are serving and terminating. */
  | 'terminating'
  /** NodePort Services with externalTrafficPolicy Local. */
  | 'externalTrafficPolicy'
  | 'udp'
  | 'sctp'
  /** Reads the address a pod has on its own interface, from inside the pod. */
  | 'interface-ips'
  /** apply() may be called again on a live harness and converges to the new state. */
  | 'reapply'
  /** Cluster DNS: resolveService() answers what a pod's resolver gets for a Service name. */
  | 'dns';

export interface AppliedState {
  /** The state as the target realized it: pod IPs as its IPAM/CNI assigned them, ClusterIPs as allocated. */
  state: ClusterState;
  /** podKey -> the IPv4 address the pod has on its own interface, read from inside the pod. */
  interfaceIPs: Record<string, string>;
  /**
   * Present when the target chose its own addresses (a live cluster): how a probe written against the
   * case's addresses (`ip:` targets, nodePorts) reads against `state`. execute() applies it
   * (readdressProbe, harness/cluster/readdress.ts) before probing and predicting.
   */
  readdress?: Readdress;
}

/** Case address -> realized address, by kind; `PROTOCOL/nodePort` of the case -> the realized nodePort. */
export interface Readdress {
  podIPs: Record<string, string>;
  nodeIPs: Record<string, string>;
  clusterIPs: Record<string, string>;
  nodePorts: Record<string, number>;
}

/**
 * How to wait for a target that applies changes asynchronously (a live cluster: its CNI agent and
 * kube-proxy watch the API). execute() re-probes every probe that disagrees with the reference
 * model until it agrees or the deadline passes, keeping every attempt (harness/enforcement.ts).
 */
export interface Settling {
  deadlineMs: number;
  retryIntervalMs: number;
  /** How this target shows a denial (its CNI profile); a denial shown otherwise is a profile violation. */
  deniedAs: readonly DenialOutcome[];
  /** Named in the detail of a profile violation. */
  profile: string;
  /** Probes in flight at once. */
  concurrency: number;
  clock?: Clock;
}

/** What a Service lookup got: its addresses, and when there are none, why (in the resolver's words). */
export interface ServiceAnswer {
  ips: string[];
  /** Set only when `ips` is empty: `NXDOMAIN`, `NOERROR` (no A record), `dig exited 9: ...` (no answer at all). */
  unanswered?: string;
}

export interface Harness {
  readonly target: string;
  readonly capabilities: ReadonlySet<Capability>;
  /** Make the target look like `state`. May be called again for the next state (see 'reapply'). */
  apply(state: ClusterState): Promise<AppliedState>;
  /** Run each probe once (concurrently where the target can); one observation per probe, same order. */
  /**
   * Each probe once, observations in probe order. `observed(i)`, where given, is called as soon as
   * probe i's observation is known (a harness that runs probes in batches calls it per batch), so a
   * settling round times each probe by its own completion.
   */
  probe(probes: Probe[], observed?: (index: number) => void): Promise<Observation[]>;
  /** Present for a target that converges asynchronously: execute() waits for it as this says. */
  readonly settling?: Settling;
  /**
   * With 'dns': the IPv4 addresses a pod's resolver gets for `<name>.<namespace>.svc` (the Service's
   * ClusterIP; a headless Service's ready endpoints), sorted; none when the name does not resolve,
   * with why.
   */
  resolveService?(from: ProbeSource, service: { namespace: string; name: string }): Promise<ServiceAnswer>;
  /**
   * True for a harness that only plans (`--dry-run`): nothing is applied or observed, so no
   * property may pass on it, not even one judged from the applied state alone.
   */
  readonly dryRun?: boolean;
  /**
   * True for the conformant reference model itself (the model target without a fault): a property
   * that compares a target with the model would only compare the model with itself here.
   */
  readonly referenceModel?: boolean;
  /** Remove everything this harness created. Safe to call twice, and after a failed apply. */
  teardown(): Promise<void>;
}

export interface HarnessOptions {
  /** A named fault of this target (see `netprops faults`). */
  fault?: string;
  /** Identifies everything a run creates; generated when absent. */
  runId?: string;
  /** Target-specific settings from the CLI (cni-bin-dir, proxy-mode, kubeconfig, ...). */
  settings?: Record<string, unknown>;
}
