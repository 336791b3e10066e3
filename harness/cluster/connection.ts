// Connecting like kubectl: --kubeconfig, else KUBECONFIG, else ~/.kube/config (or in-cluster), then
// --context. A preflight asks the API server, before anything is created, whether it is reachable,
// accepts the credentials and grants every verb the harness uses (SelfSubjectAccessReview, which
// every authenticated user may create), and names the first missing one in one line.
import { existsSync } from 'node:fs';
import { AuthorizationV1Api, KubeConfig } from '@kubernetes/client-node';
import { EnvironmentError, PrerequisiteError } from '../../cluster/errors.ts';
import { serverOf, withRetries, type ApiClientOptions } from './api-client.ts';
import { ApiServerError, boundedConfiguration, deadlinesFor } from './request-deadlines.ts';

export interface ConnectionSettings {
  kubeconfig?: string;
  context?: string;
}

export function loadKubeConfig(settings: ConnectionSettings = {}, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  const file = settings.kubeconfig;
  try {
    if (file) {
      if (!existsSync(file)) throw new PrerequisiteError(`kubeconfig ${file} does not exist`);
      kc.loadFromFile(file);
    } else {
      const fromEnv = env.KUBECONFIG?.split(':').filter(Boolean) ?? [];
      const missing = fromEnv.filter((f) => !existsSync(f));
      if (fromEnv.length > 0 && missing.length === fromEnv.length) throw new PrerequisiteError(`KUBECONFIG names no existing file (${fromEnv.join(', ')})`);
      const home = env.HOME ? `${env.HOME}/.kube/config` : undefined;
      const inCluster = Boolean(env.KUBERNETES_SERVICE_HOST);
      // client-node falls back to http://localhost:8080 when it finds nothing; say so instead.
      if (fromEnv.length === 0 && !(home && existsSync(home)) && !inCluster) {
        throw new PrerequisiteError('no kubeconfig found: pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config');
      }
      kc.loadFromDefault();
    }
  } catch (err) {
    if (err instanceof PrerequisiteError) throw err;
    throw new PrerequisiteError(`cannot read kubeconfig ${file ?? env.KUBECONFIG ?? '~/.kube/config'}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (settings.context) {
    if (!kc.getContextObject(settings.context)) {
      throw new PrerequisiteError(`context '${settings.context}' is not in the kubeconfig (it has: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    }
    kc.setCurrentContext(settings.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new PrerequisiteError('no cluster to connect to: pass --kubeconfig or --context, or set KUBECONFIG');
  }
  checkCurrentContext(kc);
  return kc;
}

/**
 * What client-node would only find out mid-request, with a stack: a server URL that is not http(s),
 * a certificate or key file that is not there. One line each, naming the context. A plain http://
 * server (what `kubectl proxy` serves) is accepted as kubectl accepts it: client-node refuses http
 * unless TLS verification is off, and over http there is nothing to verify.
 */
function checkCurrentContext(kc: KubeConfig): void {
  const cluster = kc.getCurrentCluster()!;
  const user = kc.getCurrentUser();
  const where = `kubeconfig context ${kc.getCurrentContext()}`;
  let url: URL | undefined;
  try {
    url = new URL(cluster.server);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname) {
    throw new EnvironmentError('E_KUBECONFIG', `${where}: cluster ${cluster.name} has server '${cluster.server}', not an http(s) URL`);
  }
  if (url.protocol === 'http:') (cluster as { skipTLSVerify: boolean }).skipTLSVerify = true;
  const files: [string, string | undefined][] = [
    ['certificate-authority', cluster.caFile],
    ['client-certificate', user?.certFile],
    ['client-key', user?.keyFile],
  ];
  for (const [field, file] of files) {
    if (file && !existsSync(file)) throw new EnvironmentError('E_KUBECONFIG', `${where}: ${field} file ${file} does not exist`);
  }
}

/** One permission the harness needs: what `kubectl auth can-i VERB RESOURCE` would ask. */
export interface Permission {
  verb: string;
  resource: string;
  group: string;
  subresource?: string;
}

/** Exactly what the harness does; deploy/rbac.yaml grants these and nothing else. */
export const REQUIRED_PERMISSIONS: readonly Permission[] = [
  ...['list', 'patch', 'create', 'delete'].map((verb) => ({ verb, resource: 'namespaces', group: '' })),
  ...['list', 'patch', 'create', 'delete'].map((verb) => ({ verb, resource: 'pods', group: '' })),
  { verb: 'create', resource: 'pods', group: '', subresource: 'exec' },
  { verb: 'get', resource: 'pods', group: '', subresource: 'exec' },
  // Services and policies are never listed: the run keeps what it applied (rbac.test.ts checks
  // that a whole run and gc use exactly this list).
  ...['patch', 'create', 'delete'].map((verb) => ({ verb, resource: 'services', group: '' })),
  ...['patch', 'create', 'delete'].map((verb) => ({ verb, resource: 'networkpolicies', group: 'networking.k8s.io' })),
  { verb: 'list', resource: 'nodes', group: '' },
  // Read only: a Service without a selector is created once the controllers have removed the
  // Endpoints and EndpointSlices an earlier Service of its name had (they never do on selector removal).
  { verb: 'list', resource: 'endpoints', group: '' },
  { verb: 'list', resource: 'endpointslices', group: 'discovery.k8s.io' },
];

export function permissionText(p: Permission): string {
  return `${p.verb} ${p.resource}${p.subresource ? `/${p.subresource}` : ''}${p.group ? `.${p.group}` : ''}`;
}

/**
 * Reachability, credentials, then each permission (cluster-wide: a run creates its own namespaces).
 * Throws a PrerequisiteError naming the first problem.
 */
export async function preflight(kc: KubeConfig, permissions: readonly Permission[] = REQUIRED_PERMISSIONS, options: ApiClientOptions = {}): Promise<void> {
  const server = serverOf(kc);
  const authz = new AuthorizationV1Api(boundedConfiguration(kc, server, options.deadlines ?? deadlinesFor(options.requestTimeoutMs)));
  // One review per permission, all at once: a preflight costs one round trip, not twenty.
  const allowed = await Promise.all(
    permissions.map(async (p) => {
      const review = await withRetries(server, 'create', 'selfsubjectaccessreviews.authorization.k8s.io', undefined, () =>
        authz.createSelfSubjectAccessReview({
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes: { verb: p.verb, resource: p.resource, group: p.group, ...(p.subresource ? { subresource: p.subresource } : {}) } },
          },
        }),
        options,
      );
      // An answer without status.allowed is not a review: reading it as "denied" would blame RBAC.
      if (typeof review?.status?.allowed !== 'boolean') {
        throw new ApiServerError('E_API_ANSWER', `the API server at ${server} answered a SelfSubjectAccessReview without status.allowed: is this a Kubernetes API server?`);
      }
      return review.status.allowed;
    }),
  );
  const missing = permissions.filter((_, i) => !allowed[i]).map(permissionText);
  if (missing.length > 0) {
    throw new PrerequisiteError(`permission missing on ${server}: cannot ${missing.join(', ')} (grant deploy/rbac.yaml)`);
  }
}
