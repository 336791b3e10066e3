// The few Kubernetes API calls the cluster harness makes, through @kubernetes/client-node: server-side
// apply with our own field manager through the generic KubernetesObjectApi, list and delete, and exec
// over the websocket API with the exit code read from the status channel. Every request is bounded
// in time (request-deadlines.ts). Transient failures (429, 5xx, a reset connection, a dropped exec
// websocket) are retried a bounded number of times with backoff, honouring Retry-After. What the
// user must fix (401, 403) becomes one PrerequisiteError line (exit 2); a server that is unreachable,
// times out, keeps failing or answers nonsense becomes one ApiServerError line (exit 3), each naming
// the server, the verb and the resource; anything else (a 422 for an object we wrote) is a bug.
import { Writable } from 'node:stream';
import { Exec, type KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject, type V1Status } from '@kubernetes/client-node';
import { NetpropsError, PrerequisiteError } from '../../cluster/errors.ts';
import { exitCodeOf } from './agnhost-output.ts';
import { clientNodeForm } from './client-node-form.ts';
import { ApiServerError, boundedConfiguration, boundedWebSocketHandler, deadlinesFor, type RequestDeadlines } from './request-deadlines.ts';

export const FIELD_MANAGER = 'netprops';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ApiClientOptions {
  /** Attempts for a transient failure (default 4). */
  attempts?: number;
  /** First backoff in ms, doubled each retry (default 200). */
  backoffMs?: number;
  /** The longest Retry-After honoured, in ms (default 10 s): a longer one is waited this long. */
  maxRetryAfterMs?: number;
  /** Per-request deadlines (default DEFAULT_DEADLINES); `requestTimeoutMs` is the CLI's --request-timeout. */
  deadlines?: RequestDeadlines;
  requestTimeoutMs?: number;
}

/** The server a KubeConfig points at, for messages. */
export function serverOf(kc: KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? '(no cluster in kubeconfig)';
}

/** A resource as `kubectl auth can-i` names it: `pods`, `pods/exec`, `networkpolicies.networking.k8s.io`. */
export function resourceName(apiVersion: string, kind: string, subresource?: string): string {
  const lower = kind.toLowerCase();
  const plural = lower.endsWith('y') ? `${lower.slice(0, -1)}ies` : `${lower}s`;
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return `${plural}${subresource ? `/${subresource}` : ''}${group ? `.${group}` : ''}`;
}

interface HttpishError {
  code?: number | string;
  body?: unknown;
  message?: string;
  headers?: Record<string, string>;
  cause?: { code?: string };
  /** ws's ErrorEvent wraps the Node error. */
  error?: { code?: string; message?: string };
}

/** Node's codes for a server that cannot be reached at all. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'EADDRNOTAVAIL']);
/** A connection that broke mid-way: worth another try. */
const RESET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET']);

/** The message of a metav1.Status body, which client-node hands over as an object or as JSON text. */
function statusMessage(body: unknown): string | undefined {
  let b = body;
  if (typeof body === 'string') {
    try {
      b = JSON.parse(body);
    } catch {
      return body.trim().split('\n')[0].slice(0, 200) || undefined;
    }
  }
  return typeof b === 'object' && b !== null && 'message' in b ? String((b as { message: unknown }).message) : undefined;
}

function errnoCode(err: HttpishError): string | undefined {
  if (typeof err.code === 'string') return err.code;
  return err.cause?.code ?? err.error?.code ?? /\b(E[A-Z]{4,}|ERR_[A-Z_]+)\b/.exec(err.message ?? '')?.[1];
}

function httpStatus(err: HttpishError): number | undefined {
  if (typeof err.code === 'number') return err.code;
  // The websocket handshake of exec fails as ws's "Unexpected server response: 403".
  const m = /Unexpected server response: (\d{3})/.exec(err.message ?? err.error?.message ?? '');
  return m ? Number(m[1]) : undefined;
}

