// How one probe runs in a live cluster: which pod execs what. The client is the source pod's own
// agnhost container, or the run's hostNetwork agent pod on the source node. A TCP probe to a pod or
// Service whose servers are netexec is one curl over one connection asking /hostname then
// /clientip (HTTP keep-alive): which backend answered and the source address it saw come from the
// same connection, so a Service's second backend can never be mistaken for the first; curl reports
// whether that one connection was reused. A UDP probe to a Service is one datagram `hostname`
// whose answer (netexec's and serve-hostname's UDP servers answer it with the pod's name) says
// which endpoint kube-proxy chose: the local cluster's agnhost image carries udp-probe
// (local-cluster/go/udp-probe), which prints it; upstream's image has no such client, and there the
// probe falls back to `agnhost connect`, whose answer names no backend. Every other probe is
// `agnhost connect`, which exits 0 only when the connection was made (and, for UDP, answered; a
// payload probe sends `echo <payload>`, which netexec echoes).
import type { ClusterState, Observation, Pod, Probe, Service, ServicePort } from '../../cluster/types.ts';
import { podKey } from '../../cluster/types.ts';
import { clientIPOf, connectOutcome, curlOutcome, hostPort } from './agnhost-output.ts';
import { CONTAINER_NAME, servesNetexecHTTP } from './agnhost-server.ts';
import { runNamespaceName } from './run-names.ts';

export interface ProbeExec {
  /** Cluster namespace and pod to exec in. */
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  /**
   * `http`: the command is curl asking /hostname and /clientip over one connection. `udp`: one
   * datagram `hostname`; stdout holds the answer when the image has udp-probe.
   */
  follow?: 'http' | 'udp';
  host: string;
  port: number;
  /** The target pod (case key) and port for a direct probe. */
  targetPod?: Pod;
  service?: Service;
  servicePort?: ServicePort;
}

export interface ProbeContext {
  state: ClusterState;
  runId?: string;
  /** Case node name -> [namespace, pod] of its hostNetwork agent. */
  nodeAgents: Record<string, { namespace: string; pod: string }>;
  timeoutSeconds: number;
  /** false: the nodes have no SCTP sockets (CNI profile `sctp: false`). */
  sctp?: boolean;
}

/** The exec to run, or the observation when there is nothing to connect to. */
export function probeExec(probe: Probe, ctx: ProbeContext): ProbeExec | Observation {
  const { state } = ctx;
  let namespace: string;
  let pod: string;
  if (probe.from.kind === 'pod') {
    const src = probe.from;
    if (!state.pods.some((p) => p.namespace === src.namespace && p.name === src.name)) throw new Error(`probe from unknown pod ${podKey(src)}`);
    namespace = runNamespaceName(src.namespace, ctx.runId);
    pod = src.name;
  } else {
    const agent = ctx.nodeAgents[probe.from.name];
    if (!agent) throw new Error(`no agent pod for node ${probe.from.name}`);
    ({ namespace, pod } = agent);
  }
  if (probe.protocol === 'SCTP' && ctx.sctp === false) return { outcome: 'unsupported', detail: 'the CNI profile says the nodes have no SCTP sockets (sctp: false)' };
  // agnhost connect binds no chosen source port and sends no TCP payload: say so, never pretend.
  // udp-probe binds one (a UDP probe without payload), where the image has it.
  if (probe.sourcePort !== undefined && (probe.protocol !== 'UDP' || probe.payloadBytes !== undefined)) {
    return { outcome: 'unsupported', detail: `agnhost connect cannot choose the source port of a ${probe.protocol}${probe.payloadBytes !== undefined ? ' payload' : ''} probe (cluster target)` };
  }
  if (probe.payloadBytes !== undefined && probe.protocol !== 'UDP') {
    return { outcome: 'unsupported', detail: `agnhost connect sends no ${probe.protocol} payload (cluster target)` };
  }
  const to = probe.to;
  let host: string;
  let port: number;
  let follow: ProbeExec['follow'];
  const extra: Partial<ProbeExec> = {};
  if (to.kind === 'pod') {
    const target = state.pods.find((p) => p.namespace === to.namespace && p.name === to.name);
    if (!target) throw new Error(`probe to unknown pod ${podKey(to)}`);
    const resolved = typeof probe.port === 'number' ? probe.port : target.ports.find((p) => p.name === probe.port && p.protocol === probe.protocol)?.containerPort;
    if (resolved === undefined) return { outcome: 'unreachable', detail: `pod ${podKey(target)} has no ${probe.protocol} container port named ${probe.port}` };
    host = target.ip;
    port = resolved;
    if (probe.protocol === 'TCP' && servesNetexecHTTP(target, port)) follow = 'http';
    extra.targetPod = target;
  } else if (to.kind === 'service') {
    const svc = state.services.find((s) => s.namespace === to.namespace && s.name === to.name);
    if (!svc) throw new Error(`probe to unknown Service ${podKey(to)}`);
    const sp = svc.ports.find((p) => p.protocol === probe.protocol && (typeof probe.port === 'number' ? p.port === probe.port : p.name === probe.port));
    if (!sp) return { outcome: 'unreachable', detail: `Service ${podKey(svc)} has no ${probe.protocol} port ${probe.port}` };
    if (svc.clusterIP === 'None') return { outcome: 'unreachable', detail: `Service ${podKey(svc)} is headless: it has no ClusterIP` };
    host = svc.clusterIP;
    port = sp.port;
    // Every backend this run creates serves its TCP ports with netexec, and answers `hostname` on its UDP ports.
    if (probe.protocol === 'TCP') follow = 'http';
    if (probe.protocol === 'UDP' && probe.payloadBytes === undefined) follow = 'udp';
    extra.service = svc;
    extra.servicePort = sp;
  } else {
    // Only addresses this run owns are ever probed: its pods, its nodes, its ClusterIPs.
    if (!runAddresses(state).has(to.ip)) {
      return { outcome: 'unsupported', detail: `ip:${to.ip} is not an address of this run (probes must be readdressed to the cluster's addresses)` };
    }
    if (typeof probe.port !== 'number') return { outcome: 'unreachable', detail: `a probe to ip:${to.ip} needs a port number, not ${probe.port}` };
    host = to.ip;
    port = probe.port;
  }
  if (probe.sourcePort !== undefined) follow = 'udp';
  const t = ctx.timeoutSeconds;
  let command: string[];
  if (follow === 'udp') {
    // Only addresses and numbers reach the command line, never text from a case.
    const dest = hostPort(host, port);
    const fallback =
      probe.sourcePort === undefined
        ? `exec /agnhost connect --timeout=${t}s --protocol=udp ${dest}`
        : "echo 'UNSUPPORTED: this agnhost image has no udp-probe, and agnhost connect cannot choose the source port' >&2; exit 1";
    const bind = probe.sourcePort === undefined ? '' : ` --source-port=${Number(probe.sourcePort)}`;
    command = ['sh', '-c', `if [ -x /udp-probe ]; then exec /udp-probe --timeout=${t}s${bind} ${dest}; else ${fallback}; fi`];
  } else if (follow) {
    // Only addresses and numbers reach the command line, never text from a case.
    const url = (path: string) => `http://${hostPort(host, port)}${path}`;
    // -v: curl's own error line hides why a connect failed; its verbose line keeps the socket's reason.
    command = ['curl', '-sSv', '--connect-timeout', String(t), '-m', String(t), '-w', '\\n%{num_connects}\\n', url('/hostname'), url('/clientip')];
  } else {
    command = ['/agnhost', 'connect', `--timeout=${t}s`, `--protocol=${probe.protocol.toLowerCase()}`, hostPort(host, port)];
    // connect sends the data plus a newline in one datagram; netexec answers `echo <text>` with the
    // text, so the datagram is `echo xxx...` of exactly payloadBytes.
    if (probe.protocol === 'UDP' && probe.payloadBytes !== undefined) command.push(`--udp-data=echo ${'x'.repeat(Math.max(0, probe.payloadBytes - 6))}`);
  }
  return { namespace, pod, container: CONTAINER_NAME, command, follow, host, port, ...extra };
}

