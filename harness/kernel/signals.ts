// Teardown on Ctrl-C and SIGTERM: while any kernel run is live, SIGINT/SIGTERM tear every live run
// down and then exit with the conventional 128+signal code. (SIGKILL cannot be caught: that is what
// `netprops gc` is for.)
type Teardown = () => Promise<void>;

const live = new Set<Teardown>();
let installed = false;
let leaving = false;

/** True once a signal started tearing runs down: the process is about to exit. */
export function exiting(): boolean {
  return leaving;
}

/**
 * What an operation interrupted by the teardown returns: it never settles, so that the failure the
 * teardown causes under it (its agent killed, its namespaces gone) cannot crash the process before
 * the teardown has finished and the process exits with the signal's code.
 */
export function interrupted<T>(): Promise<T> {
  return new Promise<T>(() => {});
}

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  if (leaving) return;
  leaving = true;
  const code = signal === 'SIGINT' ? 130 : 143;
  process.stderr.write(`netprops: ${signal}: tearing down ${live.size} kernel run(s)\n`);
  await Promise.allSettled([...live].map((t) => t()));
  process.exit(code);
}

function handler(signal: NodeJS.Signals): void {
  void onSignal(signal);
}

export function teardownOnSignals(teardown: Teardown): void {
  live.add(teardown);
  if (!installed) {
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    installed = true;
  }
}

export function releaseSignals(teardown: Teardown): void {
  live.delete(teardown);
  if (installed && live.size === 0) {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    installed = false;
  }
}
