// A failure becomes a folder a person can act on: case.yaml (netprops replays it), manifests.yaml
// (any cluster applies it), repro.sh (replays the probes there) and README.md (what failed and how
// to replay it). A pure function of the failure, written to disk without following links and each
// file whole (reports/out-dir.ts).
import path from 'node:path';
import { kubectlYaml } from '../../cluster/kubectl-yaml.ts';
import { encodeCase } from '../../cluster/case-file.ts';
import { reproManifests } from './manifests.ts';
import { reproReadme } from './readme.ts';
import { reproScript, scriptComment } from './script.ts';
import { REPRO_FOLDER_FILES, ensureOwnFolders, writeOutputFile } from '../out-dir.ts';
import type { ReproInput } from './repro-input.ts';

export type { ReproInput } from './repro-input.ts';

export const REPRO_FILES = REPRO_FOLDER_FILES;

export async function writeRepro(dir: string, input: ReproInput): Promise<void> {
  const { counterexample } = input.failure;
  const manifests = reproManifests(counterexample.state, counterexample.probes);
  // One comment line whatever the strings hold: a newline in one must not become YAML.
  const header = `${scriptComment(`netprops repro of ${input.property.id} (target ${input.target}${input.fault ? `, fault ${input.fault}` : ''}, seed ${input.seed}); see README.md`)}\n`;
  // dir is <out>/repro/<property>: both folders must be real ones.
  await ensureOwnFolders(path.dirname(path.dirname(dir)), path.basename(path.dirname(dir)), path.basename(dir));
  await writeOutputFile(path.join(dir, 'case.yaml'), header + encodeCase(counterexample));
  await writeOutputFile(path.join(dir, 'manifests.yaml'), header + manifests.objects.map((o) => kubectlYaml(o)).join('---\n'));
  await writeOutputFile(path.join(dir, 'repro.sh'), reproScript(input, manifests), 0o755);
  await writeOutputFile(path.join(dir, 'README.md'), reproReadme(input));
}
