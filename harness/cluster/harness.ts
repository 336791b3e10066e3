// The cluster harness (`--target cluster`): the suite against a live cluster through its API. A run
// creates its own namespaces (named and labelled with the run id), a pod universe that later cases
// only relabel, and applies Services and NetworkPolicies with server-side apply; probes run as
// `agnhost connect` over the exec API with bounded concurrency; the harness declares its settling (the
// CNI profile's deadline), and execute() repeats probes until they match the reference model or the
// deadline passes (harness/enforcement.ts), recording every attempt.
// Everything is removed on teardown, on error and on Ctrl-C/SIGTERM. While it runs, the run renews a
// lease on each of its namespaces (run-lease.ts), so `gcCluster` sweeps only the leftovers of runs
// that died.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { EnvironmentError, PrerequisiteError, UsageError } from '../../cluster/errors.ts';
import type { ClusterState, Node, Observation, Pod, Probe, ProbeSource } from '../../cluster/types.ts';
import { podKey } from '../../cluster/types.ts';
import type { AppliedState, Harness, HarnessOptions, Readdress, ServiceAnswer, Settling } from '../harness.ts';
import { CLUSTER_CAPABILITIES } from './capabilities.ts';
import type { Capability } from '../harness.ts';
import { clusterSettings, type ClusterSettings } from './cluster-settings.ts';
import { createApiClient, type ApiClient, type ApiObject, type ExecResult } from './api-client.ts';
import { loadCNIProfile, type CNIProfile } from './cni-profile.ts';
import { mapWithLimit } from '../concurrency-limit.ts';
import { loadKubeConfig, preflight } from './connection.ts';
import { realClock, type Clock } from '../enforcement.ts';
import { CONTAINER_NAME, NOT_READY_FILE, POD_SECURITY_LABEL, namespaceManifest, networkPolicyManifest, podManifest, serviceManifest, type ManifestOptions } from './manifests.ts';
import { podChanges, type LivePod } from './pod-universe.ts';
import { INTERFACE_COMMAND, NODE_ADDRESSES_COMMAND, allIPv4Of, interfaceIPOf } from './pod-interface.ts';
import { probeExec, probeObservation, type ProbeContext, type ProbeExec } from './probe-command.ts';
import { batchCommand, execBatches, splitBatchOutput } from './probe-batch.ts';
import { hasServiceSelector } from '../../cluster/label-selector.ts';
import { SERVICE_NAME_LABEL } from '../../cluster/decode/endpoint-slice.ts';
import { digAnswers, digCommand, dnsDeadline, expectedServiceRecords, lookupName, mayBeCachedFromBefore, unansweredBecause } from './service-dns.ts';
import { MANAGED_BY, MANAGED_BY_LABEL, RUN_LABEL, isRunId, nodeAgentNamespace, runNamespaceName } from './run-names.ts';
import { RENEW_INTERVAL_MS, leaseAnnotations } from './run-lease.ts';
import { assertSchemaValid } from './schema.ts';

/** How long the cluster's controllers get to remove a deleted Service's Endpoints and EndpointSlices. */
const ENDPOINTS_CLEANUP_TIMEOUT_MS = 60_000;

export interface ClusterHarness extends Harness {
  readonly runId: string;
}

export async function createClusterHarness(options: HarnessOptions = {}, deps: { clock?: Clock; signals?: boolean; leaseRenewIntervalMs?: number } = {}): Promise<ClusterHarness> {
  const settings = clusterSettings(options.settings);
  if (options.fault) throw new UsageError(`the cluster target has no faults (a real cluster brings its own); drop --fault ${options.fault}`);
  const runId = options.runId ?? `np-${randomBytes(3).toString('hex')}`;
  if (!isRunId(runId)) throw new UsageError(`run id '${runId}' must be a DNS label of at most 20 characters`);
  if (settings.dryRun) {
    const { createDryRunHarness } = await import('./plan.ts');
    return createDryRunHarness(runId, settings);
  }
  const profile = await loadCNIProfile(settings.cniProfile);
  const kc = loadKubeConfig(settings);
  const requestOptions = settings.requestTimeoutMs !== undefined ? { requestTimeoutMs: settings.requestTimeoutMs } : {};
  await preflight(kc, undefined, requestOptions);
  const api = createApiClient(kc, requestOptions);
  const harness = new LiveClusterHarness(api, runId, settings, profile, deps.clock ?? realClock, deps.leaseRenewIntervalMs ?? RENEW_INTERVAL_MS);
  await harness.discoverNodes();
  if (deps.signals !== false) harness.cleanupOnSignals();
  return harness;
}

