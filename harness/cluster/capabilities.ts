// What the cluster target can do: everything the suite asks of a harness, DNS included (a live
// cluster has CoreDNS or its kin). Apart from harness.ts, so the dry-run plan (plan.ts) reads it
// without importing the live harness.
import type { Capability } from '../harness.ts';

export const CLUSTER_CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>([
  'pods', 'nodes', 'services', 'nodeport', 'externalTrafficPolicy', 'policies', 'hostNetwork', 'readiness', 'udp', 'sctp', 'reapply', 'interface-ips', 'dns',
]);
