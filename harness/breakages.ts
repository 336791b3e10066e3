// Breakages: faults of the model target that wrap its harness and break it in one way each, where no
// fault of the model's evaluator breaks what a property checks (the evaluator's faults are about
// policies, endpoints, NAT and hairpin; these about IPAM, node traffic, policy order, policy
// selection, Service ports and readiness). Each mimics a data-plane bug seen in the wild. Named
// faults like the others: `netprops faults` lists them, `netprops run --fault NAME` runs them.
import type { ClusterState, NetworkPolicy, Probe } from '../cluster/types.ts';
import type { AppliedState, Harness } from './harness.ts';

export type Breakage =
  /** IPAM hands the second pod the first pod's address (a leaked host-local reservation). */
  | 'duplicate-pod-ip'
  /** Traffic from a node reaches pods from an address that is not the node's (an SNAT to a proxy address). */
  | 'node-traffic-masqueraded'
  /** Only the first policy of each namespace is programmed (rule order treated as precedence). */
  | 'first-policy-wins'
  /** A policy's podSelector is ignored: every policy isolates every pod of its namespace. */
  | 'policy-ignores-pod-selector'
  /** The proxy matches the ClusterIP alone, so every port of it reaches the Service's first port. */
  | 'clusterip-all-ports'
  /** A pod that is not ready gets no traffic at all (readiness taken for a firewall switch). */
  | 'not-ready-pods-unreachable';

export const BREAKAGES: readonly { name: Breakage; description: string }[] = [
  { name: 'duplicate-pod-ip', description: "IPAM hands the second pod the first pod's address (a leaked host-local reservation)" },
  { name: 'node-traffic-masqueraded', description: "traffic from a node reaches pods from an address that is not the node's (an SNAT to a proxy address)" },
  { name: 'first-policy-wins', description: 'only the first NetworkPolicy of each namespace is programmed (rule order taken for precedence)' },
  { name: 'policy-ignores-pod-selector', description: "a NetworkPolicy's podSelector is ignored: every policy isolates every pod of its namespace" },
  { name: 'clusterip-all-ports', description: "the proxy matches the ClusterIP alone: every port of it reaches the Service's first port" },
  { name: 'not-ready-pods-unreachable', description: 'a pod that is not ready gets no traffic at all (readiness taken for a firewall switch)' },
];

/** The breakage of that name, or undefined for another name (a fault of the evaluator, or none). */
export function breakageNamed(name: string | undefined): Breakage | undefined {
  return BREAKAGES.find((b) => b.name === name)?.name;
}

/** An address from TEST-NET-1 (RFC 5737): no node or pod of a case ever has it. */
const PROXY_ADDRESS = '192.0.2.1';

function programmedState(breakage: Breakage, state: ClusterState): ClusterState {
  switch (breakage) {
    case 'first-policy-wins': {
      const first = new Map<string, NetworkPolicy>();
      for (const p of state.policies) if (!first.has(p.namespace)) first.set(p.namespace, p);
      return { ...state, policies: [...first.values()] };
    }
    case 'policy-ignores-pod-selector':
      return { ...state, policies: state.policies.map((p) => ({ ...p, podSelector: {} })) };
    default:
      return state;
  }
}

export function breakHarness(inner: Harness, breakage: Breakage): Harness {
  let state: ClusterState | undefined;
  return {
    target: `${inner.target}+${breakage}`,
    capabilities: inner.capabilities,
    async apply(wanted: ClusterState): Promise<AppliedState> {
      state = wanted;
      const applied = await inner.apply(programmedState(breakage, wanted));
      // The broken data plane reports the policies it was given (as a real one would), and the
      // addresses the harness underneath realized.
      const result: AppliedState = { state: { ...applied.state, policies: wanted.policies }, interfaceIPs: applied.interfaceIPs };
      if (breakage === 'duplicate-pod-ip') {
        const pods = result.state.pods.filter((p) => !p.hostNetwork);
        if (pods.length >= 2) {
          const [first, second] = pods;
          result.state = { ...result.state, pods: result.state.pods.map((p) => (p === second ? { ...p, ip: first.ip } : p)) };
          result.interfaceIPs = { ...applied.interfaceIPs, [`${second.namespace}/${second.name}`]: first.ip };
        }
      }
      return result;
    },
    async probe(probes: Probe[]) {
      const s = state;
      if (!s) throw new Error('probe() before apply()');
      const rewritten = probes.map((probe): Probe => {
        if (breakage !== 'clusterip-all-ports') return probe;
        const to = probe.to;
        const svc = s.services.find((v) =>
          to.kind === 'service' ? v.namespace === to.namespace && v.name === to.name : to.kind === 'ip' && v.clusterIP === to.ip,
        );
        if (!svc || svc.ports.length === 0 || typeof probe.port !== 'number') return probe;
        if (svc.ports.some((p) => p.port === probe.port && p.protocol === probe.protocol)) return probe;
        return { ...probe, to: { kind: 'service', namespace: svc.namespace, name: svc.name }, port: svc.ports[0].port, protocol: svc.ports[0].protocol };
      });
      const observations = await inner.probe(rewritten);
      if (breakage === 'not-ready-pods-unreachable') {
        const notReady = (p: Probe) => p.to.kind === 'pod' && s.pods.some((q) => q.namespace === (p.to as { namespace: string }).namespace && q.name === (p.to as { name: string }).name && !q.ready);
        return observations.map((o, i) => (notReady(probes[i]) ? { outcome: 'timeout', detail: 'the pod is not ready' } : o));
      }
      if (breakage !== 'node-traffic-masqueraded') return observations;
      return observations.map((o, i) => (probes[i].from.kind === 'node' && o.outcome === 'delivered' ? { ...o, sourceSeen: PROXY_ADDRESS } : o));
    },
    teardown: () => inner.teardown(),
  };
}
