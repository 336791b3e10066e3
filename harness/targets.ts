// Name -> harness. Imports are lazy so `--target model` never loads the kernel or cluster code.
import { UsageError } from '../cluster/errors.ts';
import type { Harness, HarnessOptions } from './harness.ts';

export const TARGETS = ['model', 'kernel', 'cluster'] as const;
export type TargetName = (typeof TARGETS)[number];

export function parseTarget(name: string): TargetName {
  if ((TARGETS as readonly string[]).includes(name)) return name as TargetName;
  throw new UsageError(`unknown target '${name}': use one of ${TARGETS.join(', ')}`);
}

export async function createHarness(target: TargetName, options: HarnessOptions = {}): Promise<Harness> {
  switch (target) {
    case 'model': {
      // A breakage wraps the conformant model; any other fault is the evaluator's own.
      const { breakageNamed, breakHarness } = await import('./breakages.ts');
      const breakage = breakageNamed(options.fault);
      const { createModelHarness } = await import('./model/harness.ts');
      if (breakage === undefined) return createModelHarness(options);
      const { fault: _fault, ...conformant } = options;
      return breakHarness(createModelHarness(conformant), breakage);
    }
    case 'kernel':
      return (await import('./kernel/harness.ts')).createKernelHarness(options);
    case 'cluster':
      return (await import('./cluster/harness.ts')).createClusterHarness(options);
  }
}