class LiveClusterHarness implements ClusterHarness {
  readonly target = 'cluster';
  /** Without 'sctp' on nodes the profile says have no SCTP sockets: the generators then draw no SCTP port, Service or probe. */
  readonly capabilities: ReadonlySet<Capability>;
  private realNodes: { name: string; internalIP: string; podCIDR?: string }[] = [];
  private nodeMap = new Map<string, string>();
  private livePods = new Map<string, LivePod>();
  /** podKey -> the address on the pod's eth0, read once per created pod. */
  private interfaceIPs = new Map<string, string>();
  /** Real node name -> every IPv4 address it has (read by its agent), for nodeSourceAddress. */
  private nodeAddresses = new Map<string, Set<string>>();
  /** Pods deleted and not yet seen gone. */
  private deletedPods = new Set<string>();
  private liveServices = new Map<string, ApiObject>();
  private livePolicies = new Map<string, ApiObject>();
  private liveNamespaces = new Set<string>();
  private agentsOn = new Set<string>();
  private applied?: ClusterState;
  private changedAt = 0;
  /** The longest TTL a cluster DNS answer carried in this run: the full TTL of a fresh answer. */
  private longestDnsTtlSeconds = 0;
  private tornDown = false;
  private signalHandlers: [NodeJS.Signals, () => void][] = [];
  private readonly owner = `${hostname()}/${process.pid}`;
  /** The run's namespaces as last written, re-applied with a fresh lease by the heartbeat. */
  private namespaceObjects = new Map<string, ApiObject>();
  private heartbeat?: NodeJS.Timeout;
  private renewalFailed = false;

  constructor(
    private readonly api: ApiClient,
    readonly runId: string,
    private readonly settings: ClusterSettings,
    private readonly profile: CNIProfile,
    private readonly clock: Clock,
    private readonly leaseRenewIntervalMs: number = RENEW_INTERVAL_MS,
  ) {
    this.capabilities = profile.sctp === false ? new Set([...CLUSTER_CAPABILITIES].filter((c) => c !== 'sctp')) : CLUSTER_CAPABILITIES;
  }

