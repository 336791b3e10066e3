// Evidence for a probe the kernel answered unexpectedly: with NETPROPS_KERNEL_DEBUG=<file>, every
// probe that times out appends what the involved namespaces held right after it (neighbours,
// routes, bridge forwarding entries, conntrack, rules with counters, sockets, TCP/IP counters) to
// that file, so a flaky timeout can be reasoned about after the run. Off unless the variable is set.
import { appendFile } from 'node:fs/promises';
import { runCommand } from './command.ts';
import { inNetns } from './namespaces.ts';

/** The dump file, or undefined when debugging is off. */
export function evidenceFile(): string | undefined {
  const v = process.env.NETPROPS_KERNEL_DEBUG;
  return v && v !== '0' ? v : undefined;
}

const COMMANDS: string[][] = [
  ['ip', '-s', 'neigh', 'show'],
  ['ip', 'route', 'show'],
  ['ip', '-br', 'addr'],
  ['ip', '-d', '-br', 'link'],
  ['bridge', 'fdb', 'show'],
  ['conntrack', '-L'],
  ['nft', 'list', 'ruleset'],
  ['iptables-save', '-c'],
  ['ss', '-tanoi'],
  ['nstat', '-asz'],
];

/** Appends, for each namespace, the output of every evidence command, headed by `title`. */
export async function dumpEvidence(file: string, title: string, namespaces: string[]): Promise<void> {
  const parts: string[] = [`===== ${new Date().toISOString()} ${title}`];
  for (const netns of [...new Set(namespaces)]) {
    const outputs = await Promise.all(COMMANDS.map((argv) => runCommand(inNetns(netns, argv)).catch((e: Error) => ({ code: 1, stdout: '', stderr: e.message }))));
    COMMANDS.forEach((argv, i) => {
      const r = outputs[i];
      parts.push(`--- ${netns}: ${argv.join(' ')} (exit ${r.code})`, r.stdout.trimEnd(), r.stderr.trimEnd());
    });
  }
  await appendFile(file, parts.filter((p) => p !== '').join('\n') + '\n');
}
