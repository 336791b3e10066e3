// An in-process fake of the Kubernetes API server, on loopback, for the calls the cluster harness
// makes: discovery, server-side apply (PATCH application/apply-patch+yaml), GET/LIST (label
// selectors)/DELETE, SelfSubjectAccessReview, and exec over the websocket channel protocol
// (v4/v5.channel.k8s.io: byte 0 of each message is the channel, 1 stdout, 2 stderr, 3 the V1Status
// carrying the exit code). Pods start after a delay, get IPs and a Ready condition driven by the
// readiness file; exec runs a pluggable handler. Test support only: it models what the harness
// relies on, not all of the API server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { KubeConfig } from '@kubernetes/client-node';
import { batchOutput, parseBatch } from './probe-batch.ts';
import { hasServiceSelector } from '../../cluster/label-selector.ts';

export interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; uid?: string; creationTimestamp?: string; deletionTimestamp?: string; deletionGracePeriodSeconds?: number };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface ExecCall {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
}

export interface ExecReply {
  exitCode: number;
  stdout?: string;
  stderr?: string;
  /** Extra time the command takes. */
  delayMs?: number;
}

export interface FakeApiServerOptions {
  token?: string;
  nodes?: { name: string; internalIP: string; controlPlane?: boolean }[];
  /** From apply to Running with an IP (default 20 ms). */
  podStartMs?: number;
  /**
   * How long the kubelet takes to stop a pod deleted with a grace period (default 30 ms): until
   * then the pod stays, with a deletionTimestamp. A delete with grace period 0 removes it at once.
   */
  podStopMs?: number;
  /** `verb resource` strings (e.g. `create pods/exec`, `delete namespaces`) this user may not do. */
  forbidden?: string[];
  /** Delay before answering each HTTP request (a slow API server). */
  latencyMs?: number;
  /** The exec subprotocol to pick when the client offers it (default: v5, else v4). */
  execProtocol?: 'v4.channel.k8s.io' | 'v5.channel.k8s.io';
  /** Every exec websocket is dropped once open, before any output or exit status. */
  execDrop?: boolean;
  /** Every probe batch's shell exits with this status before running a probe (as an unwritable /tmp makes it: 125). */
  batchExit?: number;
  /**
   * How long after a Service is deleted its Endpoints and EndpointSlices go (default 0: at the next
   * turn of the event loop), as kube-controller-manager's endpoints controller and garbage collector.
   */
  endpointsCleanupMs?: number;
  /** Answers a probe's exec; the default answers readiness toggles and fails anything else. */
  exec?: (call: ExecCall, server: FakeApiServer) => ExecReply | Promise<ExecReply>;
}

interface Resource {
  plural: string;
  kind: string;
  namespaced: boolean;
  group: string;
  version: string;
}

const RESOURCES: Resource[] = [
  { plural: 'namespaces', kind: 'Namespace', namespaced: false, group: '', version: 'v1' },
  { plural: 'nodes', kind: 'Node', namespaced: false, group: '', version: 'v1' },
  { plural: 'pods', kind: 'Pod', namespaced: true, group: '', version: 'v1' },
  { plural: 'services', kind: 'Service', namespaced: true, group: '', version: 'v1' },
  { plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true, group: 'networking.k8s.io', version: 'v1' },
  // Made by the fake's stand-ins for kube-controller-manager's endpoints and EndpointSlice controllers.
  { plural: 'endpoints', kind: 'Endpoints', namespaced: true, group: '', version: 'v1' },
  { plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true, group: 'discovery.k8s.io', version: 'v1' },
];

const GROUP_PATHS: Record<string, string> = { '/api/v1': '', '/apis/networking.k8s.io/v1': 'networking.k8s.io', '/apis/discovery.k8s.io/v1': 'discovery.k8s.io' };

/** The annotation on the fake's controller-made EndpointSlices: the selector that chose their endpoints. */
export const FAKE_SLICE_SELECTOR_ANNOTATION = 'fake.netprops.dev/selector';