  /**
   * Renews the lease on every namespace of the run, so gc never mistakes it for a dead one. A
   * renewal that fails is said once on stderr and tried again at the next beat; it never fails the run.
   */
  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => void this.renewLeases(), this.leaseRenewIntervalMs);
    this.heartbeat.unref();
  }

  private async renewLeases(): Promise<void> {
    const lease = leaseAnnotations(this.owner, new Date());
    await Promise.all(
      [...this.namespaceObjects.values()].map(async (ns) => {
        if (this.tornDown) return;
        const renewed = { ...ns, metadata: { ...ns.metadata, annotations: { ...(ns.metadata as { annotations?: Record<string, string> }).annotations, ...lease } } };
        try {
          await this.api.apply(renewed);
          this.namespaceObjects.set(ns.metadata!.name!, renewed);
        } catch (err) {
          if (this.renewalFailed) return;
          this.renewalFailed = true;
          process.stderr.write(`cluster: could not renew the lease of run ${this.runId} on namespace ${ns.metadata!.name}: ${(err as Error).message.split('\n')[0]}\n`);
        }
      }),
    );
  }

  /** Ready nodes, workers first (their names sorted), then the rest: case nodes map onto them in order. */
  async discoverNodes(): Promise<void> {
    const nodes = await this.api.list<V1Node>('v1', 'Node');
    const ready = nodes.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    const tainted = (n: V1Node) => (n.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
    const ordered = [...ready.filter((n) => !tainted(n)), ...ready.filter(tainted)];
    this.realNodes = ordered.map((n) => ({
      name: n.metadata!.name!,
      internalIP: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
      podCIDR: n.spec?.podCIDR,
    }));
    if (this.realNodes.length === 0) throw new PrerequisiteError(`the cluster at ${this.api.server} has no Ready node`);
  }

  cleanupOnSignals(): void {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const handler = () => {
        process.stderr.write(`netprops: ${signal}: deleting the namespaces of run ${this.runId}\n`);
        void this.teardown().finally(() => process.exit(code));
      };
      process.once(signal, handler);
      this.signalHandlers.push([signal, handler]);
    }
  }

  /**
   * Every object is written through here: once teardown has begun (Ctrl-C while a case is being
   * applied), nothing new may be created behind its back.
   */
  private async write(object: ApiObject): Promise<ApiObject & { spec?: unknown }> {
    if (this.tornDown) throw new Error(`run ${this.runId} is being torn down; not applying ${object.kind} ${object.metadata?.name}`);
    const written = await this.api.apply(object);
    if (object.kind === 'Namespace') {
      this.liveNamespaces.add(object.metadata!.name!);
      this.namespaceObjects.set(object.metadata!.name!, object);
      this.startHeartbeat();
    }
    return written;
  }

  /** The CNI profile's deadline and denial shapes: execute() re-probes until enforcement, keeping every attempt. */
  get settling(): Settling {
    return {
      deadlineMs: this.profile.enforcementDeadlineSeconds * 1000,
      retryIntervalMs: this.profile.retryIntervalMs,
      deniedAs: this.profile.deniedAs,
      profile: this.profile.name,
      concurrency: this.concurrency(),
      clock: this.clock,
    };
  }

  private manifestOptions(): ManifestOptions {
    return { runId: this.runId, nodeNames: Object.fromEntries(this.nodeMap), sctp: this.profile.sctp, ...(this.settings.image ? { image: this.settings.image } : {}) };
  }

  private mapNodes(state: ClusterState): void {
    const caseNodes = [...new Set([...state.nodes.map((n) => n.name), ...state.pods.map((p) => p.nodeName)])].sort();
    for (const n of caseNodes) {
      if (this.nodeMap.has(n)) continue;
      const used = new Set(this.nodeMap.values());
      const free = this.realNodes.find((r) => !used.has(r.name));
      if (!free) throw new PrerequisiteError(`the case needs ${caseNodes.length} nodes but the cluster at ${this.api.server} has ${this.realNodes.length} Ready nodes`);
      this.nodeMap.set(n, free.name);
    }
  }

  private namespaceAnnotations(): Record<string, string> {
    return leaseAnnotations(this.owner, new Date());
  }

  /** One hostNetwork pod per node, the client of probes `from: node:NAME`. */
  private async ensureNodeAgents(): Promise<void> {
    const ns = nodeAgentNamespace(this.runId);
    const wanted = [...new Set(this.nodeMap.values())].filter((n) => !this.agentsOn.has(n));
    if (wanted.length === 0) return;
    if (this.agentsOn.size === 0) {
      const nsObject = namespaceManifest(ns, {}, { namespaceAnnotations: this.namespaceAnnotations() });
      // Its name already carries the run id; label it as the run's, and allow hostNetwork under Pod Security.
      nsObject.metadata!.labels = { [RUN_LABEL]: this.runId, [MANAGED_BY_LABEL]: MANAGED_BY, [POD_SECURITY_LABEL]: 'privileged' };
      await this.write(nsObject);
    }
    for (const node of wanted) {
      const agent = podManifest(
        { namespace: ns, name: agentName(node), labels: {}, nodeName: node, hostNetwork: true, ports: [], ip: '', ready: true },
        { nodeNames: { [node]: node }, ...(this.settings.image ? { image: this.settings.image } : {}) },
      );
      assertSchemaValid([agent]);
      await this.write(agent);
      this.agentsOn.add(node);
    }
  }

  async apply(state: ClusterState): Promise<AppliedState> {
    if (this.tornDown) throw new Error('apply after teardown');
    this.mapNodes(state);
    const opts = this.manifestOptions();
    await this.ensureNodeAgents();

    const namespaces = state.namespaces.map((ns) => namespaceManifest(ns.name, ns.labels, { ...opts, namespaceAnnotations: this.namespaceAnnotations() }));
    assertSchemaValid(namespaces);
    for (const ns of namespaces) {
      await this.write(ns);
      this.liveNamespaces.add(ns.metadata!.name!);
    }

    const changes = podChanges(this.livePods, state.pods);
    for (const live of changes.remove) {
      await this.api.remove(podManifest(live.created, opts));
      this.livePods.delete(podKey(live.created));
      this.interfaceIPs.delete(podKey(live.created));
      this.deletedPods.add(podKey(live.created));
    }
    // A pod deleted by an earlier case may still be terminating: applying it now would update the
    // dying pod. Wait until it is gone.
    for (const pod of changes.create) {
      if (this.deletedPods.delete(podKey(pod))) await this.waitGone(pod);
    }
    for (const pod of changes.recreate) {
      await this.api.remove(podManifest(this.livePods.get(podKey(pod))!.created, opts));
      await this.waitGone(pod);
      this.livePods.delete(podKey(pod));
      this.interfaceIPs.delete(podKey(pod));
    }
    const toApply = [
      ...[...changes.create, ...changes.recreate].map((pod) => ({ pod, manifest: podManifest(pod, opts), created: pod })),
      ...changes.relabel.map((pod) => {
        // Same spec as created (a pod's spec is immutable), new labels: SSA drops the labels we no longer apply.
        const created = this.livePods.get(podKey(pod))!.created;
        return { pod, manifest: podManifest({ ...created, labels: pod.labels }, opts), created };
      }),
    ];
    assertSchemaValid(toApply.map((a) => a.manifest));
    await mapWithLimit(toApply, this.concurrency(), async ({ pod, manifest, created }) => {
      await this.write(manifest);
      const prev = this.livePods.get(podKey(pod));
      this.livePods.set(podKey(pod), { created, labels: pod.labels, ready: prev?.ready ?? created.ready });
    });

    // Services and policies: apply every wanted one, delete the ones no longer wanted.
    const services = state.services.map((s) => serviceManifest(s, opts));
    const policies = state.policies.map((p) => networkPolicyManifest(p, opts));
    assertSchemaValid([...services, ...policies]);
    const appliedServices = new Map<string, ApiObject>();
    await this.reconcile(this.liveServices, services, appliedServices);
    await this.reconcile(this.livePolicies, policies, new Map());
    // A namespace a case no longer has stays (emptied of its pods, Services and policies above) until
    // teardown: deleting it would leave it Terminating, and a later case could not create it again.

    // First wait for the readiness the pods have now (a toggle needs a running container)...
    const running = await this.waitForPods(state, (pod) => this.livePods.get(podKey(pod))?.ready ?? pod.ready);
    // Readiness toggles need the container running: after the wait, then wait again for the condition.
    const toggles = [...changes.setReady.map((p) => [p, true] as const), ...changes.setNotReady.map((p) => [p, false] as const)];
    if (toggles.length > 0) {
      await mapWithLimit(toggles, this.concurrency(), async ([pod, ready]) => {
        const script = ready ? `rm -f ${NOT_READY_FILE}` : `touch ${NOT_READY_FILE}`;
        const r = await this.api.exec(runNamespaceName(pod.namespace, this.runId), pod.name, CONTAINER_NAME, ['/bin/sh', '-c', script], 30_000);
        if (r.exitCode !== 0) throw new Error(`readiness toggle in ${podKey(pod)} exited ${r.exitCode}: ${r.stderr}`);
        this.livePods.get(podKey(pod))!.ready = ready;
      });
      // ...then for the readiness the case asks for (the kubelet's probe runs every second).
      for (const [k, v] of await this.waitForPods(state, (pod) => pod.ready)) running.set(k, v);
    }

    await this.readInterfaceIPs(state);
    await this.readNodeAddresses();
    this.applied = this.realized(state, running, appliedServices);
    this.changedAt = this.clock.now();
    const interfaceIPs = Object.fromEntries(state.pods.filter((p) => this.interfaceIPs.has(podKey(p))).map((p) => [podKey(p), this.interfaceIPs.get(podKey(p))!]));
    return { state: this.applied, interfaceIPs, readdress: readdressOf(state, this.applied) };
  }

  /** Each node's addresses, read once by its hostNetwork agent (all interfaces: eth0, tunnels, bridges). */
  private async readNodeAddresses(): Promise<void> {
    const unread = [...this.agentsOn].filter((n) => !this.nodeAddresses.has(n));
    await mapWithLimit(unread, this.concurrency(), async (node) => {
      const r = await this.api.exec(nodeAgentNamespace(this.runId), agentName(node), CONTAINER_NAME, NODE_ADDRESSES_COMMAND, 30_000);
      if (r.exitCode === 0) this.nodeAddresses.set(node, new Set(allIPv4Of(r.stdout)));
    });
  }

  /**
   * Traffic from a node (or a hostNetwork pod) may legitimately leave with another address of that
   * node, e.g. an overlay's tunnel address, when the CNI profile says so: then the source a pod saw
   * is reported as the node's InternalIP, with what was really seen in the detail. A pod sender is
   * never re-mapped, so SNAT of pod traffic still shows.
   */
  private nodeSource(probe: Probe, observation: Observation, state: ClusterState): Observation {
    const seen = observation.sourceSeen;
    if (!seen || this.profile.nodeSourceAddress !== 'any-node-address') return observation;
    const caseNode = probe.from.kind === 'node' ? probe.from.name : state.pods.find((p) => probe.from.kind === 'pod' && p.namespace === probe.from.namespace && p.name === probe.from.name && p.hostNetwork)?.nodeName;
    if (!caseNode) return observation;
    const internalIP = state.nodes.find((n) => n.name === caseNode)?.internalIP;
    const realNode = this.nodeMap.get(caseNode);
    if (!internalIP || seen === internalIP || !realNode || !this.nodeAddresses.get(realNode)?.has(seen)) return observation;
    const note = `source seen as ${seen}, an address of node ${caseNode} (CNI profile ${this.profile.name}: any node address)`;
    return { ...observation, sourceSeen: internalIP, detail: [observation.detail, note].filter(Boolean).join('; ') };
  }

  /** Each new (non-hostNetwork) pod's own address, read inside it; unread ones stay absent. */
  private async readInterfaceIPs(state: ClusterState): Promise<void> {
    const unread = state.pods.filter((p) => !p.hostNetwork && !this.interfaceIPs.has(podKey(p)));
    await mapWithLimit(unread, this.concurrency(), async (pod) => {
      const r = await this.api.exec(runNamespaceName(pod.namespace, this.runId), pod.name, CONTAINER_NAME, INTERFACE_COMMAND, 30_000);
      const ip = r.exitCode === 0 ? interfaceIPOf(r.stdout) : undefined;
      if (ip) this.interfaceIPs.set(podKey(pod), ip);
    });
  }

  private async reconcile(live: Map<string, ApiObject>, wanted: ApiObject[], out: Map<string, ApiObject>): Promise<void> {
    const key = (o: ApiObject) => `${o.metadata!.namespace}/${o.metadata!.name}`;
    // A Service without a selector must start with no endpoints (see serviceReplaced): one created
    // anew waits until no Endpoints or EndpointSlice of its name is left. Endpoints carry no owner
    // reference, and the endpoints controller deletes them only if it finds the Service gone when it
    // syncs, so a Service recreated at once would keep the old ones.
    const fresh: ApiObject[] = [];
    for (const o of wanted) {
      const before = live.get(key(o));
      if (before && replacedOnUpdate(before, o)) {
        await this.api.remove(before);
        live.delete(key(o));
      }
      if (!live.has(key(o)) && o.kind === 'Service' && !hasSelector(o)) fresh.push(o);
    }
    await mapWithLimit(fresh, this.concurrency(), (o) => this.waitNoEndpoints(o.metadata!.namespace!, o.metadata!.name!));
    await mapWithLimit(wanted, this.concurrency(), async (o) => {
      out.set(key(o), await this.write(o));
    });
    for (const [k, o] of live) if (!wanted.some((w) => key(w) === k)) await this.api.remove(o);
    live.clear();
    for (const o of wanted) live.set(key(o), o);
  }

  private concurrency(): number {
    return this.settings.concurrency ?? 16;
  }

  /** Until no Endpoints named `name` and no EndpointSlice labelled for it are left in `namespace`. */
  private async waitNoEndpoints(namespace: string, name: string): Promise<void> {
    const deadline = this.clock.now() + ENDPOINTS_CLEANUP_TIMEOUT_MS;
    for (;;) {
      const [endpoints, slices] = await Promise.all([
        this.api.list('v1', 'Endpoints', { namespace }),
        this.api.list('discovery.k8s.io/v1', 'EndpointSlice', { namespace, labelSelector: `${SERVICE_NAME_LABEL}=${name}` }),
      ]);
      const left = [...endpoints.filter((e) => e.metadata?.name === name).map(() => `Endpoints ${name}`), ...slices.map((e) => `EndpointSlice ${e.metadata?.name}`)];
      if (left.length === 0) return;
      if (this.clock.now() >= deadline) {
        throw new EnvironmentError('E_ENDPOINTS_LEFT', `${left.join(', ')} in namespace ${namespace} still exist ${ENDPOINTS_CLEANUP_TIMEOUT_MS / 1000} s after Service ${name} was deleted: is kube-controller-manager running?`);
      }
      await this.clock.sleep(250);
    }
  }

  private async waitGone(pod: Pod): Promise<void> {
    const ns = runNamespaceName(pod.namespace, this.runId);
    const deadline = this.clock.now() + 120_000;
    while (this.clock.now() < deadline) {
      const pods = await this.api.list<V1Pod>('v1', 'Pod', { namespace: ns });
      if (!pods.some((p) => p.metadata?.name === pod.name)) return;
      await this.clock.sleep(250);
    }
    throw new Error(`pod ${ns}/${pod.name} was not deleted within 120 s`);
  }

  /** Polls the run's pods until each runs with an IP and its Ready condition is what the case says. */
  private async waitForPods(state: ClusterState, readyOf: (pod: Pod) => boolean): Promise<Map<string, V1Pod>> {
    const timeoutMs = (this.settings.podTimeoutSeconds ?? 180) * 1000;
    const deadline = this.clock.now() + timeoutMs;
    const namespaces = [...new Set(state.pods.map((p) => runNamespaceName(p.namespace, this.runId))), nodeAgentNamespace(this.runId)];
    let interval = 100;
    for (;;) {
      const found = new Map<string, V1Pod>();
      for (const ns of namespaces) for (const p of await this.api.list<V1Pod>('v1', 'Pod', { namespace: ns })) found.set(`${ns}/${p.metadata!.name}`, p);
      const waiting: string[] = [];
      const agents = [...this.agentsOn].map((node) => ({ key: `${nodeAgentNamespace(this.runId)}/${agentName(node)}`, ready: true }));
      const wanted = [...state.pods.map((p) => ({ key: `${runNamespaceName(p.namespace, this.runId)}/${p.name}`, ready: readyOf(p) })), ...agents];
      for (const w of wanted) {
        const p = found.get(w.key);
        const readyNow = p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
        if (p?.status?.phase !== 'Running' || !p.status.podIP || readyNow !== w.ready) waiting.push(`${w.key} (${describePod(p, w.ready)})`);
      }
      if (waiting.length === 0) return found;
      if (this.clock.now() >= deadline) {
        throw new PrerequisiteError(`pods not running as the case needs after ${timeoutMs / 1000}s: ${waiting.slice(0, 3).join(', ')}${waiting.length > 3 ? ` and ${waiting.length - 3} more` : ''}`);
      }
      await this.clock.sleep(interval);
      interval = Math.min(interval * 2, 1000);
    }
  }

  /** The state as the cluster realized it: pod IPs, node addresses, ClusterIPs and nodePorts. */
  private realized(state: ClusterState, running: Map<string, V1Pod>, services: Map<string, ApiObject>): ClusterState {
    const real = (caseNode: string) => this.realNodes.find((r) => r.name === this.nodeMap.get(caseNode))!;
    const nodes: Node[] = state.nodes.map((n) => ({ ...n, internalIP: real(n.name).internalIP || n.internalIP, podCIDR: real(n.name).podCIDR ?? n.podCIDR }));
    const pods: Pod[] = state.pods.map((p) => ({ ...p, ip: running.get(`${runNamespaceName(p.namespace, this.runId)}/${p.name}`)!.status!.podIP! }));
    return {
      ...state,
      nodes,
      pods,
      services: state.services.map((s) => {
        const live = services.get(`${runNamespaceName(s.namespace, this.runId)}/${s.name}`) as { spec?: { clusterIP?: string; ports?: { port: number; protocol?: string; nodePort?: number }[] } } | undefined;
        return {
          ...s,
          clusterIP: live?.spec?.clusterIP ?? s.clusterIP,
          ports: s.ports.map((p) => {
            const lp = live?.spec?.ports?.find((x) => x.port === p.port && (x.protocol ?? 'TCP') === p.protocol);
            return s.type === 'NodePort' && lp?.nodePort ? { ...p, nodePort: lp.nodePort } : p;
          }),
        };
      }),
    };
  }

  /**
   * Each probe once: the probes one pod makes share an exec (probe-batch.ts, at most
   * MAX_PROBES_PER_EXEC each), at most --concurrency execs at a time.
   */
  async probe(probes: Probe[], observed?: (index: number) => void): Promise<Observation[]> {
    const state = this.applied;
    if (!state) throw new Error('probe before apply');
    const ctx: ProbeContext = {
      state,
      runId: this.runId,
      nodeAgents: Object.fromEntries([...this.nodeMap].map(([caseNode, realNode]) => [caseNode, { namespace: nodeAgentNamespace(this.runId), pod: agentName(realNode) }])),
      timeoutSeconds: this.profile.probeTimeoutSeconds,
      sctp: this.profile.sctp,
    };
    const observations = new Array<Observation>(probes.length);
    const execs = probes.map((probe) => probeExec(probe, ctx));
    execs.forEach((exec, i) => {
      if (!('command' in exec)) observations[i] = exec;
    });
    const batches = execBatches(execs.map((exec) => ('command' in exec ? `${exec.namespace}/${exec.pod}/${exec.container}` : undefined)));
    const timeoutMs = (this.profile.probeTimeoutSeconds * 2 + 20) * 1000;
    await mapWithLimit(batches, this.concurrency(), async (batch) => {
      const [first, ...rest] = batch.map((i) => execs[i] as ProbeExec);
      let results: ExecResult[];
      if (rest.length === 0) results = [await this.api.exec(first.namespace, first.pod, first.container, first.command, timeoutMs)];
      else {
        // The batch's shell exits non-zero only when it could not run the probes at all (its scratch
        // directory not made, the container killed under it): tried once more, then the cluster is
        // the problem, in one line.
        const runBatch = async () => {
          const nonce = randomBytes(8).toString('hex');
          return { nonce, r: await this.api.exec(first.namespace, first.pod, first.container, batchCommand([first, ...rest].map((e) => e.command), nonce), timeoutMs) };
        };
        let run = await runBatch();
        if (run.r.exitCode !== 0) run = await runBatch();
        if (run.r.exitCode !== 0) {
          const why = run.r.stderr.trim().split('\n')[0] || 'no error output';
          throw new EnvironmentError('E_PROBE_BATCH', `the probe batch's shell in pod ${first.namespace}/${first.pod} on ${this.api.server} could not run its probes (exit status ${run.r.exitCode}, twice): ${why}`);
        }
        results = splitBatchOutput(run.r.stdout, run.nonce, batch.length);
      }
      batch.forEach((i, j) => {
        observations[i] = this.nodeSource(probes[i], probeObservation(execs[i] as ProbeExec, results[j], state), state);
        observed?.(i);
      });
    });
    return observations;
  }

  /**
   * Looks the Service's name up from the source, again until the answer is what the DNS
   * specification says for the applied state or the enforcement deadline passes (CoreDNS and
   * its kin watch EndpointSlices asynchronously, like kube-proxy), or later while a wrong answer
   * may still be a cached one within its TTL (see dnsDeadline); returns the last answer.
   */
  async resolveService(from: ProbeSource, service: { namespace: string; name: string }): Promise<ServiceAnswer> {
    const state = this.applied;
    if (!state) throw new Error('resolveService before apply');
    const svc = state.services.find((s) => s.namespace === service.namespace && s.name === service.name);
    if (!svc) throw new Error(`resolveService: no Service ${podKey(service)} in the applied state`);
    const expected = expectedServiceRecords(state, svc);
    const [namespace, pod] =
      from.kind === 'pod' ? [runNamespaceName(from.namespace, this.runId), from.name] : [nodeAgentNamespace(this.runId), agentName(this.nodeMap.get(from.name) ?? from.name)];
    const deadline = this.changedAt + this.profile.enforcementDeadlineSeconds * 1000;
    // A wrong answer may be one a cache took just before the change: it may be served until its TTL
    // runs out (measured on the local cluster: the old ClusterIP with TTL 25, 22, 19 s after a
    // Service was recreated, then the new one, then the old again from the other CoreDNS replica).
    let cachedUntil = 0;
    const name = lookupName(svc.name, runNamespaceName(svc.namespace, this.runId));
    for (;;) {
      const askedAt = this.clock.now();
      const r = await this.api.exec(namespace, pod, CONTAINER_NAME, digCommand(name, this.profile.probeTimeoutSeconds), (this.profile.probeTimeoutSeconds * 2 + 20) * 1000);
      const answer = r.exitCode === 0 ? digAnswers(r.stdout, name) : { ips: [] };
      const ttl = answer.ttlSeconds;
      if (ttl !== undefined && JSON.stringify(answer.ips) !== JSON.stringify(expected) && mayBeCachedFromBefore(ttl, askedAt - this.changedAt, this.longestDnsTtlSeconds)) {
        cachedUntil = Math.max(cachedUntil, askedAt + ttl * 1000);
      }
      if (ttl !== undefined) this.longestDnsTtlSeconds = Math.max(this.longestDnsTtlSeconds, ttl);
      const result = (): ServiceAnswer => (answer.ips.length > 0 ? { ips: answer.ips } : { ips: [], unanswered: unansweredBecause(r.exitCode, r.stdout, r.stderr, answer) });
      if (JSON.stringify(answer.ips) === JSON.stringify(expected)) return result();
      if (this.clock.now() + this.profile.retryIntervalMs >= dnsDeadline(deadline, cachedUntil)) return result();
      await this.clock.sleep(this.profile.retryIntervalMs);
    }
  }

  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    clearInterval(this.heartbeat);
    for (const [signal, handler] of this.signalHandlers) process.removeListener(signal, handler);
    if (this.settings.keep) {
      process.stderr.write(`cluster: --keep: the namespaces of run ${this.runId} are left in place (netprops gc removes them)\n`);
      return;
    }
    // The label finds every namespace of the run, even one whose apply answer never arrived; the
    // set covers one the list missed.
    try {
      const mine = await this.api.list('v1', 'Namespace', { labelSelector: `${RUN_LABEL}=${this.runId}` });
      const names = new Set([...mine.map((ns) => ns.metadata!.name!), ...this.liveNamespaces]);
      await Promise.all([...names].map((name) => this.api.remove({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })));
    } catch (err) {
      // The cluster failing during teardown must not hide why the run ended (often the same failure).
      // The lease stops being renewed, so gc can remove what is left once it expires.
      if (!(err instanceof EnvironmentError)) throw err;
      process.stderr.write(`cluster: the namespaces of run ${this.runId} could not be deleted (${err.message}); \`netprops gc --target cluster\` removes them once their lease expires\n`);
    }
  }
}

