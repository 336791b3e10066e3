// Pods. A PodDraft names its namespace and node by index (taken modulo the lists they index), so a
// list of drafts shrinks element by element without breaking references; placePods() turns the
// drafts into complete Pods: names unique per namespace, IPs from the node's pod CIDR.
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import type { ContainerPort, Labels, Namespace, Node, Pod } from '../cluster/types.ts';
import { labels, POD_LABEL_POOL } from './labels.ts';
import { protocol, type ProtocolOptions } from './protocol.ts';

/** Container port numbers: few, so Services' targetPorts and policies' ports hit them. */
export const CONTAINER_PORT_NUMBERS: readonly number[] = [80, 81, 8080, 9090];
/** Container port names (IANA_SVC_NAME syntax), shared by pods so named ports resolve to different numbers. */
export const CONTAINER_PORT_NAMES: readonly string[] = ['http', 'metrics'];

export interface PodOptions extends ProtocolOptions {
  /** Allow hostNetwork pods (they take their node's IP and are never isolated by policies). */
  hostNetwork?: boolean;
  /** Allow pods that are not ready. */
  notReady?: boolean;
  /** Allow terminating pods (default false). */
  terminating?: boolean;
  maxPorts?: number;
  /** Fewest container ports of a pod (default 1: a pod that serves nothing only ever refuses). */
  minPorts?: number;
}

export interface PodDraft {
  namespace: number;
  node: number;
  /** Like a Deployment's replicas: this many pods with these labels and ports, on consecutive nodes. */
  replicas: number;
  labels: Labels;
  ports: ContainerPort[];
  ready: boolean;
  hostNetwork: boolean;
  /** metadata.deletionTimestamp set: the pod still runs, its endpoints serve only as a fallback. */
  terminating?: boolean;
}

/**
 * A pod's container ports: unique by (containerPort, protocol), since the pod serves each on its
 * protocol, and with unique names (the API server rejects a name used twice in a pod).
 */
export function containerPorts(options: PodOptions = {}): fc.Arbitrary<ContainerPort[]> {
  const port = fc.record({
    name: fc.option(fc.constantFrom(...CONTAINER_PORT_NAMES), { nil: undefined, freq: 4 }),
    containerPort: fc.constantFrom(...CONTAINER_PORT_NUMBERS),
    protocol: protocol(options),
  }, { noNullPrototype: true });
  return fc
    .uniqueArray(port, {
      selector: (p) => `${p.containerPort}/${p.protocol}`,
      minLength: options.minPorts ?? 1,
      maxLength: options.maxPorts ?? 3,
    })
    .map((ports) => {
      const names = new Set<string>();
      return ports.map(({ name, containerPort, protocol }) => {
        if (name === undefined || names.has(name)) return { containerPort, protocol };
        names.add(name);
        return { name, containerPort, protocol };
      });
    });
}

/**
 * A flag that is `usual` in `weight` cases of `weight + 1`, and shrinks to it, also without its
 * generation context (a value a shrink jump made, generators/shrink-jumps.ts: fast-check's oneof
 * cannot cross-shrink without one).
 */
export function mostly(usual: boolean, allowOther: boolean, weight = 5): fc.Arbitrary<boolean> {
  if (!allowOther) return fc.constant(usual);
  return new ShrinksToUsual(fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant(usual), weight }, { arbitrary: fc.constant(!usual), weight: 1 }), usual);
}

class ShrinksToUsual extends fc.Arbitrary<boolean> {
  constructor(
    private readonly inner: fc.Arbitrary<boolean>,
    private readonly usual: boolean,
  ) {
    super();
  }

  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<boolean> {
    return this.inner.generate(mrng, biasFactor);
  }

  canShrinkWithoutContext(value: unknown): value is boolean {
    return typeof value === 'boolean';
  }

