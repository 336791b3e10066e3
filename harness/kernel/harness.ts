// The kernel target: a case realized as Linux network namespaces on this machine. Nodes are
// namespaces on an underlay, pods are namespaces wired by a real CNI plugin, Services are
// kube-proxy's rules and NetworkPolicies an nftables table in each node's namespace, and one agent
// process serves every pod's ports and makes every probe with real TCP and UDP connections.
// apply() a second time converges: pods are created, deleted or kept (relabelled, re-served), and
// every node's rules are recompiled and reloaded when they changed.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Capability, AppliedState, Harness, HarnessOptions } from '../harness.ts';
import type { ClusterState, Node, Observation, Pod, Probe } from '../../cluster/types.ts';
import { podKey } from '../../cluster/types.ts';
import { compilePolicyTable } from './policy/nftables.ts';
import { compileIptablesProxy } from './kube-proxy/iptables.ts';
import { compileNftablesProxy } from './kube-proxy/nftables.ts';
import { Agent, agentBinary, type AgentProbeResult } from './agent.ts';
import type { CniConfig } from './cni.ts';
import { defaultCniConfig, userCniConfig, type NodeNetworkOptions } from './cni-config.ts';
import { mustRun } from './command.ts';
import { kernelFault } from './faults.ts';
import { gcKernel } from './gc.ts';
import { addNetns, deleteNetns, listNetns } from './namespaces.ts';
import { changeNodes, createUnderlay, useNodeIPTowardsPods, VXLAN_MTU, type Overlay } from './nodes.ts';
import { mapWithLimit } from './parallel.ts';
import { releaseNeighbourTable, sizeNeighbourTable } from './neighbour-table.ts';
import { checkPod, createPod, deletePod, POD_IFNAME, type PodWiring, type RealizedPod } from './pods.ts';
import { checkPrerequisites } from './prerequisites.ts';
import { dumpEvidence, evidenceFile } from './evidence.ts';
import { probeRoute, type ProbeTopology } from './probe-target.ts';
import { flushConntrack, loadIptables, loadNftables } from './rules.ts';
import { claimRun, kernelRun, newRunId, runIdOfNetns, type KernelRun } from './run.ts';
import { kernelSettings, type KernelSettings } from './settings.ts';
import { exiting, interrupted, releaseSignals, teardownOnSignals } from './signals.ts';

const CAPABILITIES: readonly Capability[] = [
  'pods',
  'nodes',
  'services',
  'nodeport',
  'policies',
  'hostNetwork',
  'readiness',
  'udp',
  'interface-ips',
  'reapply',
];

/** Plugin spawns at once: each costs some 20 ms of CPU, and the machine may have two cores. */
const CNI_PARALLELISM = 4;

const SCTP_UNSUPPORTED = 'SCTP: this kernel has no SCTP sockets (CONFIG_IP_SCTP is not set), so the kernel target cannot probe it';

interface RealizedNode {
  node: Node;
  /** Names its namespace, underlay port and VTEP MAC; never reused within a run. */
  serial: number;
  netns: string;
  config: CniConfig;
}

/** The plugin types a configuration names (plugins and their IPAM), to check they are installed. */
async function pluginTypes(settings: KernelSettings): Promise<string[]> {
  if (!settings.cniConf) return ['bridge', 'host-local'];
  let config: { type?: string; ipam?: { type?: string }; plugins?: { type?: string; ipam?: { type?: string } }[] };
  try {
    // Placeholders may stand where numbers go; any number keeps the JSON parseable here.
    config = JSON.parse((await readFile(settings.cniConf, 'utf8')).replace(/\$\{\w+\}/g, '0'));
  } catch {
    return []; // userCniConfig reports the problem with the file when the nodes are made
  }
  const plugins = config.plugins ?? [config];
  return plugins.flatMap((p) => [p.type, p.ipam?.type]).filter((t): t is string => typeof t === 'string');
}

/** The kernel target's harness; its run id names everything it creates (np-<id>-*, /run/netprops/<id>). */
export interface KernelHarness extends Harness {
  /** The latest run's id, once apply() has started one; kept after teardown. */
  readonly runId: string | undefined;
}

export async function createKernelHarness(options: HarnessOptions = {}): Promise<KernelHarness> {
  const settings = kernelSettings(options.settings);
  const fault = kernelFault(options.fault);
  await checkPrerequisites({ binDirs: settings.cniBinDirs, plugins: await pluginTypes(settings) });
  await agentBinary();
  // Sweep what killed runs left, so they cannot pile up (live runs are never touched).
  await gcKernel();
  return new KernelDataPlane(options, settings, fault);
}

