// large-payload-across-nodes: an allowed connection between pods on different nodes carries a
// payload as large as the pod MTU allows in one packet (UDP) and many segments of it (TCP).
import { clusterCase } from '../generators/cluster.ts';
import { generatorCapabilities } from './case-options.ts';
import { podOf, podPairProbes } from './pod-pairs.ts';
import { probesNamed } from './focus.ts';
import type { Property } from './property.ts';
import { verdictFindings } from './verdict-agreement.ts';

/** A full 1500-byte IP packet (the usual pod MTU): it no longer fits once VXLAN's 50 bytes are added. */
export const UDP_PAYLOAD_BYTES = 1500 - 20 - 8;
/** Many full-sized segments, so path-MTU trouble cannot hide behind a small first write. */
export const TCP_PAYLOAD_BYTES = 32 * 1024;

export const largePayloadAcrossNodes: Property = {
  id: 'large-payload-across-nodes',
  statement: 'An allowed connection between pods on different nodes delivers a full-MTU UDP datagram and a 32 KiB TCP write.',
  rule:
    'Kubernetes network model: pods on any node communicate with all pods on any other node; a CNI that encapsulates ' +
    '(VXLAN adds 50 bytes) must give pods an MTU the underlay can carry (CNI plugin docs, flannel/bridge "mtu").',
  needs: ['pods', 'nodes'],
  cases: ({ capabilities, universe }) =>
    clusterCase({ ...generatorCapabilities(capabilities, universe), hostNetwork: false, policies: capabilities.has('policies'), services: false }).map((c) => ({
      steps: [
        {
          state: c.state,
          probes: podPairProbes(c.state, {
            pair: (a, b) => a.nodeName !== b.nodeName,
            payloadBytes: (_, port) => (port.protocol === 'TCP' ? TCP_PAYLOAD_BYTES : UDP_PAYLOAD_BYTES),
          }),
        },
      ],
    })),
  check: (ctx) => verdictFindings(ctx, 0),
  focus: probesNamed,
  outcomes: ['tcp-across-nodes', 'udp-across-nodes'],
  classify({ steps: [run] }) {
    const labels = new Set<string>();
    for (const p of run.probes) {
      const from = podOf(run.state, p.from);
      const to = podOf(run.state, p.to);
      if (from && to && from.nodeName !== to.nodeName) labels.add(p.protocol === 'UDP' ? 'udp-across-nodes' : 'tcp-across-nodes');
    }
    return [...labels];
  },
};