  shrink(value: boolean, context: unknown): fc.Stream<fc.Value<boolean>> {
    if (context !== undefined) return this.inner.shrink(value, context);
    return value === this.usual ? fc.Stream.nil() : fc.Stream.of(new fc.Value(this.usual, undefined));
  }
}

export function podDraft(options: PodOptions = {}): fc.Arbitrary<PodDraft> {
  return fc.record({
    namespace: fc.nat({ max: 7 }),
    node: fc.nat({ max: 7 }),
    replicas: fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant(1), weight: 2 }, { arbitrary: fc.integer({ min: 2, max: 3 }), weight: 1 }),
    labels: labels(POD_LABEL_POOL),
    ports: containerPorts(options),
    ready: mostly(true, options.notReady ?? true),
    hostNetwork: mostly(false, options.hostNetwork ?? true, 4),
    terminating: mostly(false, options.terminating ?? false, 6),
  }, { noNullPrototype: true });
}

/** The name of the i-th pod of a namespace (0-based): a, b, c, ... as cyclonus names them. */
export function podName(index: number): string {
  return index < 26 ? String.fromCharCode(97 + index) : `pod-${index}`;
}

/**
 * Complete Pods from drafts, each draft as many pods as its replicas, at most maxPods in all. Pod IPs are handed out per node from .2 of its pod CIDR (.1 is the
 * bridge gateway, as host-local IPAM does); a hostNetwork pod takes its node's IP, and since it
 * then shares the node's ports, a port another hostNetwork pod on that node already serves is
 * dropped (the scheduler would not place two such pods together: hostPort conflict).
 */
export function placePods(drafts: PodDraft[], namespaces: Namespace[], nodes: Node[], maxPods = Infinity): Pod[] {
  if (namespaces.length === 0 || nodes.length === 0) throw new Error('placePods needs a namespace and a node');
  const perNamespace = new Map<string, number>();
  const perNode = new Map<string, number>();
  const hostPorts = new Map<string, Set<string>>();
  const pods: Pod[] = [];
  for (const d of drafts) {
    for (let r = 0; r < (d.replicas ?? 1) && pods.length < maxPods; r++) {
      const namespace = namespaces[d.namespace % namespaces.length].name;
      const node = nodes[(d.node + r) % nodes.length];
      const index = perNamespace.get(namespace) ?? 0;
      perNamespace.set(namespace, index + 1);
      let ip: string;
      let ports = d.ports;
      if (d.hostNetwork) {
        ip = node.internalIP;
        const taken = hostPorts.get(node.name) ?? new Set<string>();
        hostPorts.set(node.name, taken);
        ports = ports.filter((p) => !taken.has(`${p.containerPort}/${p.protocol}`));
        for (const p of ports) taken.add(`${p.containerPort}/${p.protocol}`);
      } else {
        const host = (perNode.get(node.name) ?? 0) + 2;
        perNode.set(node.name, host - 1);
        ip = addressInCIDR(node.podCIDR, host);
      }
      pods.push({
        namespace,
        name: podName(index),
        labels: { ...d.labels },
        nodeName: node.name,
        hostNetwork: d.hostNetwork,
        ports: ports.map((p) => ({ ...p })),
        ip,
        ready: d.ready,
        ...(d.terminating ? { terminating: true } : {}),
      });
    }
  }
  return pods;
}

/** The `host`-th address of an IPv4 CIDR; throws when the CIDR has no such host address. */
export function addressInCIDR(cidr: string, host: number): string {
  const [network, prefix] = ipaddr.IPv4.parseCIDR(cidr);
  const size = 2 ** (32 - prefix);
  if (host <= 0 || host >= size - 1) throw new Error(`${cidr} has no host address number ${host}`);
  const base = ipaddr.IPv4.networkAddressFromCIDR(`${network.toString()}/${prefix}`).toByteArray();
  const value = ((base[0] << 24) >>> 0) + (base[1] << 16) + (base[2] << 8) + base[3] + host;
  return ipaddr.fromByteArray([(value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]).toString();
}