class KernelDataPlane implements KernelHarness {
  readonly target = 'kernel';
  readonly capabilities: ReadonlySet<Capability> = new Set(CAPABILITIES);

  private run: KernelRun | undefined;
  private agent: Agent | undefined;
  private nodes = new Map<string, RealizedNode>();
  private pods = new Map<string, RealizedPod>();
  /** netns -> the servers it runs, as a comparable text. */
  private served = new Map<string, string>();
  /** `${netns} ${kind}` -> the rules last loaded there. */
  private loaded = new Map<string, string>();
  private applied: ClusterState | undefined;
  private podSerial = 0;
  private nodeSerial = 0;
  /** Nodes whose route to their own pods already carries the InternalIP as source. */
  private nodeSourceSet = new Set<string>();
  private readonly onSignal = () => this.teardown();
  private queue: Promise<unknown> = Promise.resolve();
  private lastRunId: string | undefined;

  constructor(
    private readonly options: HarnessOptions,
    private readonly settings: KernelSettings,
    private readonly fault: string | undefined,
  ) {}

  /** The latest run's id (its namespaces are np-<id>-*), once apply() has started one; kept after teardown. */
  get runId(): string | undefined {
    return this.run?.id ?? this.lastRunId;
  }

  private get overlay(): Overlay {
    // The vxlan-mtu fault is about the overlay: it implies one.
    return this.fault === 'vxlan-mtu' ? 'vxlan' : this.settings.overlay;
  }

  private get faults(): string[] {
    return this.fault ? [this.fault] : [];
  }

  /**
   * Runs one public operation after the previous ones: a caller that gave up waiting (a time limit
   * racing an apply) must not have its operation interleave with the next one or a teardown.
   */
  private serially<T>(operation: () => Promise<T>, always = false): Promise<T> {
    const stopped = Symbol('stopped');
    // Once a signal started the teardown, queued operations are skipped (but still settle, so the
    // teardown behind them runs) and their callers never hear back: the process is about to exit.
    const settled = this.queue.then(async (): Promise<T | typeof stopped> => (exiting() && !always ? stopped : operation()));
    this.queue = settled.catch(() => {});
    return settled.then(
      (v) => (v === stopped ? interrupted<T>() : (v as T)),
      (e: unknown) => (exiting() && !always ? interrupted<T>() : Promise.reject(e)),
    );
  }

  apply(state: ClusterState): Promise<AppliedState> {
    return this.serially(() => this.applyNow(state));
  }

  probe(probes: Probe[]): Promise<Observation[]> {
    return this.serially(() => this.probeNow(probes));
  }

  teardown(): Promise<void> {
    return this.serially(() => this.teardownNow(), true);
  }

  private async applyNow(state: ClusterState): Promise<AppliedState> {
    try {
      if (!this.run) await this.start();
      const plan = this.planNodes(state.nodes);
      // Pods leave before their node does; new pods come once their node is there.
      await this.removeStalePods(state, new Set(plan.removed.map((n) => n.node.name)));
      await this.syncNodes(plan);
      // The machine-wide neighbour table must hold this state's entries before its pods talk.
      await sizeNeighbourTable(this.run!.dir, state);
      await this.addPods(state);
      const realized: ClusterState = { ...state, pods: state.pods.map((p) => this.pods.get(podKey(p))!.pod) };
      await this.syncServers(realized);
      await this.syncRules(realized);
      this.applied = realized;
      return { state: realized, interfaceIPs: await this.interfaceIPs(realized.pods) };
    } catch (e) {
      if (exiting()) throw e; // the signal's teardown removes it
      // Leave nothing half-built behind: the caller may not call teardown() after a failed apply.
      await this.teardownNow();
      throw e;
    }
  }

  private async start(): Promise<void> {
    const run = kernelRun(newRunId());
    this.run = run;
    this.lastRunId = run.id;
    teardownOnSignals(this.onSignal);
    await claimRun(run, this.options.runId);
    await mkdir(path.join(run.dir, 'cni'), { recursive: true });
    await addNetns([run.underlayNetns]);
    this.agent = await Agent.start(run.underlayNetns);
    await createUnderlay(run);
  }

