// The cluster's daemons: each started detached in its node's network namespace (nsenter --net, so
// that it stays in the host's mount namespace: the kubelet's volume mounts must be seen by
// containerd and runc), its output in logs/<component>.log, its pid and start time in the state so
// that `down` and `gc` stop exactly the processes this cluster started, never a reused pid.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processStartTime } from '../harness/kernel/run.ts';

export interface Daemon {
  component: string;
  pid: number;
  /** Field 22 of /proc/<pid>/stat: tells a process from a later one with the same pid. */
  startTime: string;
  log: string;
}

// A pid's start time, as the kernel target's owner files keep it (one reading of /proc/<pid>/stat).
export { processStartTime } from '../harness/kernel/run.ts';

export function isAlive(d: Pick<Daemon, 'pid' | 'startTime'>): boolean {
  return processStartTime(d.pid) === d.startTime;
}

export interface StartOptions {
  component: string;
  netns?: string;
  binary: string;
  args: string[];
  env?: Record<string, string>;
  logsDir: string;
}

export function startDaemon(o: StartOptions): Daemon {
  const log = path.join(o.logsDir, `${o.component}.log`);
  const fd = openSync(log, 'a');
  const [cmd, args] = o.netns ? ['nsenter', [`--net=/run/netns/${o.netns}`, '--', o.binary, ...o.args]] : [o.binary, o.args];
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...o.env } });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${o.component}`);
  const startTime = processStartTime(child.pid) ?? '';
  return { component: o.component, pid: child.pid, startTime, log };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopDaemon(d: Daemon, graceMs = 5000): Promise<void> {
  if (!isAlive(d)) return;
  try {
    process.kill(d.pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(d) && Date.now() < deadline) await sleep(100);
  if (isAlive(d)) {
    try {
      process.kill(d.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    while (isAlive(d)) await sleep(50);
  }
}

/** Pids of processes whose command line contains `needle` (the shims of a node's containerd). */
export function processesMatching(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(needle)) pids.push(Number(entry));
    } catch {
      /* exited */
    }
  }
  return pids;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