export interface RequestRecord {
  method: string;
  path: string;
  /** The query string, with its `?` (empty when none). */
  query: string;
  contentType?: string;
  fieldManager?: string;
  at: number;
}

/** Equality and existence label selectors, as the harness writes them (`k=v,k2`, `!k`). */
export function matchesLabelSelector(selector: string | null, labels: Record<string, string> = {}): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    if (term.startsWith('!')) return !(term.slice(1) in labels);
    const [k, v] = term.split(/!=|==|=/);
    if (v === undefined) return k in labels;
    if (term.includes('!=')) return labels[k] !== v;
    return labels[k] === v;
  });
}

/** The overlay tunnel address the fake gives the node with this InternalIP. */
export function tunnelAddress(hostIP: string): string {
  return `10.250.${hostIP.split('.')[3]}.1`;
}

export class FakeApiServer {
  readonly objects = new Map<string, StoredObject>();
  readonly requests: RequestRecord[] = [];
  readonly execCalls: ExecCall[] = [];
  /**
   * What RBAC would have checked for the requests served, as `verb resource[.group]` (kubectl auth
   * can-i's words): a server-side apply that creates its object needs create as well as patch, and
   * an exec over websocket is a create of pods/exec.
   */
  readonly permissionsUsed = new Set<string>();
  /** The subprotocol each exec websocket negotiated. */
  readonly execProtocols: string[] = [];
  /** Highest number of exec websockets open at once. */
  peakExecs = 0;
  private openExecs = 0;
  private server!: http.Server;
  private wss!: WebSocketServer;
  private failures: { match: RegExp; status: number; remaining: number; message: string }[] = [];
  private notReady = new Set<string>();
  private nextPodIP = 10;
  private nextUid = 1;
  private nextClusterIP = 10;
  /** NetworkPolicies (ns/name) whose stored spec.policyTypes the server defaulted. */
  private defaultedPolicyTypes = new Set<string>();
  private nextNodePort = 30000;
  url = '';