/** How the case's addresses map onto the cluster's (see AppliedState.readdress). */
function readdressOf(wanted: ClusterState, applied: ClusterState): Readdress {
  const nodePorts: Record<string, number> = {};
  for (const [i, svc] of wanted.services.entries()) {
    svc.ports.forEach((p, j) => {
      const real = applied.services[i].ports[j].nodePort;
      if (p.nodePort !== undefined && real !== undefined) nodePorts[`${p.protocol}/${p.nodePort}`] = real;
    });
  }
  const pairs = <T>(a: T[], b: T[], f: (x: T) => string) => Object.fromEntries(a.map((x, i) => [f(x), f(b[i])]).filter(([c]) => c !== 'None'));
  return {
    podIPs: pairs(wanted.pods.filter((p) => !p.hostNetwork), applied.pods.filter((p) => !p.hostNetwork), (p) => p.ip),
    nodeIPs: pairs(wanted.nodes, applied.nodes, (n) => n.internalIP),
    clusterIPs: pairs(wanted.services, applied.services, (s) => s.clusterIP),
    nodePorts,
  };
}

function agentName(node: string): string {
  return `node-agent-${node}`.slice(0, 253);
}

function describePod(p: V1Pod | undefined, wantReady: boolean): string {
  if (!p) return 'missing';
  const waiting = p.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting;
  if (waiting?.reason) return `${waiting.reason}${waiting.message ? `: ${waiting.message.split('\n')[0]}` : ''}`;
  if (p.status?.phase !== 'Running') return p.status?.phase ?? 'no status';
  if (!p.status.podIP) return 'no IP';
  return wantReady ? 'not ready' : 'still ready';
}

