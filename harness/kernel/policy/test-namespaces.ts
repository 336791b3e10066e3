// Test scaffolding for the rule compilers' kernel tests: a throwaway data plane built by hand (no
// CNI), two node namespaces joined by a veth underlay, each with a bridge and its pods, servers
// in every pod that answer with who they are and the source address they saw, and a client that
// runs a batch of connections from one namespace. Every namespace is named np-f2test-<id>-...,
// and destroy() kills the servers before deleting the namespaces (a live socket would keep a
// deleted namespace answering).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, constants } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { ClusterState, ContainerPort, Pod, Protocol } from '../../../cluster/types.ts';

const run = promisify(execFile);

/** Where the tests' ClusterIPs live. */
export const SERVICE_CIDR = '10.96.0.0/16';

/** Why kernel tests cannot run here, or undefined when they can. */
export async function kernelTestSkipReason(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  for (const [tool, pkg] of [
    ['/usr/sbin/ip', 'iproute2'],
    ['/usr/sbin/nft', 'nftables'],
    ['/usr/sbin/iptables-restore', 'iptables'],
  ]) {
    try {
      await access(tool, constants.X_OK);
    } catch {
      return `needs ${tool} (apt-get install -y ${pkg})`;
    }
  }
  // Same-node traffic reaches the policy table only through br_netfilter.
  try {
    await access('/proc/sys/net/bridge/bridge-nf-call-iptables', constants.F_OK);
  } catch {
    return 'needs the br_netfilter kernel module (modprobe br_netfilter)';
  }
  return undefined;
}

export interface TestNodeSpec {
  name: string;
  podCIDR: string;
  /** The node's address on the underlay. */
  internalIP: string;
}

export interface TestPodSpec {
  namespace: string;
  name: string;
  nodeName: string;
  ip: string;
  labels?: Record<string, string>;
  ports: ContainerPort[];
  ready?: boolean;
  /** Runs in its node's namespace and has the node's InternalIP (`ip` is then ignored). */
  hostNetwork?: boolean;
}

export interface ConnectionResult {
  outcome: 'delivered' | 'refused' | 'timeout' | 'unreachable' | 'error';
  /** The answering pod, as namespace/name. */
  backend?: string;
  /** The source address the answering pod saw. */
  sourceSeen?: string;
  /** The port the answering pod received on. */
  backendPort?: number;
  /** The address the reply came from (UDP: the connected peer; TCP: the connected address). */
  replyFrom?: string;
  detail?: string;
  ms: number;
}

export interface Connection {
  ip: string;
  port: number;
  protocol?: Protocol;
  timeoutMs?: number;
}

// Answers each TCP connection or UDP datagram with "<pod> <source seen> <local port>".
const SERVER = `
const net = require('net'), dgram = require('dgram');
const [name, ...specs] = process.argv.slice(1);
let pending = specs.length;
const ready = () => { if (--pending === 0) process.stdout.write('ready\\n'); };
const plain = (a) => a.replace(/^::ffff:/, '');
for (const spec of specs) {
  const [proto, port] = spec.split(':');
  if (proto === 'tcp') {
    net.createServer((s) => { s.on('error', () => {}); s.end(name + ' ' + plain(s.remoteAddress) + ' ' + s.localPort + '\\n'); })
      .listen(Number(port), '0.0.0.0', ready);
  } else {
    const u = dgram.createSocket('udp4');
    u.on('message', (m, r) => u.send(name + ' ' + r.address + ' ' + port + '\\n', r.port, r.address));
    u.bind(Number(port), '0.0.0.0', ready);
  }
}
if (specs.length === 0) process.stdout.write('ready\\n');
setInterval(() => {}, 1 << 30);
`;

// Makes every connection of a JSON list at once and prints one JSON result per connection.
const CLIENT = `
const net = require('net'), dgram = require('dgram');
const list = JSON.parse(process.argv[1]);
const kind = (code) => code === 'ECONNREFUSED' || code === 'ECONNRESET' ? 'refused'
  : ['EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'].includes(code) ? 'unreachable' : 'error';
function parse(text, replyFrom, t0) {
  const [backend, seen, port] = text.trim().split(' ');
  return { outcome: 'delivered', backend, sourceSeen: seen, backendPort: Number(port), replyFrom, ms: Date.now() - t0 };
}
function one(c) {
  return new Promise((resolve) => {
    const t0 = Date.now(), timeout = c.timeoutMs ?? 3000;
    let done = false;
    const finish = (r) => { if (!done) { done = true; resolve(r); } };
    if ((c.protocol ?? 'TCP') === 'TCP') {
      let data = '';
      const s = net.connect({ host: c.ip, port: c.port });
      const timer = setTimeout(() => { s.destroy(); finish({ outcome: 'timeout', ms: Date.now() - t0 }); }, timeout);
      s.on('data', (d) => { data += d; });
      s.on('end', () => { clearTimeout(timer); finish(data ? parse(data, s.remoteAddress, t0) : { outcome: 'refused', detail: 'closed without answer', ms: Date.now() - t0 }); s.destroy(); });
      s.on('error', (e) => { clearTimeout(timer); finish({ outcome: kind(e.code), detail: e.code, ms: Date.now() - t0 }); });
    } else {
      const u = dgram.createSocket('udp4');
      const timer = setTimeout(() => { u.close(); finish({ outcome: 'timeout', ms: Date.now() - t0 }); }, timeout);
      u.on('message', (m, r) => { clearTimeout(timer); finish(parse(String(m), r.address, t0)); u.close(); });
      u.on('error', (e) => { clearTimeout(timer); finish({ outcome: kind(e.code), detail: e.code, ms: Date.now() - t0 }); try { u.close(); } catch {} });
      u.connect(c.port, c.ip, () => u.send('probe'));
    }
  });
}
Promise.all(list.map(one)).then((r) => process.stdout.write(JSON.stringify(r)));
`;