  constructor(readonly options: FakeApiServerOptions = {}) {
    for (const n of options.nodes ?? [{ name: 'kind-control-plane', internalIP: '172.18.0.2', controlPlane: true }, { name: 'kind-worker', internalIP: '172.18.0.3' }, { name: 'kind-worker2', internalIP: '172.18.0.4' }]) {
      this.put({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, ...(n.controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {}) } },
        spec: n.controlPlane ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {},
        status: { addresses: [{ type: 'InternalIP', address: n.internalIP }], conditions: [{ type: 'Ready', status: 'True' }] },
      });
    }
  }

  /** The next `count` requests whose `METHOD path` matches fail with `status` (e.g. 500, 429). */
  failNext(match: RegExp, status: number, count = 1, message = 'injected failure'): void {
    this.failures.push({ match, status, remaining: count, message });
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (protocols) => {
        const preferred = this.options.execProtocol ? [this.options.execProtocol] : ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
        return preferred.find((p) => protocols.has(p)) ?? false;
      },
    });
    this.server.on('upgrade', (req, socket, head) => {
      if (!this.authorized(req)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
        return;
      }
      if (this.isForbidden('create', 'pods/exec')) {
        socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        return;
      }
      const path = new URL(req.url ?? '/', this.url).pathname;
      const failure = this.failures.find((f) => f.remaining > 0 && f.match.test(`GET ${path}`));
      if (failure) {
        failure.remaining--;
        socket.end(`HTTP/1.1 ${failure.status} Injected\r\n\r\n`);
        return;
      }
      this.permissionsUsed.add('create pods/exec');
      this.wss.handleUpgrade(req, socket, head, (ws) => void this.handleExec(req, ws));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A KubeConfig pointing at this server, with the right (or a given) token. */
  kubeConfig(token = this.options.token ?? 'secret'): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'u', token }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'u' }],
      currentContext: 'fake',
    });
    return kc;
  }

  /** The kubeconfig as YAML, for tests that go through a file. */
  kubeConfigYAML(token = this.options.token ?? 'secret'): string {
    return this.kubeConfig(token).exportConfig();
  }

  list(kind: string, namespace?: string): StoredObject[] {
    return [...this.objects.values()].filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace));
  }

  get(kind: string, namespace: string | undefined, name: string): StoredObject | undefined {
    return this.objects.get(this.key(kind, namespace, name));
  }

  isReady(namespace: string, pod: string): boolean {
    return !this.notReady.has(`${namespace}/${pod}`);
  }

  private key(kind: string, namespace: string | undefined, name: string): string {
    return `${kind}/${namespace ?? ''}/${name}`;
  }

  private put(o: StoredObject): void {
    this.objects.set(this.key(o.kind, o.metadata.namespace, o.metadata.name), o);
  }

  private authorized(req: http.IncomingMessage): boolean {
    return req.headers.authorization === `Bearer ${this.options.token ?? 'secret'}`;
  }

  private isForbidden(verb: string, resource: string): boolean {
    return (this.options.forbidden ?? []).includes(`${verb} ${resource}`);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));
    this.requests.push({ method: req.method ?? '', path: url.pathname, query: url.search, contentType: req.headers['content-type'], fieldManager: url.searchParams.get('fieldManager') ?? undefined, at: performance.now() });
    const send = (status: number, obj: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    const status = (code: number, reason: string, message: string) => send(code, { apiVersion: 'v1', kind: 'Status', status: 'Failure', code, reason, message });
    if (!this.authorized(req)) return status(401, 'Unauthorized', 'Unauthorized');
    const failure = this.failures.find((f) => f.remaining > 0 && f.match.test(`${req.method} ${url.pathname}`));
    if (failure) {
      failure.remaining--;
      return status(failure.status, failure.status === 429 ? 'TooManyRequests' : failure.status === 403 ? 'Forbidden' : 'InternalError', failure.message);
    }
    const path = url.pathname;
    if (path in GROUP_PATHS) {
      const group = GROUP_PATHS[path];
      return send(200, {
        kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/v1` : 'v1',
        resources: RESOURCES.filter((r) => r.group === group).map((r) => ({ name: r.plural, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: ['create', 'delete', 'get', 'list', 'patch'] })),
      });
    }
    if (path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' && req.method === 'POST') {
      const review = JSON.parse(body);
      const a = review.spec.resourceAttributes;
      const resource = `${a.resource}${a.subresource ? `/${a.subresource}` : ''}`;
      return send(201, { ...review, status: { allowed: !this.isForbidden(a.verb, resource) } });
    }
    const m = /^\/(?:api\/v1|apis\/networking\.k8s\.io\/v1|apis\/discovery\.k8s\.io\/v1)(?:\/namespaces\/([^/]+))?\/([a-z]+)(?:\/([^/]+))?$/.exec(path);
    // /api/v1/namespaces/NAME is the namespace itself, not a namespaced collection.
    const nsItself = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(path);
    const resource = nsItself ? RESOURCES[0] : RESOURCES.find((r) => r.plural === m?.[2]);
    if (!m && !nsItself) return status(404, 'NotFound', `no route ${path}`);
    if (!resource) return status(404, 'NotFound', `no resource ${path}`);
    const namespace = nsItself ? undefined : m![1];
    const name = nsItself ? nsItself[1] : m![3];
    const verb = req.method === 'PATCH' ? 'patch' : req.method === 'DELETE' ? 'delete' : name ? 'get' : 'list';
    if (this.isForbidden(verb, resource.plural)) return status(403, 'Forbidden', `${resource.plural} is forbidden: cannot ${verb}`);
    const rbacName = `${resource.plural}${resource.group ? `.${resource.group}` : ''}`;
    this.permissionsUsed.add(`${verb} ${rbacName}`);
    if (verb === 'patch' && name && !this.get(resource.kind, namespace, name)) this.permissionsUsed.add(`create ${rbacName}`);
    if (namespace && !this.get('Namespace', undefined, namespace) && req.method === 'PATCH') return status(404, 'NotFound', `namespaces "${namespace}" not found`);

    if (req.method === 'GET' && !name) {
      const items = this.list(resource.kind, namespace).filter((o) => matchesLabelSelector(url.searchParams.get('labelSelector'), o.metadata.labels));
      return send(200, { apiVersion: resource.group ? `${resource.group}/v1` : 'v1', kind: `${resource.kind}List`, metadata: {}, items });
    }
    if (req.method === 'GET' && name) {
      const o = this.get(resource.kind, namespace, name);
      return o ? send(200, o) : status(404, 'NotFound', `${resource.plural} "${name}" not found`);
    }
    if (req.method === 'DELETE' && name) {
      const o = this.get(resource.kind, namespace, name);
      if (!o) return status(404, 'NotFound', `${resource.plural} "${name}" not found`);
      if (resource.kind === 'Pod') return send(200, this.deletePod(o, url, body));
      this.objects.delete(this.key(resource.kind, namespace, name));
      if (resource.kind === 'Service') this.cleanUpEndpoints(o);
      if (resource.kind === 'Namespace') for (const [k, v] of this.objects) if (v.metadata.namespace === name) this.objects.delete(k);
      return send(200, { apiVersion: 'v1', kind: 'Status', status: 'Success' });
    }
    if (req.method === 'PATCH' && name) {
      if (req.headers['content-type'] !== 'application/apply-patch+yaml') return status(415, 'UnsupportedMediaType', 'only server-side apply is modelled');
      if (url.searchParams.get('fieldManager') === null) return status(422, 'Invalid', 'fieldManager is required for apply patch');
      try {
        return send(200, this.apply(resource, JSON.parse(body) as StoredObject));
      } catch (err) {
        // As the real server: an update the object's validation refuses is 422 Invalid.
        if ((err as { code?: number }).code === 422) return status(422, 'Invalid', (err as Error).message);
        throw err;
      }
    }
    return status(405, 'MethodNotAllowed', `${req.method} ${path}`);
  }

  private apply(resource: Resource, obj: StoredObject): StoredObject {
    const prev = this.get(resource.kind, obj.metadata.namespace, obj.metadata.name);
    const metadata = { ...prev?.metadata, ...obj.metadata, uid: prev?.metadata.uid ?? `uid-${this.nextUid++}`, creationTimestamp: prev?.metadata.creationTimestamp ?? new Date().toISOString() };
    if (resource.kind === 'Namespace') metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name };
    if (resource.kind === 'Pod' && prev && JSON.stringify(prev.spec?.containers) !== JSON.stringify(obj.spec?.containers)) {
      throw Object.assign(new Error(`Pod "${obj.metadata.name}" is invalid: spec: Forbidden: pod updates may not change fields other than the mutable ones`), { code: 422 });
    }
    const stored: StoredObject = { ...prev, ...obj, metadata };
    if (resource.kind === 'Pod' && !prev) this.startPod(stored);
    if (resource.kind === 'Service') {
      const spec = { ...(obj.spec as Record<string, unknown>) };
      const prevSpec = prev?.spec as Record<string, unknown> | undefined;
      spec.clusterIP = spec.clusterIP ?? prevSpec?.clusterIP ?? `10.96.0.${this.nextClusterIP++}`;
      this.defaultIPFamilies(obj.metadata.name, spec, prevSpec);
      if (spec.type === 'NodePort') {
        spec.ports = (spec.ports as Record<string, unknown>[]).map((p, i) => ({ ...p, nodePort: (prevSpec?.ports as Record<string, unknown>[] | undefined)?.[i]?.nodePort ?? this.nextNodePort++ }));
      }
      stored.spec = spec;
      this.putEndpoints(stored);
    }
    if (resource.kind === 'NetworkPolicy') {
      // As the real API server: spec.policyTypes left out is defaulted ([Ingress], plus Egress when
      // spec.egress has a rule) and stored; no field manager owns it, so an apply that leaves it out
      // again keeps the stored value, and only a new object is defaulted anew.
      const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
      const spec = { ...(obj.spec as { policyTypes?: string[]; egress?: unknown[] }) };
      if ((spec.policyTypes?.length ?? 0) > 0) this.defaultedPolicyTypes.delete(key);
      else {
        const kept = prev && this.defaultedPolicyTypes.has(key) ? (prev.spec as { policyTypes?: string[] }).policyTypes : undefined;
        spec.policyTypes = kept ?? ((spec.egress?.length ?? 0) > 0 ? ['Ingress', 'Egress'] : ['Ingress']);
        this.defaultedPolicyTypes.add(key);
      }
      stored.spec = spec;
    }
    this.put(stored);
    return stored;
  }

  /**
   * As a single-stack IPv4 API server: ipFamilyPolicy and ipFamilies left out are kept from the stored
   * Service (defaults no field manager owns) or defaulted for a new one: RequireDualStack with both
   * families for a headless Service without a selector, SingleStack IPv4 otherwise. Any other Service
   * that is RequireDualStack is refused, as the real server refuses a headless Service that gains a
   * selector in place.
   */
  private defaultIPFamilies(name: string, spec: Record<string, unknown>, prevSpec: Record<string, unknown> | undefined): void {
    const dualStackAllowed = spec.clusterIP === 'None' && !hasServiceSelector(spec.selector as Record<string, string> | undefined);
    spec.ipFamilyPolicy ??= prevSpec?.ipFamilyPolicy ?? (dualStackAllowed ? 'RequireDualStack' : 'SingleStack');
    spec.ipFamilies ??= prevSpec?.ipFamilies ?? (dualStackAllowed ? ['IPv4', 'IPv6'] : ['IPv4']);
    if (spec.ipFamilyPolicy === 'RequireDualStack' && !dualStackAllowed) {
      throw Object.assign(
        new Error(`Service "${name}" is invalid: [spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services, spec.ipFamilies[1]: Invalid value: "IPv6": not configured on this cluster]`),
        { code: 422 },
      );
    }
  }

  /**
   * As kube-controller-manager's endpoints and EndpointSlice controllers, for a Service with a
   * selector: an Endpoints of its name and one EndpointSlice labelled with it (owned by the Service),
   * recording the selector (the pods themselves are not tracked). A Service without a selector gets
   * none, and, as upstream, what an earlier selector made is left in place (kubernetes#91072).
   */
  private putEndpoints(svc: StoredObject): void {
    const selector = (svc.spec as { selector?: Record<string, string> }).selector;
    if (!selector || Object.keys(selector).length === 0) return;
    const { namespace, name } = svc.metadata;
    const annotations = { [FAKE_SLICE_SELECTOR_ANNOTATION]: JSON.stringify(selector) };
    this.put({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, annotations, uid: `uid-${this.nextUid++}` } });
    this.put({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-fake`, namespace, labels: { 'kubernetes.io/service-name': name }, annotations: { ...annotations, 'fake.netprops.dev/owner-uid': svc.metadata.uid! }, uid: `uid-${this.nextUid++}` },
    });
  }

  /**
   * After a Service is deleted: the endpoints controller deletes its Endpoints only if no Service of
   * that name exists when it syncs (a Service recreated at once keeps them); the garbage collector
   * deletes the EndpointSlices the deleted Service owned.
   */
  private cleanUpEndpoints(svc: StoredObject): void {
    const { namespace, name, uid } = svc.metadata;
    setTimeout(() => {
      if (!this.get('Service', namespace, name)) this.objects.delete(this.key('Endpoints', namespace, name));
      for (const [k, o] of this.objects) if (o.kind === 'EndpointSlice' && o.metadata.annotations?.['fake.netprops.dev/owner-uid'] === uid) this.objects.delete(k);
    }, this.options.endpointsCleanupMs ?? 0);
  }

  /**
   * As the API server's pod strategy: the grace period is the delete's own, else the pod's
   * spec.terminationGracePeriodSeconds (30 when unset); an unscheduled pod goes at once, and so
   * does a grace period of 0 (a force delete: the API forgets the pod whatever the kubelet does).
   * Otherwise the pod stays, terminating, until the kubelet has stopped it (podStopMs here).
   */
  private deletePod(pod: StoredObject, url: URL, body: string): StoredObject {
    const asked = url.searchParams.get('gracePeriodSeconds') ?? (body ? (JSON.parse(body) as { gracePeriodSeconds?: number }).gracePeriodSeconds : undefined);
    const spec = pod.spec as { nodeName?: string; terminationGracePeriodSeconds?: number };
    const grace = spec.nodeName ? Number(asked ?? spec.terminationGracePeriodSeconds ?? 30) : 0;
    const key = this.key('Pod', pod.metadata.namespace, pod.metadata.name);
    if (grace === 0) {
      this.objects.delete(key);
      return pod;
    }
    if (pod.metadata.deletionTimestamp) return pod;
    pod.metadata = { ...pod.metadata, deletionTimestamp: new Date(Date.now() + grace * 1000).toISOString(), deletionGracePeriodSeconds: grace };
    const deleting = pod;
    setTimeout(() => {
      // Gone already, or force-deleted and created anew under the same name: not this pod any more.
      if (this.objects.get(key)?.metadata.uid === deleting.metadata.uid) this.objects.delete(key);
    }, this.options.podStopMs ?? 30);
    return pod;
  }

  private startPod(pod: StoredObject): void {
    const spec = pod.spec as { nodeName?: string; hostNetwork?: boolean; containers: { command?: string[] }[] };
    const nodes = this.list('Node').filter((n) => !(n.spec as { taints?: unknown[] }).taints?.length);
    const nodeName = spec.nodeName ?? nodes[0].metadata.name;
    const node = this.get('Node', undefined, nodeName)!;
    const hostIP = (node.status as { addresses: { address: string }[] }).addresses[0].address;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (spec.containers[0].command?.join(' ').includes('touch /tmp/netprops-not-ready')) this.notReady.add(key);
    else this.notReady.delete(key);
    pod.status = { phase: 'Pending' };
    const ip = spec.hostNetwork ? hostIP : `10.244.${1 + nodes.findIndex((n) => n.metadata.name === nodeName)}.${this.nextPodIP++}`;
    setTimeout(() => {
      const current = this.get('Pod', pod.metadata.namespace, pod.metadata.name);
      if (current !== pod) return;
      pod.spec = { ...pod.spec, nodeName };
      pod.status = { phase: 'Running', hostIP, podIP: ip, podIPs: [{ ip }] };
      this.refreshReady(pod);
    }, this.options.podStartMs ?? 20);
  }

  private refreshReady(pod: StoredObject): void {
    if ((pod.status as { phase?: string })?.phase !== 'Running') return;
    const ready = this.isReady(pod.metadata.namespace!, pod.metadata.name);
    pod.status = { ...pod.status, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] };
  }

  private async handleExec(req: http.IncomingMessage, ws: WebSocket): Promise<void> {
    this.openExecs++;
    this.peakExecs = Math.max(this.peakExecs, this.openExecs);
    ws.on('close', () => this.openExecs--);
    if (this.options.execDrop) {
      ws.terminate();
      return;
    }
    const url = new URL(req.url ?? '/', this.url);
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    const sendStatus = (s: unknown) => ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(s))]));
    const pod = m && this.get('Pod', m[1], m[2]);
    if (!m || !pod || (pod.status as { phase?: string })?.phase !== 'Running') {
      sendStatus({ status: 'Failure', reason: 'BadRequest', message: `pod ${m?.[1]}/${m?.[2]} is not running` });
      ws.close();
      return;
    }
    const call: ExecCall = { namespace: m[1], pod: m[2], container: url.searchParams.get('container') ?? '', command: url.searchParams.getAll('command') };
    this.execCalls.push(call);
    this.execProtocols.push(ws.protocol);
    const reply = await this.runExec(call);
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (ws.readyState !== ws.OPEN) return;
    if (reply.stdout) ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(reply.stdout)]));
    if (reply.stderr) ws.send(Buffer.concat([Buffer.from([2]), Buffer.from(reply.stderr)]));
    sendStatus(
      reply.exitCode === 0
        ? { metadata: {}, status: 'Success' }
        : { metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: exit code ${reply.exitCode}`, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(reply.exitCode) }] } },
    );
    ws.close();
  }

  private async runExec(call: ExecCall): Promise<ExecReply> {
    // A batch of probes (probe-batch.ts): each command answered as if run alone, all at once.
    const batch = call.command[0] === '/bin/sh' && call.command[1] === '-c' ? parseBatch(call.command[2] ?? '') : undefined;
    if (batch && this.options.batchExit !== undefined) {
      return { exitCode: this.options.batchExit, stderr: "mkdir: can't create directory '/tmp/netprops-probes.7': Read-only file system\n" };
    }
    if (batch) {
      this.execCalls.splice(this.execCalls.lastIndexOf(call), 1);
      const replies = await Promise.all(
        batch.commands.map((command) => {
          const sub = { ...call, command };
          this.execCalls.push(sub);
          return this.runExec(sub);
        }),
      );
      const stdout = batchOutput(replies.map((r) => ({ exitCode: r.exitCode, stdout: r.stdout ?? '', stderr: r.stderr ?? '' })), batch.nonce);
      return { exitCode: 0, stdout, delayMs: Math.max(0, ...replies.map((r) => r.delayMs ?? 0)) };
    }
    const script = call.command.join(' ');
    const key = `${call.namespace}/${call.pod}`;
    // Readiness toggles: the readiness probe fails while the file exists (kubelet probes every second).
    if (/^\/bin\/sh -c touch \/tmp\/netprops-not-ready$/.test(script)) {
      this.notReady.add(key);
      this.refreshReady(this.get('Pod', call.namespace, call.pod)!);
      return { exitCode: 0 };
    }
    if (/^\/bin\/sh -c rm -f \/tmp\/netprops-not-ready$/.test(script)) {
      this.notReady.delete(key);
      this.refreshReady(this.get('Pod', call.namespace, call.pod)!);
      return { exitCode: 0 };
    }
    // The pod's own interface (iproute2 in the agnhost image): eth0 holds status.podIP.
    if (script === 'ip -4 -o addr show dev eth0') {
      const ip = (this.get('Pod', call.namespace, call.pod)!.status as { podIP: string }).podIP;
      return { exitCode: 0, stdout: `2: eth0    inet ${ip}/24 brd 10.244.255.255 scope global eth0\\       valid_lft forever preferred_lft forever\n` };
    }
    // A node's addresses, as its hostNetwork agent sees them: eth0 and an overlay tunnel.
    if (script === 'ip -4 -o addr show') {
      const pod = this.get('Pod', call.namespace, call.pod)!;
      const hostIP = (pod.status as { hostIP: string }).hostIP;
      return { exitCode: 0, stdout: `1: lo    inet 127.0.0.1/8 scope host lo\\ ...\n2: eth0    inet ${hostIP}/16 scope global eth0\\ ...\n5: vxlan.calico    inet ${tunnelAddress(hostIP)}/32 scope global vxlan.calico\\ ...\n` };
    }
    if (this.options.exec) return this.options.exec(call, this);
    return { exitCode: 126, stderr: `fake: no handler for ${script}` };
  }
}
