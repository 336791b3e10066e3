// A failure becomes a folder a person can act on: case.yaml (netprops replays it), manifests.yaml
// (any cluster applies it), repro.sh (replays the probes there) and README.md (what failed and how
// to replay it). A pure function of the failure, written to disk.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { encodeCase } from '../../cluster/case-file.ts';
import { reproManifests } from './manifests.ts';
import { reproReadme } from './readme.ts';
import { reproScript } from './script.ts';
import type { ReproInput } from './repro-input.ts';

export type { ReproInput } from './repro-input.ts';

export const REPRO_FILES = ['case.yaml', 'manifests.yaml', 'repro.sh', 'README.md'] as const;

export async function writeRepro(dir: string, input: ReproInput): Promise<void> {
  const { counterexample } = input.failure;
  const manifests = reproManifests(counterexample.state, counterexample.probes);
  const header = `# netprops repro of ${input.property.id} (target ${input.target}${input.fault ? `, fault ${input.fault}` : ''}, seed ${input.seed}); see README.md\n`;
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'case.yaml'), header + encodeCase(counterexample));
  await writeFile(path.join(dir, 'manifests.yaml'), header + manifests.objects.map((o) => stringify(o)).join('---\n'));
  const script = path.join(dir, 'repro.sh');
  await writeFile(script, reproScript(input, manifests));
  await chmod(script, 0o755);
  await writeFile(path.join(dir, 'README.md'), reproReadme(input));
}
