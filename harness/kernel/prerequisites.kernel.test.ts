// What a user without root or without the tools is told: one line naming what to install.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { checkPrerequisites } from './prerequisites.ts';
import { PrerequisiteError } from '../../cluster/errors.ts';

const isRoot = process.getuid?.() === 0;
const here = path.dirname(fileURLToPath(import.meta.url));

describe('kernel prerequisites', () => {
  it.skipIf(!isRoot)('tells a user who is not root that the kernel target needs root (checked as uid 65534)', () => {
    const script = `import { missingPrerequisites } from ${JSON.stringify(path.join(here, 'prerequisites.ts'))};
console.log(JSON.stringify(await missingPrerequisites({ binDirs: ['/usr/lib/cni'], plugins: [] })));`;
    const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx/esm'), '--input-type=module', '-e', script], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      env: { ...process.env, HOME: '/tmp' },
    });
    expect(r.stderr).toBe('');
    const missing = JSON.parse(r.stdout) as string[];
    expect(missing.some((m) => m.startsWith('root'))).toBe(true);
  });

  it('names the Debian package of missing CNI plugins, in one line', async () => {
    const err = await checkPrerequisites({ binDirs: ['/nonexistent'], plugins: ['bridge', 'host-local'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrerequisiteError);
    expect((err as Error).message).toMatch(/CNI plugins bridge, host-local in \/nonexistent \(apt-get install -y containernetworking-plugins\)/);
    expect((err as Error).message.split('\n')).toHaveLength(1);
  });
});