  /** Nodes are kept while their name, podCIDR and InternalIP stay; a changed one is replaced. */
  private planNodes(nodes: Node[]): { kept: RealizedNode[]; added: Node[]; removed: RealizedNode[] } {
    const wanted = new Map(nodes.map((n) => [n.name, n]));
    const removed = [...this.nodes.values()].filter((rn) => {
      const w = wanted.get(rn.node.name);
      return !w || JSON.stringify(w) !== JSON.stringify(rn.node);
    });
    const kept = [...this.nodes.values()].filter((rn) => !removed.includes(rn));
    const added = nodes.filter((n) => !kept.some((k) => k.node.name === n.name));
    return { kept, added, removed };
  }

  private async syncNodes(plan: { kept: RealizedNode[]; added: Node[]; removed: RealizedNode[] }): Promise<void> {
    if (plan.added.length === 0 && plan.removed.length === 0) return;
    const run = this.run!;
    const agent = this.agent!;
    for (const rn of plan.removed) {
      await agent.forget(rn.netns); // hostNetwork servers and the namespace handle
      this.served.delete(rn.netns);
      this.loaded.delete(`${rn.netns} policy`);
      this.loaded.delete(`${rn.netns} ${this.settings.proxyMode}`);
      this.nodeSourceSet.delete(rn.node.name);
      this.nodes.delete(rn.node.name);
    }
    const added = plan.added.map((node) => ({ node, serial: this.nodeSerial++ }));
    await addNetns(added.map((a) => run.nodeNetns(a.serial)));
    const placed = (rn: RealizedNode) => ({ node: rn.node, serial: rn.serial });
    // Cuts the removed nodes off the underlay first, while their namespaces are still named.
    await changeNodes(run, plan.kept.map(placed), added, plan.removed.map(placed), this.overlay);
    await deleteNetns(plan.removed.map((rn) => rn.netns));
    // Entries a kept node holds for addresses of nodes that came or went (pending, failed or
    // stale resolutions) would delay or drop the first packets to the new nodes.
    await Promise.all(plan.kept.map((rn) => mustRun(['ip', '-n', rn.netns, 'neigh', 'flush', 'all'])));
    const network: NodeNetworkOptions = {
      mtu: this.overlay === 'vxlan' && this.fault !== 'vxlan-mtu' ? VXLAN_MTU : 1500,
      hairpinMode: this.fault !== 'hairpin-off',
      ipMasq: false,
    };
    await Promise.all(
      added.map(async ({ node, serial }) => {
        const netns = run.nodeNetns(serial);
        const config = this.settings.cniConf ? await userCniConfig(this.settings.cniConf, run, node, network) : defaultCniConfig(run, node, network);
        await writeFile(path.join(run.dir, 'cni', `${node.name}.json`), JSON.stringify(config, null, 2));
        // A node forwards for its pods; bridged pod traffic passes netfilter (kube-proxy's
        // requirement) unless the bridge-nf-off fault turns that off.
        await agent.sysctl(netns, 'net.ipv4.ip_forward', 1);
        await agent.sysctl(netns, 'net.bridge.bridge-nf-call-iptables', this.fault === 'bridge-nf-off' ? 0 : 1);
        this.nodes.set(node.name, { node, serial, netns, config });
      }),
    );
  }

  private wiring(): PodWiring {
    return {
      agent: this.agent!,
      binDirs: this.settings.cniBinDirs,
      node: (name) => {
        const n = this.nodes.get(name);
        if (!n) throw new Error(`pod on unknown node ${name}`);
        return { netns: n.netns, ip: n.node.internalIP, config: n.config };
      },
    };
  }

  /**
   * Removes pods that are gone, moved, on a node being replaced, or given another podIP (all
   * removals come before any ADD, so the new request finds its address free and the realized IPs
   * stay the state's); updates the kept ones.
   */
  private async removeStalePods(state: ClusterState, replacedNodes: Set<string>): Promise<void> {
    const wanted = new Map(state.pods.map((p) => [podKey(p), p]));
    const gone = [...this.pods.entries()].filter(([key, rp]) => {
      const w = wanted.get(key);
      return (
        !w ||
        w.nodeName !== rp.pod.nodeName ||
        w.hostNetwork !== rp.pod.hostNetwork ||
        w.ip !== rp.requestedIP ||
        replacedNodes.has(rp.pod.nodeName)
      );
    });
    await this.removePods(gone.map(([, rp]) => rp));
    for (const [key] of gone) this.pods.delete(key);
    const w = this.wiring();
    for (const [key, rp] of this.pods) {
      // Kept: labels, ports and readiness follow the new state; the address stays the CNI's.
      rp.pod = { ...wanted.get(key)!, ip: rp.pod.ip };
    }
    if (this.settings.cniCheck) await mapWithLimit([...this.pods.values()], CNI_PARALLELISM, (rp) => checkPod(w, rp));
  }

