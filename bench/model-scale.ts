// One size of the model benchmark, run in a process of its own so that its peak memory is its own:
// `tsx bench/model-scale.ts PODS POLICIES SERVICES` prints one JSON line of figures. Everything goes
// through the shipped API (buildModel, predict, predictAll, podMatrix).
import { performance } from 'node:perf_hooks';
import type { Probe } from '../cluster/types.ts';
import { buildModel } from '../harness/model/model.ts';
import { seededRandom } from '../harness/model/seeded-random.ts';
import { largeState } from './large-state.ts';

export interface ScaleFigures {
  pods: number;
  policies: number;
  services: number;
  stateMs: number;
  buildMs: number;
  buildCpuMs: number;
  matrixMs: number;
  matrixCpuMs: number;
  verdicts: number;
  counts: { allow: number; deny: number; undefined: number };
  /** Peak resident set of this process (state, model, matrix and Node itself), in MB. */
  peakRssMB: number;
  /** The same before the model was built: Node, tsx and the state alone. */
  stateRssMB: number;
  podProbes: number;
  /** Per probe, in batches of one step's size (predictions dropped after each batch, as a run does). */
  podPredictUs: number;
  podPredictCpuUs: number;
  /** The same probes again as fresh objects (no memo hit): every admission they need already built. */
  warmPodPredictCpuUs: number;
  servicePredictUs: number;
  servicePredictCpuUs: number;
  serviceProbes: number;
  /** predictAll over every cell's probe of the matrix, in steps (only up to 1,000 pods: it is per probe). */
  matrixByPredictMs?: number;
}

function timed<T>(f: () => T): [T, number, number] {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const v = f();
  const c = process.cpuUsage(c0);
  return [v, performance.now() - t0, (c.user + c.system) / 1000];
}

const peakMB = () => process.resourceUsage().maxRSS / 1024;

/** predictAll over `probes` in batches of `STEP` (about one generated step's probes), keeping only counts. */
const STEP = 200;
function predictInSteps(model: ReturnType<typeof buildModel>, probes: Probe[]): number {
  let allowed = 0;
  for (let i = 0; i < probes.length; i += STEP) {
    for (const p of model.predictAll(probes.slice(i, i + STEP))) if (p.verdict === 'allow') allowed++;
  }
  return allowed;
}

export function measure(pods: number, policies: number, services: number): ScaleFigures {
  const [state, stateMs] = timed(() => largeState({ pods, namespaces: 20, policies, services }));
  const stateRssMB = peakMB();
  const [model, buildMs, buildCpuMs] = timed(() => buildModel(state));
  const [matrix, matrixMs, matrixCpuMs] = timed(() => model.podMatrix());
  const verdicts = matrix.cells.length;
  const counts = matrix.counts;
  const peakRssMB = peakMB();

  // Fresh probe objects (predict memoizes per probe object), sources and destinations drawn at random.
  const rnd = seededRandom(7);
  const int = (n: number) => Math.floor(rnd() * n);
  const ref = (i: number) => ({ namespace: state.pods[i].namespace, name: state.pods[i].name });
  const podProbes: Probe[] = Array.from({ length: 200_000 }, () => {
    const dst = state.pods[int(pods)];
    const port = dst.ports[int(dst.ports.length)];
    return { from: { kind: 'pod', ...ref(int(pods)) }, to: { kind: 'pod', namespace: dst.namespace, name: dst.name }, port: port.containerPort, protocol: port.protocol };
  });
  const [, podMs, podCpu] = timed(() => predictInSteps(model, podProbes));
  const again = podProbes.map((p) => ({ ...p }));
  const [, , warmCpu] = timed(() => predictInSteps(model, again));
  const serviceProbes: Probe[] = Array.from({ length: 50_000 }, () => {
    const svc = state.services[int(services)];
    return { from: { kind: 'pod', ...ref(int(pods)) }, to: { kind: 'service', namespace: svc.namespace, name: svc.name }, port: 80, protocol: 'TCP' };
  });
  const [, svcMs, svcCpu] = timed(() => predictInSteps(model, serviceProbes));

  let matrixByPredictMs: number | undefined;
  if (pods <= 1000) {
    const all: Probe[] = [];
    for (const src of state.pods) {
      for (const dst of state.pods) {
        for (const cp of dst.ports) all.push({ from: { kind: 'pod', namespace: src.namespace, name: src.name }, to: { kind: 'pod', namespace: dst.namespace, name: dst.name }, port: cp.containerPort, protocol: cp.protocol });
      }
    }
    const fresh = buildModel(state);
    [, matrixByPredictMs] = timed(() => predictInSteps(fresh, all));
  }
  return {
    pods,
    policies,
    services,
    stateMs,
    buildMs,
    buildCpuMs,
    matrixMs,
    matrixCpuMs,
    verdicts,
    counts,
    peakRssMB,
    stateRssMB,
    podProbes: podProbes.length,
    podPredictUs: (podMs * 1000) / podProbes.length,
    podPredictCpuUs: (podCpu * 1000) / podProbes.length,
    warmPodPredictCpuUs: (warmCpu * 1000) / again.length,
    serviceProbes: serviceProbes.length,
    servicePredictUs: (svcMs * 1000) / serviceProbes.length,
    servicePredictCpuUs: (svcCpu * 1000) / serviceProbes.length,
    matrixByPredictMs,
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const [pods, policies, services] = process.argv.slice(2).map(Number);
  process.stdout.write(`${JSON.stringify(measure(pods, policies, services))}\n`);
}
