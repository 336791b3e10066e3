// What a target is, as one descriptor the CLI and the runner read (vitest's reporters: a class and a
// registry entry): its name, its settings (the flags `run` and `check` offer), its named faults, what
// it needs of the runner, and how to make its harness. Adding a target is its folder (with its
// descriptor) and one line in targets.ts.
import type { Harness, HarnessOptions } from './harness.ts';

/** One target setting: the CLI flag (commander syntax), the key the harness reads, the help line. */
export interface TargetSetting {
  flag: string;
  key: string;
  description: string;
}

/** A named fault of a target (`netprops faults`, `--fault NAME`). */
export interface TargetFault {
  name: string;
  description: string;
}

/** What `netprops gc` runs for a target: removes (or, with dryRun, lists) what its killed runs left. */
export interface Sweeper {
  target: string;
  /** With `dryRun`, returns what it would remove and removes nothing (a sweeper that cannot, lacks `canDryRun`). */
  sweep(options?: { dryRun?: boolean }): Promise<string[]>;
  canDryRun?: boolean;
}

/** The settings `netprops gc` passes a sweeper (its --kubeconfig, --context, --request-timeout). */
export interface GcSettings {
  kubeconfig?: string;
  context?: string;
  requestTimeoutMs?: number;
}

export interface TargetDescriptor {
  name: string;
  description: string;
  /** Flags `run` and `check` offer for this target; the harness parses their values (typed errors name the flag). */
  settings: readonly TargetSetting[];
  /** Its named faults; loaded lazily (a target's code loads only when it is used or listed). */
  faults(): Promise<readonly TargetFault[]>;
  needs: {
    /** The run's seed as `settings.seed` (a harness that draws randomness, e.g. Service backends). */
    seed?: boolean;
    /** A fixed pod universe drawn from the seed, which every case keeps (pods cost seconds there). */
    podUniverse?: boolean;
  };
  create(options: HarnessOptions): Promise<Harness>;
  /** --runs and --time-limit when not given, where the target's cost per case calls for its own. */
  runDefaults?: { runs: number; timeLimit: string };
  /**
   * For a target whose killed runs can leave something behind: its sweeper. A `local` one sweeps this
   * machine and runs on a bare `netprops gc`; another (a cluster) only with `--target`.
   */
  gc?: { local: boolean; sweeper(settings: GcSettings): Promise<Sweeper> };
}