const hasSelector = (o: ApiObject) => hasServiceSelector((o.spec as { selector?: Record<string, string> } | undefined)?.selector);
const headless = (o: ApiObject) => (o.spec as { clusterIP?: string } | undefined)?.clusterIP === 'None';

/**
 * A Service that cannot be updated in place into what the case wants, so it is deleted and created:
 * - its clusterIP is immutable: headless to ClusterIP or back is a new Service;
 * - it loses its selector: upstream's Endpoints, EndpointSlice and mirroring controllers leave the
 *   ones they made (intended: kubernetes/kubernetes#91072, still open as #118376), so kube-proxy went
 *   on routing to the old selector's pods (seen on the local cluster; docs/findings.md);
 * - it is headless and gains a selector: without one it was stored as RequireDualStack with both
 *   families even on a single-stack cluster (upstream's defaulting, kubernetes#99555 and #104986);
 *   no field manager owns that default, so the apply keeps it and a single-stack API server refuses
 *   the update ("not configured for dual-stack services", seen on the local cluster).
 */
function serviceReplaced(before: ApiObject, after: ApiObject): boolean {
  if (headless(before) !== headless(after)) return true;
  if (hasSelector(before) && !hasSelector(after)) return true;
  return headless(after) && !hasSelector(before) && hasSelector(after);
}

