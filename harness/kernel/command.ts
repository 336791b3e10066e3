// Runs one system tool (ip, nft, iptables-restore, conntrack, a CNI plugin) and collects its output.
// A tool failing here is not a user mistake: the prerequisites were checked first, so it is a bug
// of ours or of the plugin under test, and it crashes with the tool's own words.
import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  input?: string;
  env?: Record<string, string>;
}

export function runCommand(argv: string[], options: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.stdin.on('error', () => {}); // a tool may exit before reading its input; its code says why
    child.on('close', (code) =>
      resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
    child.stdin.end(options.input ?? '');
  });
}

/** Like runCommand, but a non-zero exit is an error carrying the command and its stderr. */
export async function mustRun(argv: string[], options: CommandOptions = {}): Promise<string> {
  const r = await runCommand(argv, options);
  if (r.code !== 0) {
    const shown = argv.join(' ');
    throw new Error(`'${shown}' exited ${r.code}: ${(r.stderr || r.stdout).trim()}${options.input ? `\ninput:\n${options.input}` : ''}`);
  }
  return r.stdout;
}
