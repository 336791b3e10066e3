// `npm run bench -- model`: the reference model through the API that ships (buildModel, predict,
// predictAll, podMatrix) at 500, 1,000, 2,000, 5,000 and 10,000 pods (`--pods 500,2000` for some),
// with pods/10 and pods/5 policies (`--ratio 10` for one) and pods/10 Services (100 to 1,000). Each
// size runs in a process of its own (bench/model-scale.ts), so its peak memory is its own.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Bench, BenchRow } from './bench.ts';
import { sizesOption } from './bench.ts';
import type { ScaleFigures } from './model-scale.ts';

const SIZES = [500, 1000, 2000, 5000, 10_000];
const scale = fileURLToPath(new URL('./model-scale.ts', import.meta.url));
const fmt = (n: number) => n.toLocaleString('en');

function run(pods: number, policies: number, services: number): ScaleFigures {
  // The child inherits tsx's loader through execArgv, as `npm run bench` started this process.
  const out = execFileSync(process.execPath, [...process.execArgv, scale, String(pods), String(policies), String(services)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as ScaleFigures;
}

export const bench: Bench = async (options) => {
  const sizes = sizesOption(options, 'pods', SIZES);
  const ratios = sizesOption(options, 'ratio', [10, 5]);
  const rows: BenchRow[] = [];
  const loads: number[] = [];
  for (const pods of sizes) {
    for (const ratio of ratios) {
      const policies = Math.round(pods / ratio);
      const services = Math.min(1000, Math.max(100, Math.round(pods / 10)));
      loads.push(os.loadavg()[0]);
      const f = run(pods, policies, services);
      const at = `${fmt(pods)} pods, ${fmt(policies)} policies, ${fmt(services)} Services`;
      // The targets are set at 10,000 pods x 1,000 policies: a full matrix under 2 s and 1 GB.
      const headline = pods === 10_000 && policies === 1000;
      const matrixCpu = f.buildCpuMs + f.matrixCpuMs;
      rows.push(
        { name: `${at}: buildModel (wall / CPU)`, value: f.buildMs, unit: `ms / ${f.buildCpuMs.toFixed(0)} ms CPU` },
        {
          name: `${at}: podMatrix(), ${fmt(f.verdicts)} verdicts (wall / CPU; build + matrix CPU ${matrixCpu.toFixed(0)} ms)`,
          value: f.matrixMs,
          unit: `ms / ${f.matrixCpuMs.toFixed(0)} ms CPU`,
          ...(headline ? { target: 'build + matrix < 2000 ms CPU', met: matrixCpu < 2000 } : {}),
        },
        {
          name: `${at}: peak RSS of the process (state alone: ${f.stateRssMB.toFixed(0)} MB)`,
          value: f.peakRssMB,
          unit: 'MB',
          ...(headline ? { target: '< 1024 MB', met: f.peakRssMB < 1024 } : {}),
        },
        {
          name: `${at}: predict(), pod to pod (${fmt(f.podProbes)} random probes in steps of 200; wall / CPU)`,
          value: f.podPredictUs,
          unit: `µs / ${f.podPredictCpuUs.toFixed(2)} µs CPU each`,
        },
        {
          name: `${at}: predict(), the same pod-to-pod probes again (admissions built; CPU)`,
          value: f.warmPodPredictCpuUs,
          unit: 'µs CPU each',
          ...(headline ? { target: '< 1 µs CPU', met: f.warmPodPredictCpuUs < 1 } : {}),
        },
        {
          name: `${at}: predict(), pod to Service (${fmt(f.serviceProbes)} random probes in steps of 200; wall / CPU)`,
          value: f.servicePredictUs,
          unit: `µs / ${f.servicePredictCpuUs.toFixed(2)} µs CPU each`,
        },
        { name: `${at}: verdicts allow / deny / undefined`, value: f.counts.allow, unit: `/ ${f.counts.deny} / ${f.counts.undefined}` },
      );
      if (f.matrixByPredictMs !== undefined) {
        rows.push({ name: `${at}: the same matrix as predictAll() over one probe per cell, for comparison`, value: f.matrixByPredictMs, unit: 'ms (wall)' });
        rows.push({ name: `${at}: that per verdict`, value: (f.matrixByPredictMs * 1000) / f.verdicts, unit: 'µs (wall)' });
      }
    }
  }
  // Wall times depend on what else runs on the cores: say how busy they were.
  const load = `load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} on ${os.cpus().length} cores`;
  return { title: `Reference model, shipped API, seeded states over 20 namespaces (${load})`, rows };
};