  private async addPods(state: ClusterState): Promise<void> {
    const w = this.wiring();
    const added = state.pods.filter((p) => !this.pods.has(podKey(p)));
    const netns = added.map((p) => (p.hostNetwork ? undefined : this.run!.podNetns(this.podSerial++)));
    await addNetns(netns.filter((n): n is string => n !== undefined));
    // Register each pod as soon as it is wired, so a failure part-way still tears it down.
    await mapWithLimit(added, CNI_PARALLELISM, async (pod, i) => {
      this.pods.set(podKey(pod), await createPod(w, pod, netns[i]));
    });
    const wired = new Set(added.filter((p) => !p.hostNetwork).map((p) => p.nodeName));
    await Promise.all(
      [...wired].map(async (name) => {
        const n = this.nodes.get(name)!;
        if (this.nodeSourceSet.has(name)) return;
        await useNodeIPTowardsPods(n.netns, n.node);
        this.nodeSourceSet.add(name);
      }),
    );
  }

  private async removePods(pods: RealizedPod[]): Promise<void> {
    const own = pods.filter((rp) => rp.cni || !rp.pod.hostNetwork);
    // The agent's sockets and handles would keep a deleted namespace (and its servers) alive.
    await Promise.all(own.map((rp) => this.agent?.forget(rp.netns)));
    for (const rp of own) this.served.delete(rp.netns);
    await mapWithLimit(own, CNI_PARALLELISM, (rp) => deletePod(this.settings.cniBinDirs, rp));
    await deleteNetns(own.map((rp) => rp.netns));
  }

  /** Every pod serves exactly its declared ports, each on its protocol. */
  private async syncServers(state: ClusterState): Promise<void> {
    const byNetns = new Map<string, { pod: Pod; lines: string[] }[]>();
    for (const pod of state.pods) {
      const netns = this.pods.get(podKey(pod))!.netns;
      const list = byNetns.get(netns) ?? [];
      list.push({ pod, lines: pod.ports.map((p) => `${p.protocol} ${p.containerPort} ${podKey(pod)}`) });
      byNetns.set(netns, list);
    }
    // Node namespaces whose last hostNetwork pod left stop serving too.
    for (const netns of this.served.keys()) if (!byNetns.has(netns)) byNetns.set(netns, []);
    const agent = this.agent!;
    await Promise.all(
      [...byNetns].map(async ([netns, pods]) => {
        const signature = pods.flatMap((p) => p.lines).join('\n');
        if (this.served.get(netns) === signature) return;
        if (this.served.has(netns)) await agent.unserve(netns);
        this.served.set(netns, signature);
        const seen = new Set<string>();
        await Promise.all(
          pods.flatMap(({ pod }) =>
            pod.ports.map(async (port) => {
              // Two hostNetwork pods of one node declaring one port: the scheduler would not place
              // the second; the first one keeps the port.
              const at = `${port.protocol}/${port.containerPort}`;
              if (seen.has(at)) return;
              seen.add(at);
              await agent.serve(netns, port.protocol, port.containerPort, podKey(pod)).catch((e: Error) => {
                // SCTP on a kernel without it: probes to it report 'unsupported'.
                if (port.protocol === 'SCTP' && /not supported/i.test(e.message)) return;
                throw e;
              });
            }),
          ),
        );
      }),
    );
  }

  private async syncRules(state: ClusterState): Promise<void> {
    let changed = false;
    await Promise.all(
      [...this.nodes.values()].map(async (n) => {
        const loads: Promise<void>[] = [];
        const policy = compilePolicyTable(state, n.node.name, { faults: this.faults });
        if (this.loaded.get(`${n.netns} policy`) !== policy) {
          changed = true;
          loads.push(loadNftables(n.netns, policy).then(() => void this.loaded.set(`${n.netns} policy`, policy)));
        }
        const key = `${n.netns} ${this.settings.proxyMode}`;
        const previous = this.loaded.get(key);
        const proxy =
          this.settings.proxyMode === 'iptables'
            ? compileIptablesProxy(state, n.node.name, { faults: this.faults, previous })
            : compileNftablesProxy(state, n.node.name, { faults: this.faults });
        if (previous !== proxy) {
          changed = true;
          const load = this.settings.proxyMode === 'iptables' ? loadIptables : loadNftables;
          loads.push(load(n.netns, proxy).then(() => void this.loaded.set(key, proxy)));
        }
        await Promise.all(loads);
      }),
    );
    // The first load finds no entries to flush; later, a changed Service or policy must not be
    // bypassed by connections conntrack remembers, unless the fault keeps them on purpose.
    if (changed && this.applied && this.fault !== 'stale-udp-conntrack') {
      await Promise.all([...this.nodes.values()].map((n) => flushConntrack(n.netns)));
    }
  }

