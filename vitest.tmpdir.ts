// Every test's temporary files under one directory of the test run (TMPDIR for the workers and what
// they start), removed when the run ends, so `npm test` leaves nothing in /tmp. A mount still under
// it (a kernel test that leaked one) keeps it, with a line saying so: removing files under a live
// mount would reach into what is mounted there.
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const OWNER = 'NETPROPS_TEST_TMPDIR';

/** Mount points at or under dir (/proc/self/mountinfo's fifth field, octal escapes undone). */
export function mountsUnder(dir: string, mountinfo: string): string[] {
  return mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((m): m is string => m !== undefined)
    .map((m) => m.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))))
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
}

export default function setup(): (() => void) | undefined {
  // Each project of the workspace runs this; the first one owns the directory.
  if (process.env[OWNER]) return undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netprops-test-'));
  // As /tmp itself: tests that run a step as an unprivileged user (nobody) write their temporary files here too.
  chmodSync(dir, 0o1777);
  const before = process.env.TMPDIR;
  process.env[OWNER] = dir;
  process.env.TMPDIR = dir;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    delete process.env[OWNER];
    let mountinfo = '';
    try {
      mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
    } catch {
      // not Linux: no mounts to mind
    }
    const left = mountsUnder(dir, mountinfo);
    if (left.length > 0) {
      process.stderr.write(`netprops tests: ${left.length} mount(s) left under ${dir} (${left.slice(0, 3).join(', ')}): the directory is kept\n`);
      return;
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
