// The model target's descriptor (harness/target.ts).
import type { TargetDescriptor } from '../target.ts';

export const modelTarget: TargetDescriptor = {
  name: 'model',
  description: 'the reference model: pure, deterministic, upstream semantics',
  settings: [],
  async faults() {
    const { MODEL_FAULTS } = await import('./faults.ts');
    const { BREAKAGES } = await import('../breakages.ts');
    return [...MODEL_FAULTS.map((f) => ({ name: f.name, description: f.description })), ...BREAKAGES];
  },
  // Service backends are picked with a PRNG: seeded with the run's seed, a seed replays a run.
  needs: { seed: true },
  async create(options) {
    // A breakage wraps the conformant model; any other fault is the evaluator's own.
    const { breakageNamed, breakHarness } = await import('../breakages.ts');
    const { createModelHarness } = await import('./harness.ts');
    const breakage = breakageNamed(options.fault);
    if (breakage === undefined) return createModelHarness(options);
    const { fault: _fault, ...conformant } = options;
    return breakHarness(createModelHarness(conformant), breakage);
  },
};
