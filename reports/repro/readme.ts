// The README.md of a repro folder: the invariant, expected vs observed per probe, the seed and path,
// and how to replay it (netprops itself, or the scripts in a real cluster).
import { describeObservation } from '../../cluster/probe-text.ts';
import { isReachabilityMismatch } from '../reachability-matrix.ts';
import { formatProbeRef } from '../../cluster/probe-ref.ts';
import type { ReproInput } from './repro-input.ts';
import { observationsOf, summarize } from './observations.ts';
import { shellQuote as q } from './shell-quote.ts';

const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** Markdown table cells: pipes and newlines would break the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function reproReadme(input: ReproInput): string {
  const { property, failure } = input;
  const { state, probes } = failure.counterexample;
  // The replay lines are copied into a shell: every value is quoted as one word, and the target's
  // settings (a plugin configuration, an overlay) belong to the failure: replay with them.
  const flags = (input.targetFlags ?? []).map((w) => ` ${q(w)}`).join('');
  const replayOptions = `${input.fault ? ` --fault ${q(input.fault)}` : ''}${flags}`;
  const run = `npx netprops run --target ${q(input.target)}${replayOptions} --property ${q(property.id)} --seed ${q(String(input.seed))}${input.path ? ` --path ${q(input.path)}` : ''}`;
  const rows = probes.map((p, i) => {
    const observed = summarize(observationsOf(failure, p).map(describeObservation));
    return `| ${i + 1} | \`${cell(formatProbeRef(p.from))}\` | \`${cell(formatProbeRef(p.to))}\` | ${cell(String(p.port))}/${p.protocol} | ${p.expect} | ${cell(observed)} |`;
  });
  const objects = state.namespaces.length + state.pods.length + state.services.length + state.policies.length;
  const limits: string[] = [];
  if (state.policies.some((pol) => [...(pol.ingress ?? []).flatMap((r) => r.from ?? []), ...(pol.egress ?? []).flatMap((r) => r.to ?? [])].some((peer) => peer.ipBlock))) {
    limits.push("- The policies use ipBlock CIDRs drawn around the case's pod IPs; a real cluster assigns its own pod IPs, so in `repro.sh` those blocks may cover other pods than in the case.");
  }
  const otherFailures = failure.probes.filter((r) => !r.ok && r.expected !== 'undefined' && (r.observation.outcome === 'delivered') === (r.expected === 'allow'));
  if (otherFailures.length > 0) {
    limits.push("- Some probes reached or missed their target as expected but failed on something else (who answered, or the address the receiver saw). `repro.sh` checks the address the receiver saw only for TCP from a pod to a pod served by netexec (its `/clientip`); compare the rest of the observation column by hand.");
  }
  // A case file holds allow/deny per probe: `check` can fail the same way only when reachability
  // itself was wrong, not when the failure is about the address seen or who answered.
  const checkComment = failure.probes.some(isReachabilityMismatch)
    ? `# the case file on the same target: fails the same way${input.fault ? '; without --fault it passes' : ''}`
    : "# the case file: this failure is not about allow/deny (which is all a case file states), so check passes on it; replay with run";
  return `# Repro: ${property.id}

${property.statement}

Upstream rule: ${property.rule}

Found by netprops on target \`${input.target}\`${input.fault ? ` with fault \`${input.fault}\`` : ''}, seed ${input.seed}${input.path ? `, path \`${input.path}\`` : ''}${failure.shrinks !== undefined ? `, after ${failure.shrinks} shrinks` : ''}:

> ${failure.message.replace(/\n/g, '\n> ')}

The shrunk case has ${count(objects, 'object', 'objects')} (${count(state.namespaces.length, 'Namespace', 'Namespaces')}, ${count(state.pods.length, 'Pod', 'Pods')}, ${count(state.services.length, 'Service', 'Services')}, ${count(state.policies.length, 'NetworkPolicy', 'NetworkPolicies')}) on ${count(state.nodes.length, 'node', 'nodes')}.

## Expected vs observed

"Expected" is what a conformant cluster does (the network model's verdict); "observed" is what the target did.

| # | from | to | port | expected | observed on ${cell(input.target)} |
|---|---|---|---|---|---|
${rows.join('\n')}

## Files

- \`case.yaml\`: the shrunk state and the probes above, as a netprops case file.
- \`manifests.yaml\`: only Kubernetes objects (agnhost pods serving the declared ports, Services, NetworkPolicies), for \`kubectl apply -f\`. Pods of one case node land on one real node and pods of different case nodes on different ones (required pod affinity on the \`netprops.dev/node\` label), so the cluster needs at least ${count(new Set(state.pods.map((p) => p.nodeName)).size, 'schedulable node', 'schedulable nodes')}.
- \`repro.sh\`: applies the manifests to the cluster kubectl points at, makes each probe with \`agnhost connect\`, prints expected versus observed, and deletes what it created.

## Replay

\`\`\`sh
# the same property, seed and path: fails the same way
${run}
${checkComment}
npx netprops check case.yaml --target ${q(input.target)}${replayOptions}
# a real cluster (use a scratch one): exit 1 when the cluster shows the failure, 0 when it conforms
./repro.sh
\`\`\`
${limits.length ? `\n## Limits\n\n${limits.join('\n')}\n` : ''}`;
}
