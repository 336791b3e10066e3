// `netprops run --target cluster --dry-run`: what a run would do, without a cluster. For each case it
// writes the schema-checked manifests (as kubectl would apply them) and the probes with the exact
// exec each would run. Addresses in the plan are the case's own (the model's allocation): a real
// cluster assigns its own pod IPs and ClusterIPs, and the harness re-reads them after applying.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { kubectlYaml } from '../../cluster/kubectl-yaml.ts';
import type { ClusterState, Observation, Probe } from '../../cluster/types.ts';
import { podKey } from '../../cluster/types.ts';
import type { AppliedState } from '../harness.ts';
import { CLUSTER_CAPABILITIES } from './capabilities.ts';
import type { ClusterSettings } from './cluster-settings.ts';
import type { ClusterHarness } from './harness.ts';
import { clusterManifests } from './manifests.ts';
import { probeExec, type ProbeContext } from './probe-command.ts';
import { nodeAgentNamespace } from './run-names.ts';
import { assertSchemaValid } from './schema.ts';

export const DEFAULT_PLAN_DIR = 'netprops-report/cluster-plan';

export interface PlannedCase {
  state: ClusterState;
  probes: Probe[];
}

export interface ClusterPlan {
  /** Files written (manifests.yaml and plan.txt per case). */
  files: string[];
  /** The printable plan. */
  text: string;
}

/** A manifest stream as `kubectl apply -f` reads it. */
export function manifestsYAML(objects: readonly object[]): string {
  return objects.map((o) => kubectlYaml(o)).join('---\n');
}

function probeLine(probe: Probe, state: ClusterState, runId: string): string {
  const from = probe.from.kind === 'pod' ? podKey(probe.from) : `node:${probe.from.name}`;
  const to = probe.to.kind === 'pod' ? podKey(probe.to) : probe.to.kind === 'service' ? `svc:${podKey(probe.to)}` : `ip:${probe.to.ip}`;
  const ctx: ProbeContext = {
    state,
    runId,
    nodeAgents: Object.fromEntries(state.nodes.map((n) => [n.name, { namespace: nodeAgentNamespace(runId), pod: `node-agent-<node of ${n.name}>` }])),
    timeoutSeconds: 2,
  };
  const exec = probeExec(probe, ctx);
  const how = 'command' in exec ? `exec ${exec.namespace}/${exec.pod}: ${exec.command.join(' ')}` : `not run: ${exec.detail}`;
  return `  ${from} -> ${to} ${probe.port}/${probe.protocol}   ${how}`;
}

/** Writes one case's plan under dir and returns its text. */
async function writeCasePlan(dir: string, c: PlannedCase, runId: string, image: string | undefined, files: string[]): Promise<string> {
  const objects = clusterManifests(c.state, { runId, ...(image ? { image } : {}) });
  assertSchemaValid(objects);
  await mkdir(dir, { recursive: true });
  const manifests = path.join(dir, 'manifests.yaml');
  await writeFile(manifests, manifestsYAML(objects));
  const count = (kind: string) => objects.filter((o) => o.kind === kind).length;
  const text = [
    `${dir}: ${count('Namespace')} namespaces, ${count('Pod')} pods, ${count('Service')} services, ${count('NetworkPolicy')} network policies; ${c.probes.length} probes`,
    ...c.probes.map((p) => probeLine(p, c.state, runId)),
  ].join('\n');
  const planFile = path.join(dir, 'plan.txt');
  await writeFile(planFile, `${text}\n`);
  files.push(manifests, planFile);
  return text;
}

export async function planClusterRun(input: { cases: PlannedCase[]; runId: string; image?: string; outDir: string }): Promise<ClusterPlan> {
  const files: string[] = [];
  const texts: string[] = [];
  for (const [i, c] of input.cases.entries()) {
    texts.push(await writeCasePlan(path.join(input.outDir, `case-${i + 1}`), c, input.runId, input.image, files));
  }
  return { files, text: texts.join('\n') };
}

/**
 * The harness for --dry-run: apply() writes a case's manifests, probe() writes its probes, and every
 * observation is 'unsupported' (nothing was probed), so no property can pass or fail on it.
 */
export function createDryRunHarness(runId: string, settings: ClusterSettings, out: NodeJS.WritableStream = process.stdout): ClusterHarness {
  const outDir = settings.out ? path.join(settings.out, 'cluster-plan') : DEFAULT_PLAN_DIR;
  let n = 0;
  let current: ClusterState | undefined;
  let pendingProbes: Probe[] = [];
  const files: string[] = [];
  const flush = async () => {
    if (!current) return;
    const text = await writeCasePlan(path.join(outDir, `case-${n}`), { state: current, probes: pendingProbes }, runId, settings.image, files);
    out.write(`${text}\n`);
    current = undefined;
    pendingProbes = [];
  };
  return {
    target: 'cluster',
    dryRun: true,
    // A dry run reads no interface: properties that need one are skipped, not failed.
    capabilities: new Set([...CLUSTER_CAPABILITIES].filter((c) => c !== 'interface-ips' && c !== 'dns')),
    runId,
    async apply(state: ClusterState): Promise<AppliedState> {
      await flush();
      n++;
      current = state;
      return { state, interfaceIPs: {} };
    },
    async probe(probes: Probe[]): Promise<Observation[]> {
      pendingProbes.push(...probes);
      return probes.map(() => ({ outcome: 'unsupported', detail: 'dry run: planned, not probed' }));
    },
    async teardown(): Promise<void> {
      await flush();
      if (n > 0) out.write(`dry run: ${n} case(s) planned in ${outDir}; nothing was applied or probed\n`);
      n = 0;
    },
  };
}
