// Named network namespaces (/run/netns/<name>), made and removed in batches: one `ip -batch`
// process for any number of them, since a spawn costs more than the kernel work.
import { readdir } from 'node:fs/promises';
import { mustRun, runCommand } from './command.ts';

export async function addNetns(names: string[]): Promise<void> {
  if (names.length === 0) return;
  await mustRun(['ip', '-batch', '-'], { input: names.map((n) => `netns add ${n}\n`).join('') });
}

/** Removes the names; the kernel frees a namespace once no process or socket holds it. */
export async function deleteNetns(names: string[]): Promise<void> {
  if (names.length === 0) return;
  // -force: go on past a name that is already gone (a repeated teardown).
  await runCommand(['ip', '-force', '-batch', '-'], { input: names.map((n) => `netns del ${n}\n`).join('') });
}

export async function listNetns(): Promise<string[]> {
  try {
    return await readdir('/run/netns');
  } catch {
    return [];
  }
}

/** Processes living in the namespace (what `ip netns pids` prints). */
export async function netnsPids(name: string): Promise<number[]> {
  const r = await runCommand(['ip', 'netns', 'pids', name]);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}

/** Runs `argv` inside the namespace. */
export function inNetns(name: string, argv: string[]): string[] {
  return ['ip', 'netns', 'exec', name, ...argv];
}
