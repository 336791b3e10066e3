// Every property netprops runs, in the order a report lists them: addressing first, then Services,
// then NetworkPolicy, then the metamorphic relations and the data-plane corners.
import type { Property } from './property.ts';
import { podIpUnique } from './pod-ip-unique.ts';
import { noNatPodToPod } from './no-nat-pod-to-pod.ts';
import { selfIpIsSeenIp } from './self-ip-is-seen-ip.ts';
import { nodeToPod } from './node-to-pod.ts';
import { clusteripReachesReadyEndpoint } from './clusterip-reaches-ready-endpoint.ts';
import { serviceSpreads } from './service-spreads.ts';
import { hairpin } from './hairpin.ts';
import { nodeportReachable } from './nodeport-reachable.ts';
import { servicePortNotExposed } from './service-port-not-exposed.ts';
import { serviceDns } from './service-dns.ts';
import { policyVerdicts } from './policy-verdicts.ts';
import { policyReplies } from './policy-replies.ts';
import { allowAllIngressNeverDenies } from './allow-all-ingress-never-denies.ts';
import { policyOrderIrrelevant } from './policy-order-irrelevant.ts';
import { policySelectingNoPod } from './policy-selecting-no-pod.ts';
import { deletingPoliciesRestoresReachability } from './deleting-policies-restores-reachability.ts';
import { largePayloadAcrossNodes } from './large-payload-across-nodes.ts';
import { udpEndpointChange } from './udp-endpoint-change.ts';
import { modelMatchesKernel } from './model-matches-kernel.ts';
import { readinessNeverGatesDirectTraffic } from './readiness-never-gates-direct-traffic.ts';

export const PROPERTIES: Property[] = [
  podIpUnique,
  noNatPodToPod,
  selfIpIsSeenIp,
  nodeToPod,
  readinessNeverGatesDirectTraffic,
  clusteripReachesReadyEndpoint,
  serviceSpreads,
  hairpin,
  nodeportReachable,
  servicePortNotExposed,
  serviceDns,
  policyVerdicts,
  policyReplies,
  allowAllIngressNeverDenies,
  policyOrderIrrelevant,
  policySelectingNoPod,
  deletingPoliciesRestoresReachability,
  largePayloadAcrossNodes,
  udpEndpointChange,
  modelMatchesKernel,
];
