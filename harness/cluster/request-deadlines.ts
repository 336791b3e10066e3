// Every request to the API server ends in bounded time. client-node sets no timeout of its own (its
// fetch gets no signal, its websocket no handshake timeout, its exec credential plugin runs as long
// as it likes), so a server that accepts and never answers, drips its reply, or never finishes the
// TLS handshake would hang a run. Here the three ways in are bounded: an HTTP library for the
// generated and generic APIs, a websocket factory for exec, and the credential plugin's spawn. Each
// failure is one EnvironmentError line naming the server and the phase that ran out of time.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { ServerConfiguration, createConfiguration, ResponseContext, wrapHttpLibrary, type Configuration, type KubeConfig, type RequestContext } from '@kubernetes/client-node';
import { ExecAuth } from '@kubernetes/client-node/dist/exec_auth.js';
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';
import { EnvironmentError } from '../../cluster/errors.ts';

export interface RequestDeadlines {
  /** TCP connect (default 10 s). */
  connectMs: number;
  /** TLS handshake once connected (default 10 s). */
  tlsMs: number;
  /** From the request sent to the last byte of its answer (default 30 s): bounds a drip too. */
  responseMs: number;
  /** An exec credential plugin, start to exit (default 30 s). */
  credentialPluginMs: number;
}

export const DEFAULT_DEADLINES: RequestDeadlines = { connectMs: 10_000, tlsMs: 10_000, responseMs: 30_000, credentialPluginMs: 30_000 };

/**
 * `--request-timeout`: the deadline of an answer and of the credential plugin; connect and the TLS
 * handshake get at most 10 s of it each.
 */
export function deadlinesFor(requestTimeoutMs: number | undefined): RequestDeadlines {
  if (requestTimeoutMs === undefined) return DEFAULT_DEADLINES;
  const phase = Math.min(10_000, requestTimeoutMs);
  return { connectMs: phase, tlsMs: phase, responseMs: requestTimeoutMs, credentialPluginMs: requestTimeoutMs };
}

