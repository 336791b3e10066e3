// Every test's temporary files under one directory of the test run (TMPDIR for the workers and what
// they start), removed when the run ends, so `npm test` leaves nothing in /tmp. A mount still under
// it (a kernel test that leaked one) keeps it, with a line saying so: removing files under a live
// mount would reach into what is mounted there.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mountsUnder } from './local-cluster/host.ts';

const OWNER = 'NETPROPS_TEST_TMPDIR';

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
    const left = mountsUnder(dir);
    if (left.length > 0) {
      process.stderr.write(`netprops tests: ${left.length} mount(s) left under ${dir} (${left.slice(0, 3).join(', ')}): the directory is kept\n`);
      return;
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