export class TestDataPlane {
  readonly id = randomBytes(3).toString('hex');
  private readonly servers: ChildProcess[] = [];
  private readonly created: string[] = [];
  private podIndex = 0;

  constructor(
    readonly nodes: TestNodeSpec[],
    readonly pods: TestPodSpec[],
  ) {}

  nodeNetns(nodeName: string): string {
    return `np-f2test-${this.id}-${nodeName}`.slice(0, 60);
  }

  podNetns(pod: { namespace: string; name: string }): string {
    const spec = this.pods.find((p) => p.namespace === pod.namespace && p.name === pod.name);
    if (spec?.hostNetwork) return this.nodeNetns(spec.nodeName);
    return `np-f2test-${this.id}-${pod.namespace}-${pod.name}`.slice(0, 60);
  }

  /** The cluster state of this data plane, with the given Services and policies. */
  state(extra: Partial<Pick<ClusterState, 'services' | 'policies' | 'namespaces'>> = {}): ClusterState {
    const namespaces = [...new Set(this.pods.map((p) => p.namespace))].map((name) => ({ name, labels: {} }));
    return {
      namespaces: extra.namespaces ?? namespaces,
      nodes: this.nodes.map((n) => ({ name: n.name, podCIDR: n.podCIDR, internalIP: n.internalIP })),
      pods: this.pods.map(
        (p): Pod => ({
          namespace: p.namespace,
          name: p.name,
          labels: p.labels ?? {},
          nodeName: p.nodeName,
          hostNetwork: p.hostNetwork ?? false,
          ports: p.ports,
          ip: p.hostNetwork ? this.nodes.find((n) => n.name === p.nodeName)!.internalIP : p.ip,
          ready: p.ready ?? true,
        }),
      ),
      services: extra.services ?? [],
      policies: extra.policies ?? [],
    };
  }

