// Loading compiled rules into a node's namespace, each in one atomic transaction: nft scripts with
// `nft -f -`, kube-proxy's iptables input with `iptables-restore --noflush` (which, like kube-proxy,
// replaces the chains it declares and leaves everything else alone). conntrack is flushed when
// Services or policies change, as kube-proxy clears entries of removed endpoints: otherwise a UDP
// flow keeps its old translation (and an established flow its old verdict).
import { mustRun, runCommand } from './command.ts';
import { inNetns } from './namespaces.ts';

export async function loadNftables(netns: string, script: string): Promise<void> {
  await mustRun(inNetns(netns, ['nft', '-f', '-']), { input: script });
}

export async function loadIptables(netns: string, input: string): Promise<void> {
  await mustRun(inNetns(netns, ['iptables-restore', '--noflush']), { input });
}

export async function flushConntrack(netns: string): Promise<void> {
  const r = await runCommand(inNetns(netns, ['conntrack', '-F']));
  if (r.code !== 0 && !/0 flow entries/.test(r.stderr)) throw new Error(`conntrack -F in ${netns}: ${r.stderr.trim()}`);
}