  private async interfaceIPs(pods: Pod[]): Promise<Record<string, string>> {
    const agent = this.agent!;
    const entries = await Promise.all(
      pods.map(async (pod) => {
        const rp = this.pods.get(podKey(pod))!;
        const ifname = pod.hostNetwork ? this.run!.nodeUplink : POD_IFNAME;
        return [podKey(pod), await agent.interfaceAddress(rp.netns, ifname)] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  private async probeNow(probes: Probe[]): Promise<Observation[]> {
    const agent = this.agent;
    if (!agent || !this.applied) throw new Error('probe() before apply()');
    const topology: ProbeTopology = {
      pods: this.pods,
      nodes: new Map([...this.nodes.values()].map((n) => [n.node.name, { netns: n.netns }])),
      services: this.applied.services,
    };
    return Promise.all(
      probes.map(async (probe) => {
        const route = probeRoute(probe, topology);
        if ('outcome' in route) return route;
        const result = await agent.probe({
          netns: route.netns,
          protocol: probe.protocol,
          ip: route.ip,
          port: route.port,
          sourcePort: probe.sourcePort,
          payloadBytes: probe.payloadBytes ?? this.settings.payloadBytes,
          timeoutMs: this.settings.probeTimeoutMs,
        });
        const o = observation(probe, result);
        const file = evidenceFile();
        if (file && o.outcome === 'timeout') {
          const target = probe.to.kind === 'pod' ? this.pods.get(podKey(probe.to))?.netns : undefined;
          const nodes = [...this.nodes.values()].map((n) => n.netns);
          await dumpEvidence(file, `timeout: ${JSON.stringify(probe)} -> ${route.ip}:${route.port} from ${route.netns}`, [route.netns, ...(target ? [target] : []), ...nodes, this.run!.underlayNetns]);
        }
        return o;
      }),
    );
  }

  private async teardownNow(): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    const agent = this.agent;
    this.agent = undefined;
    const pods = [...this.pods.values()];
    const nodes = [...this.nodes.values()];
    this.pods = new Map();
    this.nodes = new Map();
    this.served = new Map();
    this.loaded = new Map();
    this.nodeSourceSet = new Set();
    this.applied = undefined;
    try {
      await agent?.stop();
      // Release every address as a runtime would (a user's IPAM may keep state outside the run);
      // a DEL that fails must not keep the namespaces from going.
      await mapWithLimit(
        pods.filter((rp) => rp.cni),
        CNI_PARALLELISM * 2,
        (rp) => deletePod(this.settings.cniBinDirs, rp).catch(() => {}),
      );
      // Every namespace named for the run, not only the ones it registered: a pod whose ADD failed
      // (or that a failure elsewhere stopped before its ADD) has a namespace and no record.
      const named = (await listNetns()).filter((n) => runIdOfNetns(n) === run.id);
      await deleteNetns([...new Set([...pods.filter((rp) => rp.cni).map((rp) => rp.netns), ...nodes.map((n) => n.netns), run.underlayNetns, ...named])]);
      await releaseNeighbourTable(run.dir);
      await rm(run.dir, { recursive: true, force: true });
    } finally {
      releaseSignals(this.onSignal);
    }
  }
}

function observation(probe: Probe, r: AgentProbeResult): Observation {
  if (r.outcome === 'unsupported' && probe.protocol === 'SCTP') return { outcome: 'unsupported', detail: SCTP_UNSUPPORTED };
  const o: Observation = { outcome: r.outcome };
  if (r.detail) o.detail = r.detail;
  if (r.outcome === 'delivered') {
    if (r.backend) {
      const slash = r.backend.indexOf('/');
      o.backend = { namespace: r.backend.slice(0, slash), name: r.backend.slice(slash + 1), port: r.backendPort! };
    }
    o.sourceSeen = r.sourceSeen;
    o.replyFrom = r.replyFrom;
  }
  return o;
}