function retryAfterMs(err: HttpishError): number | undefined {
  const value = err.headers?.['retry-after'];
  if (value === undefined) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

const REASONS: Record<number, string> = { 404: 'Not Found', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

/**
 * The typed error for a failed request: a PrerequisiteError for what the user must fix (401, 403,
 * exit 2), an ApiServerError for a server that failed (exit 3), or undefined for a bug of ours.
 */
export function requestProblem(err: unknown, verb: string, resource: string, namespace: string | undefined, server: string): NetpropsError | undefined {
  if (err instanceof NetpropsError) {
    // KubernetesObjectApi prefixes a failed discovery's message in place; our line says it already.
    err.message = err.message.replace(/^Failed to fetch resource metadata for [^:]+: /, '');
    return err;
  }
  const e = (err ?? {}) as HttpishError;
  const status = httpStatus(e);
  const where = namespace ? ` in namespace ${namespace}` : '';
  const request = `${verb} ${resource}${where}`;
  if (status === 401) return new PrerequisiteError(`the cluster at ${server} rejected the credentials (401 Unauthorized): check --kubeconfig/--context`);
  // Creating in a namespace being deleted is also a 403, but no permission is missing.
  if (status === 403 && /being terminated/.test(statusMessage(e.body) ?? '')) return undefined;
  if (status === 403) {
    return new PrerequisiteError(`permission missing: cannot ${verb} ${resource}${where} on ${server} (403 Forbidden); grant deploy/rbac.yaml`);
  }
  if (status !== undefined && (status === 429 || status >= 500)) {
    const detail = statusMessage(e.body);
    return new ApiServerError('E_API_STATUS', `the API server at ${server} answered ${status} ${REASONS[status] ?? ''} to ${request}${detail ? `: ${detail}` : ''}`.replace(/ +to/, ' to'), true, retryAfterMs(e));
  }
  // Discovery of the resource's path failed: the server does not serve this API.
  if (status === 404 && /Failed to fetch resource metadata/.test(e.message ?? '')) {
    return new ApiServerError('E_API_STATUS', `the API server at ${server} does not serve ${resource} (404 Not Found on discovery): is this a Kubernetes API server?`);
  }
  if (status === 404 && verb === 'create' && resource.includes('accessreviews')) {
    return new ApiServerError('E_API_STATUS', `the API server at ${server} answered 404 Not Found to ${request}: is this a Kubernetes API server?`);
  }
  const code = errnoCode(e);
  if (code && UNREACHABLE.has(code)) return new ApiServerError('E_API_UNREACHABLE', `cannot reach the cluster at ${server} (${code}): check --kubeconfig/--context and that the cluster is running`);
  if (code && RESET.has(code)) return new ApiServerError('E_API_RESET', `the API server at ${server} dropped the connection (${code}) during ${request}`, true);
  if (code && (/CERT|SIGNATURE|SELF_SIGNED|ERR_TLS|ERR_SSL|EPROTO/.test(code))) {
    const m = e.message ?? e.error?.message ?? '';
    return new ApiServerError('E_API_TLS', `TLS with the API server at ${server} failed (${code})${m && !m.includes(code) ? `: ${m.split('\n')[0]}` : ''}: check the kubeconfig's certificate-authority and server`);
  }
  if (/Opening handshake has timed out/.test(e.message ?? e.error?.message ?? '')) {
    return new ApiServerError('E_API_TIMEOUT', `the API server at ${server} did not open the exec websocket in time (${request})`);
  }
  return undefined;
}
/** Any object to apply: kubernetes-models' and client-node's types alike. */
export interface ApiObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: unknown;
}

export interface ApiClient {
  readonly server: string;
  /** Server-side apply; resolves with the object as the server stored it. */
  apply(object: ApiObject): Promise<KubernetesObject & { spec?: unknown; status?: unknown }>;
  list<T extends KubernetesObject>(apiVersion: string, kind: string, options?: { namespace?: string; labelSelector?: string }): Promise<T[]>;
  /** Deletes; a missing object is not an error (teardown is idempotent). */
  remove(object: ApiObject): Promise<void>;
  exec(namespace: string, pod: string, container: string, command: string[], timeoutMs: number): Promise<ExecResult>;
}

/**
 * Runs one request, retrying transient failures (attempts in all, exponential backoff from
 * backoffMs, at least what Retry-After asks up to maxRetryAfterMs); throws the typed error.
 */
export async function withRetries<R>(server: string, verb: string, resource: string, namespace: string | undefined, fn: () => Promise<R>, options: ApiClientOptions = {}): Promise<R> {
  const attempts = options.attempts ?? 4;
  const backoffMs = options.backoffMs ?? 200;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const problem = requestProblem(err, verb, resource, namespace, server);
      if (problem instanceof ApiServerError && problem.retryable && attempt < attempts) {
        const wait = Math.max(backoffMs * 2 ** (attempt - 1), Math.min(problem.retryAfterMs ?? 0, maxRetryAfterMs));
        await new Promise((r) => setTimeout(r, wait));
        continue;
      }
      if (problem instanceof ApiServerError && problem.retryable && attempts > 1) {
        throw new ApiServerError(problem.code, `${problem.message} (${attempts} attempts)`);
      }
      if (problem) throw problem;
      const e = err as HttpishError;
      const detail = statusMessage(e.body) ?? e.message ?? String(err);
      throw new Error(`${verb} ${resource}${namespace ? ` in ${namespace}` : ''} failed${httpStatus(e) ? ` (${httpStatus(e)})` : ''}: ${detail}`, { cause: err });
    }
  }
}

