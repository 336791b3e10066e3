// `netprops local-cluster up|status|down`: a real Kubernetes cluster on this host (root, Linux),
// built from upstream sources, for the cluster target to run against.
import { Command, Option } from 'commander';
import { UsageError } from '../cluster/errors.ts';
import { NETWORKS, POLICIES, PROXY_MODES, DEFAULT_OPTIONS, type Network, type PolicyEnforcer, type ProxyMode } from '../local-cluster/layout.ts';
import type { ExitWith } from './main.ts';

const DEFAULT_DIR = '.netprops/local-cluster';

export function localClusterCommand(exitWith: ExitWith): Command {
  const cmd = new Command('local-cluster').description('a real Kubernetes cluster on this host, built from upstream sources (root, Linux)').exitOverride();
  cmd
    .command('up')
    .description('build (cached), start and wait until every node is Ready and cluster DNS answers; prints the kubeconfig path')
    .option('--nodes <n>', 'number of nodes', String(DEFAULT_OPTIONS.nodes))
    .addOption(new Option('--network <name>', 'pod network').choices([...NETWORKS]).default(DEFAULT_OPTIONS.network))
    .addOption(new Option('--kube-proxy <mode>', 'kube-proxy mode').choices([...PROXY_MODES]).default(DEFAULT_OPTIONS.proxyMode))
    .addOption(new Option('--policy <name>', 'NetworkPolicy enforcement (kube-router: firewall-only beside routes and flannel, its own with --network kube-router)').choices([...POLICIES]).default(DEFAULT_OPTIONS.policy))
    .option('--dir <dir>', 'folder for the cluster (state, certificates, logs, kubeconfig)', DEFAULT_DIR)
    .action(async (o: { nodes: string; network: Network; kubeProxy: ProxyMode; policy: PolicyEnforcer; dir: string }) => {
      const nodes = Number(o.nodes);
      if (!Number.isInteger(nodes) || nodes < 1 || nodes > 50) throw new UsageError(`--nodes: a whole number from 1 to 50, not '${o.nodes}'`);
      const { up } = await import('../local-cluster/up.ts');
      const t0 = Date.now();
      const r = await up({ dir: o.dir, nodes, network: o.network, proxyMode: o.kubeProxy, policy: o.policy, say: (l) => process.stderr.write(`local-cluster: ${l}\n`) });
      process.stderr.write(`local-cluster: up in ${((Date.now() - t0) / 1000).toFixed(1)} s (${nodes} nodes, ${o.network}, kube-proxy ${o.kubeProxy}, policy ${o.policy})\n`);
      process.stdout.write(`${r.kubeconfig}\n`);
      exitWith(0);
    });
  cmd
    .command('status')
    .description("the cluster's processes and nodes")
    .option('--dir <dir>', 'the cluster folder', DEFAULT_DIR)
    .action(async (o: { dir: string }) => {
      const { status } = await import('../local-cluster/status.ts');
      const s = await status(o.dir);
      process.stdout.write(s.lines.join('\n') + '\n');
      exitWith(s.healthy ? 0 : 3);
    });
  cmd
    .command('down')
    .description('stop every process and remove every namespace, mount, cgroup, rule and file the cluster made')
    .option('--dir <dir>', 'the cluster folder', DEFAULT_DIR)
    .action(async (o: { dir: string }) => {
      const { down } = await import('../local-cluster/down.ts');
      const r = await down({ dir: o.dir, say: (l) => process.stderr.write(`local-cluster: ${l}\n`) });
      process.stderr.write(`local-cluster: ${r?.id} is down\n`);
      exitWith(0);
    });
  return cmd;
}