function runAddresses(state: ClusterState): Set<string> {
  return new Set([
    ...state.pods.map((p) => p.ip),
    ...state.nodes.map((n) => n.internalIP),
    ...state.services.map((s) => s.clusterIP).filter((ip) => ip !== 'None'),
  ]);
}

/** The observation from the exec's exit code and output. */
export function probeObservation(exec: ProbeExec, result: { exitCode: number; stdout: string; stderr: string }, state: ClusterState): Observation {
  // udp-probe's error lines carry agnhost connect's prefixes: one reader for both.
  const base = exec.follow === 'http' ? curlOutcome(result.exitCode, result.stderr) : connectOutcome(result.exitCode, result.stderr);
  if (base.outcome !== 'delivered') return base;
  // A connected socket only accepts replies from the address it dialed: the reply came from `host`.
  const observation: Observation = { outcome: 'delivered', replyFrom: exec.host };
  if (exec.targetPod) observation.backend = { namespace: exec.targetPod.namespace, name: exec.targetPod.name, port: exec.port };
  if (!exec.follow) return observation;
  if (exec.follow === 'udp') {
    // Empty: agnhost connect answered (upstream's image), and no backend was named.
    const answer = result.stdout.trim();
    const backend = answer ? serviceBackend(answer, exec, state) : undefined;
    return backend ? { ...observation, backend } : observation;
  }
  // curl prints each answer, then (-w) how many new connections it made for it: 1 then 0 when the
  // second request rode the first connection. Anything else, and the answers are not one backend's.
  const [hostname, firstConnects, clientip, secondConnects] = result.stdout.split('\n');
  if (firstConnects !== '1' || secondConnects !== '0') return { ...observation, detail: `curl did not reuse its connection (${firstConnects ?? '?'}, ${secondConnects ?? '?'}): backend and source left unjudged` };
  const seen = clientIPOf(clientip ?? '');
  if (seen) observation.sourceSeen = seen;
  const backend = serviceBackend((hostname ?? '').trim(), exec, state);
  if (backend) observation.backend = backend;
  return observation;
}

/** The endpoint a Service probe reached, from the backend's answer (its pod name) and the Service's targetPort. */
function serviceBackend(answer: string, exec: ProbeExec, state: ClusterState): Observation['backend'] {
  if (!exec.service || !exec.servicePort) return undefined;
  const pod = backendOf(answer, exec.service, state);
  if (!pod) return undefined;
  const sp = exec.servicePort;
  const tp = sp.targetPort;
  const port = typeof tp === 'number' ? tp : pod.ports.find((p) => p.name === tp && p.protocol === sp.protocol)?.containerPort;
  return port === undefined ? undefined : { namespace: pod.namespace, name: pod.name, port };
}

/** netexec's /hostname is the pod's name (a hostNetwork pod's is its node's: unknown). */
function backendOf(answer: string, svc: Service, state: ClusterState): Pod | undefined {
  return state.pods.find((p) => p.namespace === svc.namespace && p.name === answer && !p.hostNetwork);
}