export function createApiClient(kc: KubeConfig, options: ApiClientOptions = {}): ApiClient {
  const server = serverOf(kc);
  const deadlines = options.deadlines ?? deadlinesFor(options.requestTimeoutMs);
  const objects = new KubernetesObjectApi(boundedConfiguration(kc, server, deadlines));
  // As KubernetesObjectApi.makeApiClient does: the context's namespace for an object without one.
  (objects as unknown as { setDefaultNamespace(kc: KubeConfig): void }).setDefaultNamespace(kc);
  const exec = new Exec(kc, boundedWebSocketHandler(kc, deadlines));
  const call = <R>(verb: string, resource: string, namespace: string | undefined, fn: () => Promise<R>) => withRetries(server, verb, resource, namespace, fn, options);

  return {
    server,
    apply: (object) =>
      call('patch', resourceName(object.apiVersion!, object.kind!), object.metadata?.namespace, () =>
        // Server-side apply: the server merges, tracks our fields under FIELD_MANAGER, and creates
        // what does not exist; force takes over fields another manager last wrote.
        objects.patch(clientNodeForm(object as KubernetesObject), undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
      ),
    list: async (apiVersion, kind, opts = {}) => {
      const result = await call('list', resourceName(apiVersion, kind), opts.namespace, () =>
        objects.list(apiVersion, kind, opts.namespace, undefined, undefined, undefined, undefined, opts.labelSelector),
      );
      if (!Array.isArray(result?.items)) throw new ApiServerError('E_API_ANSWER', `the API server at ${server} answered list ${resourceName(apiVersion, kind)} without items`);
      return result.items as never[];
    },
    remove: async (object) => {
      try {
        await call('delete', resourceName(object.apiVersion!, object.kind!), object.metadata?.namespace, () =>
          // No gracePeriodSeconds: the object's own grace period applies. 0 would be a force delete,
          // which removes a pod from the API before the kubelet has stopped it (its IP still in use).
          objects.delete(object as KubernetesObject, undefined, undefined, undefined, undefined, 'Background'),
        );
      } catch (err) {
        const cause = (err as { cause?: HttpishError }).cause;
        if (cause && httpStatus(cause) === 404) return;
        throw err;
      }
    },
    exec: (namespace, pod, container, command, timeoutMs) =>
      call('create', 'pods/exec', namespace, () => execOnce(exec, server, namespace, pod, container, command, timeoutMs)),
  };
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** One exec; resolves when the websocket closes, with the exit code from the status channel. */
async function execOnce(exec: Exec, server: string, namespace: string, pod: string, container: string, command: string[], timeoutMs: number): Promise<ExecResult> {
  const out = collector();
  const err = collector();
  let status: V1Status | undefined;
  // The opening handshake is bounded by the websocket's own timeout (request-deadlines.ts).
  const ws = await exec.exec(namespace, pod, container, command, out.stream, err.stream, null, false, (s) => {
    status = s;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.close();
      reject(new ApiServerError('E_EXEC_TIMEOUT', `exec in ${namespace}/${pod} on ${server} did not finish within ${timeoutMs} ms: ${command.join(' ')}`));
    }, timeoutMs);
    ws.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.on('error', (e: Error) => {
      clearTimeout(timer);
      reject(e);
    });
  });
  if (!status) throw new ApiServerError('E_EXEC_DROPPED', `the exec websocket to ${namespace}/${pod} on ${server} closed before the command's exit status arrived`, true);
  const exitCode = exitCodeOf(status);
  if (exitCode === undefined) throw new Error(`exec in ${namespace}/${pod} failed: ${status.message ?? JSON.stringify(status)}`);
  return { exitCode, stdout: out.text(), stderr: err.text() };
}
