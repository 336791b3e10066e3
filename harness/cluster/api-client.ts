// The few Kubernetes API calls the cluster harness makes, through @kubernetes/client-node: server-side
// apply with our own field manager through the generic KubernetesObjectApi, list and delete, and exec
// over the websocket API with the exit code read from the status channel. Transient failures (429,
// 5xx, a reset connection) are retried with backoff; an unreachable server, 401 and 403 become one
// PrerequisiteError line naming the verb and the resource.
import { Writable } from 'node:stream';
import { Exec, type KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject, type V1Status } from '@kubernetes/client-node';
import { PrerequisiteError } from '../../cluster/errors.ts';
import { exitCodeOf } from './agnhost-output.ts';

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
  cause?: { code?: string };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);

/** The message of a metav1.Status body, which client-node hands over as an object or as JSON text. */
function statusMessage(body: unknown): string | undefined {
  let b = body;
  if (typeof body === 'string') {
    try {
      b = JSON.parse(body);
    } catch {
      return body.trim() || undefined;
    }
  }
  return typeof b === 'object' && b !== null && 'message' in b ? String((b as { message: unknown }).message) : undefined;
}

function networkCode(err: HttpishError): string | undefined {
  const c = typeof err.code === 'string' ? err.code : err.cause?.code;
  if (c && NETWORK_CODES.has(c)) return c;
  const m = /\b(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EAI_AGAIN|ECONNRESET)\b/.exec(err.message ?? '');
  return m?.[1];
}

function httpStatus(err: HttpishError): number | undefined {
  if (typeof err.code === 'number') return err.code;
  // The websocket handshake of exec fails as ws's "Unexpected server response: 403".
  const m = /Unexpected server response: (\d{3})/.exec(err.message ?? '');
  return m ? Number(m[1]) : undefined;
}

function transient(err: HttpishError): boolean {
  const s = httpStatus(err);
  if (s !== undefined) return s === 429 || s >= 500;
  const c = networkCode(err);
  return c === 'ECONNRESET' || c === 'EPIPE' || c === 'ETIMEDOUT' || c === 'EAI_AGAIN';
}

/**
 * One line for a failure the user must fix (unreachable server, bad credentials, missing permission),
 * or undefined when the failure is something else (a bug or a cluster problem to show as is).
 */
export function prerequisiteProblem(err: unknown, verb: string, resource: string, namespace: string | undefined, server: string): PrerequisiteError | undefined {
  const e = err as HttpishError;
  const status = httpStatus(e);
  const where = namespace ? ` in namespace ${namespace}` : '';
  if (status === 401) return new PrerequisiteError(`the cluster at ${server} rejected the credentials (401 Unauthorized): check --kubeconfig/--context`);
  // Creating in a namespace being deleted is also a 403, but no permission is missing.
  if (status === 403 && /being terminated/.test(statusMessage(e.body) ?? '')) return undefined;
  if (status === 403) {
    return new PrerequisiteError(`permission missing: cannot ${verb} ${resource}${where} on ${server} (403 Forbidden); grant deploy/rbac.yaml`);
  }
  const code = networkCode(e);
  if (code) return new PrerequisiteError(`cannot reach the cluster at ${server} (${code}): check --kubeconfig/--context and that the cluster is running`);
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

export function createApiClient(kc: KubeConfig, options: ApiClientOptions = {}): ApiClient {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const exec = new Exec(kc);
  const server = serverOf(kc);
  const attempts = options.attempts ?? 4;
  const backoffMs = options.backoffMs ?? 200;

  async function call<R>(verb: string, resource: string, namespace: string | undefined, fn: () => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const e = err as HttpishError;
        if (attempt < attempts && transient(e)) {
          await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)));
          continue;
        }
        const problem = prerequisiteProblem(err, verb, resource, namespace, server);
        if (problem) throw problem;
        const detail = statusMessage(e.body) ?? e.message ?? String(err);
        throw new Error(`${verb} ${resource}${namespace ? ` in ${namespace}` : ''} failed${httpStatus(e) ? ` (${httpStatus(e)})` : ''}: ${detail}`, { cause: err });
      }
    }
  }

  return {
    server,
    apply: (object) =>
      call('patch', resourceName(object.apiVersion!, object.kind!), object.metadata?.namespace, () =>
        // Server-side apply: the server merges, tracks our fields under FIELD_MANAGER, and creates
        // what does not exist; force takes over fields another manager last wrote.
        objects.patch(object as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
      ),
    list: async (apiVersion, kind, opts = {}) => {
      const result = await call('list', resourceName(apiVersion, kind), opts.namespace, () =>
        objects.list(apiVersion, kind, opts.namespace, undefined, undefined, undefined, undefined, opts.labelSelector),
      );
      return result.items as never[];
    },
    remove: async (object) => {
      try {
        await call('delete', resourceName(object.apiVersion!, object.kind!), object.metadata?.namespace, () =>
          objects.delete(object as KubernetesObject, undefined, undefined, 0, undefined, 'Background'),
        );
      } catch (err) {
        const cause = (err as { cause?: HttpishError }).cause;
        if (cause && httpStatus(cause) === 404) return;
        throw err;
      }
    },
    exec: (namespace, pod, container, command, timeoutMs) =>
      call('create', 'pods/exec', namespace, () => execOnce(exec, namespace, pod, container, command, timeoutMs)),
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
async function execOnce(exec: Exec, namespace: string, pod: string, container: string, command: string[], timeoutMs: number): Promise<ExecResult> {
  const out = collector();
  const err = collector();
  let status: V1Status | undefined;
  const ws = await exec.exec(namespace, pod, container, command, out.stream, err.stream, null, false, (s) => {
    status = s;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error(`exec in ${namespace}/${pod} did not finish within ${timeoutMs} ms: ${command.join(' ')}`));
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
  if (!status) throw new Error(`exec in ${namespace}/${pod} closed without a status: ${command.join(' ')}`);
  const exitCode = exitCodeOf(status);
  if (exitCode === undefined) throw new Error(`exec in ${namespace}/${pod} failed: ${status.message ?? JSON.stringify(status)}`);
  return { exitCode, stdout: out.text(), stderr: err.text() };
}
