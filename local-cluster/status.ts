// `netprops local-cluster status`: which of the cluster's processes run and which nodes are Ready.
import path from 'node:path';
import { PrerequisiteError } from '../cluster/errors.ts';
import { localClusterApi, nodeReady } from './api.ts';
import { isAlive } from './processes.ts';
import { readState } from './state.ts';

export async function status(dir: string): Promise<{ healthy: boolean; lines: string[] }> {
  const state = readState(dir);
  if (!state) throw new PrerequisiteError(`no local cluster in ${path.resolve(dir)} (no state.json)`);
  const lines = [`cluster ${state.id} in ${state.dir}: ${state.phase}, ${state.options.nodes} nodes, ${state.options.network}, kube-proxy ${state.options.proxyMode}`, `kubeconfig ${path.join(state.dir, 'kubeconfig')}`];
  let healthy = state.phase === 'running';
  for (const d of state.daemons) {
    const alive = isAlive(d);
    healthy &&= alive;
    lines.push(`  ${alive ? 'running' : 'EXITED '} ${d.component} (pid ${d.pid})${alive ? '' : `: see ${d.log}`}`);
  }
  try {
    const nodes = await localClusterApi(path.join(state.dir, 'kubeconfig')).nodes();
    for (const n of nodes) {
      const ready = nodeReady(n);
      healthy &&= ready;
      lines.push(`  node ${n.metadata?.name}: ${ready ? 'Ready' : 'NotReady'} podCIDR ${n.spec?.podCIDR ?? '-'}`);
    }
  } catch (err) {
    healthy = false;
    lines.push(`  API server not answering: ${(err as Error).message.split('\n')[0]}`);
  }
  return { healthy, lines };
}
