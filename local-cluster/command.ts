// Running a program and failing with one line that names it. A component that fails to start is an
// environment failure (EnvironmentError, exit 3) whose message says where its log is.
import { spawn } from 'node:child_process';
import { EnvironmentError } from '../cluster/errors.ts';

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string;
  /** Kill the program after this long (default 30 minutes: a cold Go build takes many). */
  timeoutMs?: number;
  /** Resolve even when the exit code is not 0. */
  allowFailure?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Run = (cmd: string, args: string[], opts?: RunOptions) => Promise<RunResult>;

export class CommandError extends EnvironmentError {
  constructor(
    readonly cmd: string,
    readonly result: RunResult,
  ) {
    const last = (result.stderr.trim() || result.stdout.trim()).split('\n').filter(Boolean).pop() ?? '';
    super('E_COMMAND', `${cmd} exited ${result.code}: ${last.slice(0, 400)}`);
  }
}

export const run: Run = (cmd, args, opts = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    child.stdin?.on('error', () => {}); // a program that exits before reading its input
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30 * 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new EnvironmentError('E_COMMAND', `cannot run ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code: code ?? (signal ? 128 : 1), stdout, stderr };
      if (result.code !== 0 && !opts.allowFailure) reject(new CommandError([cmd, ...args.slice(0, 3)].join(' '), result));
      else resolve(result);
    });
    child.stdin?.end(opts.input);
  });
