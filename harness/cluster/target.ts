// The cluster target's descriptor (harness/target.ts).
import type { TargetDescriptor } from '../target.ts';

export const clusterTarget: TargetDescriptor = {
  name: 'cluster',
  description: 'a live Kubernetes cluster through its API (agnhost pods, server-side apply, exec)',
  settings: [
    { flag: '--kubeconfig <file>', key: 'kubeconfig', description: 'cluster: the kubeconfig to use (default $KUBECONFIG)' },
    { flag: '--context <name>', key: 'context', description: 'cluster: the kubeconfig context' },
    { flag: '--image <ref>', key: 'image', description: 'cluster: the agnhost image for pods' },
    { flag: '--cni-profile <name|file>', key: 'cniProfile', description: "cluster: the CNI profile declaring the implementation's legitimate choices" },
    { flag: '--concurrency <n>', key: 'concurrency', description: 'cluster: probe execs in flight at once (one per source pod, up to 16 probes each)' },
    { flag: '--keep', key: 'keep', description: "cluster: leave the run's namespaces in place at teardown (debugging)" },
    { flag: '--request-timeout <duration>', key: 'requestTimeout', description: 'cluster: how long one API request may take to be answered (default 30s; connect and TLS get at most 10s)' },
  ],
  // A real cluster brings its own faults.
  faults: async () => [],
  needs: { podUniverse: true },
  // A case costs seconds on a cluster (pods, policies and waiting for enforcement): 3 runs of every
  // property take 5 to 7 min on a 3-node local cluster (README), where 200 would take hours and the
  // model's 60 s limit would cut most properties to a run or two. The limit only stops a runaway
  // property or an overlong shrink.
  runDefaults: { runs: 3, timeLimit: '10m' },
  create: async (options) => (await import('./harness.ts')).createClusterHarness(options),
  // Only namespaces of runs whose lease expired; it can list them first (--dry-run).
  gc: { local: false, sweeper: async (settings) => ({ ...(await import('./gc.ts')).clusterSweeper(settings), canDryRun: true }) },
};