/** Whether applying `after` over the stored `before` needs a new object instead of an update. */
function replacedOnUpdate(before: ApiObject, after: ApiObject): boolean {
  if (after.kind === 'Service') return serviceReplaced(before, after);
  if (after.kind === 'NetworkPolicy') return redefaults(before, after);
  return false;
}

/**
 * Whether applying `after` over `before` (both NetworkPolicy manifests) needs a new object for the
 * API server's defaulting to hold. spec.policyTypes left out is defaulted when the policy is created
 * (networking/v1 SetDefaults_NetworkPolicySpec: [Ingress], plus Egress when spec.egress has a rule)
 * and then stored; an update that leaves it out again keeps the stored value, which no field manager
 * owns. Seen on the local cluster: a policy that once had egress rules kept [Ingress, Egress] after
 * an update to `egress: []`, so every pod it selected stayed isolated for egress (docs/findings.md).
 */
export function redefaults(before: ApiObject, after: ApiObject): boolean {
  type Spec = { policyTypes?: string[]; egress?: unknown[] };
  const b = before.spec as Spec | undefined;
  const a = after.spec as Spec | undefined;
  if ((b?.policyTypes?.length ?? 0) > 0 || (a?.policyTypes?.length ?? 0) > 0) return false;
  return (b?.egress?.length ?? 0) > 0 !== (a?.egress?.length ?? 0) > 0;
}