const seconds = (ms: number) => `${ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${ms} ms`}`;

/** A failure of the API server or the way to it (exit 3); `retryable` for resets, 429 and 5xx. */
export class ApiServerError extends EnvironmentError {
  constructor(
    code: string,
    message: string,
    readonly retryable = false,
    readonly retryAfterMs?: number,
  ) {
    super(code, message);
  }
}

/** Where a request is, for the message when its deadline passes. */
type Phase = 'connect' | 'tls' | 'response';

const PHASE_TEXT: Record<Phase, string> = {
  connect: 'did not accept the TCP connection',
  tls: 'did not complete the TLS handshake',
  response: 'did not finish answering',
};

/**
 * One request through the agent client-node made for it (it carries the kubeconfig's CA, client
 * certificate and TLS settings), with a deadline per phase and the whole answer read inside it.
 */
function boundedSend(server: string, deadlines: RequestDeadlines, request: RequestContext): Promise<ResponseContext> {
  const url = new URL(request.getUrl());
  const what = `${request.getHttpMethod()} ${url.pathname}`;
  const transport = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    let phase: Phase = 'connect';
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    const arm = (next: Phase, ms: number) => {
      phase = next;
      clearTimeout(timer);
      timer = setTimeout(() => fail(new ApiServerError('E_API_TIMEOUT', `the API server at ${server} ${PHASE_TEXT[phase]} within ${seconds(ms)} (${what})`)), ms);
    };
    const raw = request.getBody();
    const body = raw === undefined ? undefined : typeof raw === 'string' ? raw : raw.toString();
    const headers = { ...request.getHeaders(), ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) };
    const req = transport.request(url, { method: request.getHttpMethod(), headers, agent: request.getAgent() });
    arm('connect', deadlines.connectMs);
    req.on('socket', (socket: Socket) => {
      const answering = () => arm('response', deadlines.responseMs);
      if (!socket.connecting) return answering(); // a kept-alive socket
      socket.once('connect', () => (url.protocol === 'https:' ? arm('tls', deadlines.tlsMs) : answering()));
      socket.once('secureConnect', answering);
    });
    req.on('error', (err) => fail(err));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => fail(err));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const data = Buffer.concat(chunks);
        const answer: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) answer[k] = Array.isArray(v) ? v.join(', ') : v;
        const status = res.statusCode ?? 0;
        // The API server never redirects; a login portal or a proxy in front of the wrong thing does.
        if (status >= 300 && status < 400) {
          return reject(new ApiServerError('E_API_ANSWER', `the API server at ${server} answered ${what} with ${status}, a redirect${answer.location ? ` to ${answer.location}` : ''}: is this a Kubernetes API server?`));
        }
        const problem = status >= 200 && status < 300 ? notAnApiAnswer(server, what, answer['content-type'], data) : undefined;
        if (problem) return reject(problem);
        resolve(new ResponseContext(status, answer, { text: async () => data.toString('utf8'), binary: async () => data }));
      });
    });
    req.end(body);
  });
}

/**
 * A success that is not a Kubernetes answer: an HTML page (a login portal, a proxy's error page),
 * an empty body, or JSON that does not parse. client-node would hand the text on as if it were an
 * object, and a SelfSubjectAccessReview without status reads as a permission denied.
 */
function notAnApiAnswer(server: string, what: string, contentType: string | undefined, data: Buffer): ApiServerError | undefined {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    return new ApiServerError('E_API_ANSWER', `the API server at ${server} answered ${what} with ${type || 'no content type'}, not JSON: is this a Kubernetes API server?`);
  }
  try {
    JSON.parse(data.toString('utf8'));
  } catch {
    return new ApiServerError('E_API_ANSWER', `the API server at ${server} answered ${what} with invalid JSON (${data.length} bytes)`);
  }
  return undefined;
}

/** A client-node Configuration whose requests are bounded, for `new XxxApi(config)`. */
export function boundedConfiguration(kc: KubeConfig, server: string, deadlines: RequestDeadlines): Configuration {
  boundCredentialPlugin(kc, deadlines);
  return createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: kc },
    httpApi: wrapHttpLibrary({ send: (request) => boundedSend(server, deadlines, request) }),
  });
}

/** The exec websocket handler of client-node, whose opening handshake is bounded. */
export function boundedWebSocketHandler(kc: KubeConfig, deadlines: RequestDeadlines): WebSocketHandler {
  boundCredentialPlugin(kc, deadlines);
  const handshakeTimeout = deadlines.connectMs + deadlines.tlsMs + deadlines.responseMs;
  return new WebSocketHandler(kc, (uri: string, protocols: string[], opts: Record<string, unknown>) => new WebSocket(uri, protocols, { ...opts, handshakeTimeout }) as never);
}

/**
 * client-node runs a kubeconfig's `exec` credential plugin with a bare spawn and waits for it to
 * exit. Its spawn (the hook client-node keeps for tests) is replaced by one that kills the plugin at
 * the deadline and reports a plugin that is missing, fails or is killed as one line: the plugin
 * reader keeps the child's last 'error' event and rejects with it when the child closes, so every
 * error the child emits is translated, and a failing exit becomes one.
 */
function boundCredentialPlugin(kc: KubeConfig, deadlines: RequestDeadlines): void {
  const authenticators = (kc as unknown as { authenticators: unknown[] }).authenticators;
  const execAuth = authenticators.find((a) => a instanceof ExecAuth) as unknown as { execFn: typeof spawn; bounded?: boolean } | undefined;
  if (!execAuth || execAuth.bounded) return;
  execAuth.bounded = true;
  const user = kc.getCurrentUser()?.name ?? '(none)';
  execAuth.execFn = ((command: string, args: readonly string[] | undefined, options: SpawnOptions) => {
    const child: ChildProcess = spawn(command, args ?? [], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    const where = `the credential plugin ${command} of kubeconfig user ${user}`;
    let stderr = '';
    let failed = false;
    const emit = child.emit.bind(child) as (event: string, ...args: unknown[]) => boolean;
    child.emit = ((event: string, ...args: unknown[]) => {
      if (event !== 'error') return emit(event, ...args);
      failed = true;
      const err = args[0] as NodeJS.ErrnoException;
      return emit('error', err instanceof EnvironmentError ? err : new EnvironmentError('E_CREDENTIAL_PLUGIN', `${where} could not be started (${err.code ?? err.message})`));
    }) as typeof child.emit;
    child.stderr?.on('data', (d: Buffer | string) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.emit('error', new EnvironmentError('E_CREDENTIAL_PLUGIN', `${where} did not return within ${seconds(deadlines.credentialPluginMs)}`));
      child.kill('SIGKILL');
    }, deadlines.credentialPluginMs);
    // Registered before the reader's own listener, so the reader rejects with this line.
    child.once('close', (code: number | null) => {
      clearTimeout(timer);
      if (!failed && code !== 0) child.emit('error', new EnvironmentError('E_CREDENTIAL_PLUGIN', `${where} failed with exit code ${code}${stderr.trim() ? `: ${stderr.trim().split('\n')[0]}` : ''}`));
    });
    return child;
  }) as typeof spawn;
}