  async create(): Promise<void> {
    // The underlay is one veth pair between node 0 and node 1.
    if (this.nodes.length > 2) throw new Error('the test data plane joins at most two nodes');
    for (const [i, node] of this.nodes.entries()) {
      const ns = await this.addNetns(this.nodeNetns(node.name));
      const gateway = gatewayOf(node.podCIDR);
      await this.sh(ns, [
        'ip link set lo up',
        'sysctl net.ipv4.ip_forward=1',
        'ip link add br0 type bridge',
        `ip addr add ${gateway}/${node.podCIDR.split('/')[1]} dev br0`,
        'ip link set br0 up',
        // A real node routes ClusterIPs somewhere (its default route). Without a route the kernel
        // answers "net unreachable" before the forward hook, and kube-proxy's REJECT never runs.
        // Via br0, a packet leaves by the interface it came in on, which triggers an ICMP redirect
        // that spends the per-host ICMP rate limit, and the REJECT's port-unreachable is then
        // dropped (IcmpOutRateLimitHost): redirects off.
        `ip route add ${SERVICE_CIDR} dev br0`,
        'sysctl net.ipv4.conf.all.send_redirects=0',
        'sysctl net.ipv4.conf.br0.send_redirects=0',
      ]);
      // br_netfilter is per namespace; bridged same-node traffic must traverse the IPv4 hooks.
      await this.sh(ns, ['sysctl net.bridge.bridge-nf-call-iptables=1']);
      if (i > 0) {
        const first = this.nodeNetns(this.nodes[0].name);
        await run('ip', ['-n', ns, 'link', 'add', `ul${i}`, 'type', 'veth', 'peer', 'name', `ul${i}`, 'netns', first]);
        await this.sh(first, [`ip link set ul${i} up`]);
        await this.sh(ns, [`ip link set ul${i} up`]);
      }
    }
    if (this.nodes.length === 2) {
      const [a, b] = this.nodes;
      await this.sh(this.nodeNetns(a.name), [`ip addr add ${a.internalIP}/24 dev ul1`, `ip route add ${b.podCIDR} via ${b.internalIP}`]);
      await this.sh(this.nodeNetns(b.name), [`ip addr add ${b.internalIP}/24 dev ul1`, `ip route add ${a.podCIDR} via ${a.internalIP}`]);
    }
    for (const node of this.nodes) {
      const ns = this.nodeNetns(node.name);
      // The node's own traffic to its pods leaves from its InternalIP (as the model has it), not
      // from the bridge's address the kernel would pick.
      if (this.nodes.length === 1) await this.sh(ns, [`ip addr add ${node.internalIP}/32 dev lo`]);
      await this.sh(ns, [`ip route replace ${node.podCIDR} dev br0 proto kernel scope link src ${node.internalIP}`]);
    }
    for (const pod of this.pods) {
      if (pod.hostNetwork) continue;
      const node = this.nodes.find((n) => n.name === pod.nodeName)!;
      const nodeNs = this.nodeNetns(node.name);
      const ns = await this.addNetns(this.podNetns(pod));
      const hostIf = `vp${this.podIndex++}`;
      await run('ip', ['-n', nodeNs, 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await this.sh(nodeNs, [`ip link set ${hostIf} master br0`, `ip link set ${hostIf} type bridge_slave hairpin on`, `ip link set ${hostIf} up`]);
      await this.sh(ns, [
        'ip link set lo up',
        `ip addr add ${pod.ip}/${node.podCIDR.split('/')[1]} dev eth0`,
        'ip link set eth0 up',
        `ip route add default via ${gatewayOf(node.podCIDR)}`,
      ]);
    }
    await Promise.all(this.pods.map((p) => this.startServer(p)));
  }

  /** Loads an nft script into a node's namespace (one transaction). */
  async loadNft(nodeName: string, script: string): Promise<void> {
    await this.withInput(['ip', 'netns', 'exec', this.nodeNetns(nodeName), 'nft', '-f', '-'], script);
  }

  /** Loads an iptables-restore --noflush input into a node's namespace. */
  async loadIptables(nodeName: string, input: string): Promise<void> {
    await this.withInput(['ip', 'netns', 'exec', this.nodeNetns(nodeName), 'iptables-restore', '--noflush'], input);
  }

  async flushConntrack(nodeName: string): Promise<void> {
    await run('ip', ['netns', 'exec', this.nodeNetns(nodeName), 'conntrack', '-F']).catch(() => undefined);
  }

  /** Runs the connections concurrently from a pod's (or a node's) namespace. */
  async connect(from: { namespace: string; name: string } | { node: string }, connections: Connection[]): Promise<ConnectionResult[]> {
    const ns = 'node' in from ? this.nodeNetns(from.node) : this.podNetns(from);
    const { stdout } = await run('ip', ['netns', 'exec', ns, process.execPath, '-e', CLIENT, JSON.stringify(connections)], {
      timeout: 30_000,
    });
    return JSON.parse(stdout) as ConnectionResult[];
  }

  async destroy(): Promise<void> {
    for (const s of this.servers) s.kill('SIGKILL');
    await Promise.all(this.servers.map((s) => (s.exitCode !== null || s.signalCode !== null ? undefined : new Promise((r) => s.once('exit', r)))));
    for (const ns of this.created.reverse()) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
  }

  private async addNetns(name: string): Promise<string> {
    await run('ip', ['netns', 'add', name]);
    this.created.push(name);
    return name;
  }

  /** `ip ...` runs against the namespace; `sysctl key=value` writes /proc/sys inside it (no procps needed). */
  private async sh(ns: string, commands: string[]): Promise<void> {
    for (const c of commands) {
      const [cmd, ...args] = c.split(' ');
      if (cmd === 'ip') await run('ip', ['-n', ns, ...args]);
      else if (cmd === 'sysctl') {
        const [key, value] = args[0].split('=');
        // /proc/sys/net is per network namespace: the namespace of the process that opens it.
        await run('ip', ['netns', 'exec', ns, 'sh', '-c', `echo ${value} > /proc/sys/${key.replace(/\./g, '/')}`]);
      } else await run('ip', ['netns', 'exec', ns, cmd, ...args]);
    }
  }

  private withInput(argv: string[], input: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${argv.slice(4).join(' ')} failed: ${stderr.trim()}`))));
      child.stdin.end(input);
    });
  }

  private startServer(pod: TestPodSpec): Promise<void> {
    const specs = pod.ports.map((p) => `${p.protocol.toLowerCase()}:${p.containerPort}`);
    const child = spawn('ip', ['netns', 'exec', this.podNetns(pod), process.execPath, '-e', SERVER, `${pod.namespace}/${pod.name}`, ...specs], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.servers.push(child);
    return new Promise((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`server in ${pod.namespace}/${pod.name} exited (${code})`)));
    });
  }
}

/** The bridge's address: the first address of the pod CIDR, as the CNI bridge plugin's gateway. */
export function gatewayOf(podCIDR: string): string {
  const [addr] = podCIDR.split('/');
  const parts = addr.split('.').map(Number);
  parts[3] += 1;
  return parts.join('.');
}
