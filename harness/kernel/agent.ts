// The agent: one C process (agent/agent.c) per run that serves every pod's ports and makes every
// probe, entering namespaces with setns(2) per socket. It is compiled with `cc` on first use into a
// cache directory keyed by the source's hash, and lives in the run's underlay namespace so that
// `ip netns pids` finds it; it dies with its parent (PR_SET_PDEATHSIG) and when its stdin closes.
//
// Protocol: one line per command and per answer, tab-separated fields.
//   S id netns proto port ident   serve port/proto in netns, answering as ident  -> K id | E id why
//   U id netns                    close the servers in netns                       -> K id
//   F id netns                    close them and the namespace handle (before deleting it)
//   P id netns proto ip port sport bytes timeoutMs
//                                 probe from netns                                 -> R id outcome detail ident port seen from
//   A id netns ifname             the interface's IPv4 address                     -> K id addr | E
//   L id netns ifname             set the interface up                             -> K id | E
//   W id netns key value          write the sysctl key (dotted) in netns           -> K id | E
// A server answers a connection with "<ident> <port> <peer address>\n" once the client's request
// ("NP <length>\n" plus filler up to <length> bytes) has fully arrived.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Outcome, Protocol } from '../../cluster/types.ts';
import { PrerequisiteError } from '../../cluster/errors.ts';
import { runCommand } from './command.ts';

const SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'agent', 'agent.c');
/** At most this many probes in flight at once: each holds two sockets (client and server side). */
const MAX_IN_FLIGHT = 1024;

export function agentCacheDir(): string {
  if (process.env.NETPROPS_CACHE) return process.env.NETPROPS_CACHE;
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'netprops');
}

/** The compiled agent, built on first use; concurrent runs may both build, the rename is atomic. */
export async function agentBinary(): Promise<string> {
  const source = await readFile(SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const dir = agentCacheDir();
  const binary = path.join(dir, `agent-${hash}`);
  try {
    await access(binary);
    return binary;
  } catch {
    // not built yet
  }
  await mkdir(dir, { recursive: true });
  const tmp = `${binary}.${process.pid}.tmp`;
  let r: Awaited<ReturnType<typeof runCommand>>;
  try {
    r = await runCommand(['cc', '-O2', '-o', tmp, SOURCE]);
  } catch {
    throw new PrerequisiteError('the kernel target compiles a small helper with cc: install gcc (apt-get install -y gcc)');
  }
  if (r.code !== 0) throw new Error(`compiling ${SOURCE} failed:\n${r.stderr}`);
  await rename(tmp, binary);
  return binary;
}

export interface AgentProbe {
  netns: string;
  protocol: Protocol;
  ip: string;
  port: number;
  sourcePort?: number;
  payloadBytes: number;
  timeoutMs: number;
}

export interface AgentProbeResult {
  outcome: Outcome;
  detail?: string;
  /** The identity the answering server was started with. */
  backend?: string;
  backendPort?: number;
  sourceSeen?: string;
  replyFrom?: string;
}

type Pending = { resolve: (fields: string[]) => void; reject: (e: Error) => void };

export class Agent {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private exited: Error | undefined;

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.child = child;
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => this.onLine(line));
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('exit', (code, signal) => {
      this.exited = new Error(`the kernel agent exited (${signal ?? code}): ${stderr.trim()}`);
      for (const p of this.pending.values()) p.reject(this.exited);
      this.pending.clear();
    });
    child.stdin.on('error', () => {});
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Starts the agent inside `homeNetns` (which must exist). */
  static async start(homeNetns: string): Promise<Agent> {
    const child = spawn(await agentBinary(), [homeNetns], { stdio: ['pipe', 'pipe', 'pipe'] });
    const agent = new Agent(child);
    await agent.request('ready', null);
    return agent;
  }

  private onLine(line: string): void {
    const fields = line.split('\t');
    const p = this.pending.get(fields[1]);
    if (!p) return;
    this.pending.delete(fields[1]);
    p.resolve(fields);
  }

  /** Sends one command (null: only wait for the line with this id) and resolves with the answer's fields. */
  private request(id: string, line: string | null): Promise<string[]> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (line !== null) this.child.stdin.write(line + '\n');
    });
  }

  private async command(...fields: (string | number)[]): Promise<string | undefined> {
    const id = `c${this.nextId++}`;
    const answer = await this.request(id, [fields[0], id, ...fields.slice(1)].join('\t'));
    if (answer[0] === 'E') throw new Error(`kernel agent: ${fields.join(' ')}: ${answer[2]}`);
    return answer[2];
  }

  serve(netns: string, protocol: Protocol, port: number, ident: string): Promise<unknown> {
    return this.command('S', netns, protocol, port, ident);
  }

  unserve(netns: string): Promise<unknown> {
    return this.command('U', netns);
  }

  /** Closes servers and the namespace handle: a namespace is only gone once nobody holds it. */
  forget(netns: string): Promise<unknown> {
    return this.command('F', netns);
  }

  async interfaceAddress(netns: string, ifname: string): Promise<string> {
    return (await this.command('A', netns, ifname))!;
  }

  linkUp(netns: string, ifname: string): Promise<unknown> {
    return this.command('L', netns, ifname);
  }

  sysctl(netns: string, key: string, value: string | number): Promise<unknown> {
    return this.command('W', netns, key, value);
  }

  async probe(p: AgentProbe): Promise<AgentProbeResult> {
    while (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight++;
    try {
      const id = `p${this.nextId++}`;
      const f = await this.request(
        id,
        ['P', id, p.netns, p.protocol, p.ip, p.port, p.sourcePort ?? 0, p.payloadBytes, p.timeoutMs].join('\t'),
      );
      const [, , outcome, detail, ident, port, seen, from] = f;
      const v = (s: string) => (s === '-' ? undefined : s);
      return {
        outcome: outcome as Outcome,
        detail: v(detail),
        backend: v(ident),
        backendPort: v(port) === undefined ? undefined : Number(port),
        sourceSeen: v(seen),
        replyFrom: v(from),
      };
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  /** Ends the agent and waits for it, so that its sockets no longer hold any namespace. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }
}
