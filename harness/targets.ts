// The targets, by name: one descriptor each (harness/target.ts), in its own folder. The CLI's flags,
// `netprops faults` and the runner's needs are all read from here; a new target is one line below.
import { UsageError } from '../cluster/errors.ts';
import type { Harness, HarnessOptions } from './harness.ts';
import type { TargetDescriptor } from './target.ts';
import { modelTarget } from './model/target.ts';
import { kernelTarget } from './kernel/target.ts';
import { clusterTarget } from './cluster/target.ts';

export const TARGET_DESCRIPTORS: readonly TargetDescriptor[] = [modelTarget, kernelTarget, clusterTarget];

export const TARGETS = TARGET_DESCRIPTORS.map((t) => t.name);
export type TargetName = string;

export function targetNamed(name: string, targets: readonly TargetDescriptor[] = TARGET_DESCRIPTORS): TargetDescriptor {
  const found = targets.find((t) => t.name === name);
  if (!found) throw new UsageError(`unknown target '${name}': use one of ${targets.map((t) => t.name).join(', ')}`);
  return found;
}

export function parseTarget(name: string, targets: readonly TargetDescriptor[] = TARGET_DESCRIPTORS): TargetName {
  return targetNamed(name, targets).name;
}

export async function createHarness(target: TargetName, options: HarnessOptions = {}, targets: readonly TargetDescriptor[] = TARGET_DESCRIPTORS): Promise<Harness> {
  return targetNamed(target, targets).create(options);
}

/** Every target's settings, for the flags of `run` and `check` (one list: the two commands cannot drift). */
export function targetSettings(targets: readonly TargetDescriptor[] = TARGET_DESCRIPTORS) {
  return targets.flatMap((t) => t.settings);
}
