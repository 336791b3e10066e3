// Many probes from one pod in one exec. Each exec costs the API server, the kubelet and the
// container runtime far more than the probe itself (on the local cluster a probe that agreed at
// once took 3.7 to 6.5 s at the p50, almost all of it the exec): so the probes a pod makes in one
// round run side by side inside one `sh -c`, each command exactly as it would run alone, and the
// shell prints each one's stdout, stderr and exit status in frames keyed by a random nonce (no
// probe's output can forge a frame). Only sh, mkdir, cat, printf and rm are used: upstream's agnhost
// image (Alpine's busybox) and the local one (busybox-static) both have them.
import type { ExecResult } from './api-client.ts';

/** The first line of every batch script, so a reader (the fake API server) can tell one. */
export const BATCH_MARKER = '# netprops probe batch';

/** At most this many probes share one exec: the processes run at once inside the pod. */
export const MAX_PROBES_PER_EXEC = 16;

/** One word for sh: single-quoted, any `'` closed, escaped and reopened. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The exec running every command at once; `nonce` keys its output frames. */
export function batchCommand(commands: string[][], nonce: string): string[] {
  if (!/^[0-9a-f]{16,}$/.test(nonce)) throw new Error(`batch nonce must be 16 or more hex digits, not ${nonce}`);
  if (commands.length === 0) throw new Error('a batch of no commands');
  const lines = [`${BATCH_MARKER} ${nonce}`, 'd=/tmp/netprops-probes.$$', 'mkdir "$d" || exit 125'];
  commands.forEach((command, i) => lines.push(`(${command.map(shellQuote).join(' ')} >"$d/${i}.o" 2>"$d/${i}.e" </dev/null; echo $? >"$d/${i}.x") &`));
  lines.push('wait');
  lines.push(`i=0; while [ $i -lt ${commands.length} ]; do for s in o e x; do printf '\\n%s %s %s\\n' ${nonce} $i $s; cat "$d/$i.$s"; done; i=$((i+1)); done`);
  lines.push('rm -rf "$d"');
  return ['/bin/sh', '-c', lines.join('\n')];
}

/** The nonce and commands of a batch script, as batchCommand got them (for the fake API server). */
export function parseBatch(script: string): { nonce: string; commands: string[][] } | undefined {
  if (!script.startsWith(BATCH_MARKER)) return undefined;
  const lines = script.split('\n');
  const commands = lines
    .filter((l) => l.startsWith('('))
    .map((l) => [...l.slice(1, l.indexOf(' >"$d/')).matchAll(/'((?:[^']|'\\'')*)'/g)].map((m) => m[1].replaceAll(`'\\''`, "'")));
  return { nonce: lines[0].slice(BATCH_MARKER.length + 1), commands };
}

/**
 * Which probes run together: the indices of those with the same source (namespace/pod/container;
 * undefined for a probe that needs no exec), in order, at most `max` per batch.
 */
export function execBatches(sources: (string | undefined)[], max = MAX_PROBES_PER_EXEC): number[][] {
  const bySource = new Map<string, number[]>();
  sources.forEach((source, i) => {
    if (source === undefined) return;
    const indices = bySource.get(source);
    if (indices) indices.push(i);
    else bySource.set(source, [i]);
  });
  const batches: number[][] = [];
  for (const indices of bySource.values()) for (let b = 0; b < indices.length; b += max) batches.push(indices.slice(b, b + max));
  return batches;
}

/** The output a batch script prints for these results (for the fake API server). */
export function batchOutput(results: ExecResult[], nonce: string): string {
  return results.map((r, i) => `\n${nonce} ${i} o\n${r.stdout}\n${nonce} ${i} e\n${r.stderr}\n${nonce} ${i} x\n${r.exitCode}\n`).join('');
}

/** Each command's result from the batch's stdout; a frame missing or garbled is a bug: it throws. */
export function splitBatchOutput(stdout: string, nonce: string, count: number): ExecResult[] {
  const frames = new Map<string, string>();
  const re = new RegExp(`\\n${nonce} (\\d+) ([oex])\\n`, 'g');
  const marks = [...stdout.matchAll(re)];
  marks.forEach((m, j) => {
    const end = j + 1 < marks.length ? marks[j + 1].index : stdout.length;
    frames.set(`${m[1]} ${m[2]}`, stdout.slice(m.index + m[0].length, end));
  });
  return Array.from({ length: count }, (_, i) => {
    const [out, err, exit] = ['o', 'e', 'x'].map((s) => frames.get(`${i} ${s}`));
    const code = exit?.trim() ?? '';
    if (out === undefined || err === undefined || !/^\d+$/.test(code)) {
      throw new Error(`probe batch: no output frame for command ${i} of ${count} (exit status ${JSON.stringify(code)}): ${JSON.stringify(stdout.slice(0, 400))}`);
    }
    return { exitCode: Number(code), stdout: out, stderr: err };
  });
}
