// Case files: a multi-document YAML stream of Kubernetes objects (v1 Namespace, Pod, Service,
// Node; networking.k8s.io/v1 NetworkPolicy; discovery.k8s.io/v1 EndpointSlice; a v1 List of any of
// them, as `kubectl get -o yaml` prints several objects), each step closed by a
// netprops.dev/v1alpha1 Expectations document (one step: the usual case file; several: `before`
// steps, then the case's own), and optionally one netprops.dev/v1alpha1 ClusterNetwork document.
// Reading one gives a complete Case (allocation fills in nodes, IPs, ClusterIPs, nodePorts);
// every mistake is a CaseFileError naming file, document (1-based over the file), object and field.
// YAML is read as kubectl reads it (merge keys merged; yes/no/on/off/y/n booleans, as YAML 1.1 in
// sigs.k8s.io/yaml has them), with bounds so that no input can exhaust the stack or take long.
import { constants as fsConstants } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Composer, isAlias, isMap, isScalar, isSeq, Parser, visit, type Document } from 'yaml';
import { CaseFileError, type CaseFileLocation } from './errors.ts';
import type { Case, CaseStep } from './types.ts';
import { DocumentField } from './document-field.ts';
import { allocate, SERVICE_CIDR, type RawClusterState } from './allocate.ts';
import { decodeNamespace } from './decode/namespace.ts';
import { decodeNode } from './decode/node.ts';
import { decodePod } from './decode/pod.ts';
import { decodeService } from './decode/service.ts';
import { decodeNetworkPolicy } from './decode/network-policy.ts';
import { decodeEndpointSlice } from './decode/endpoint-slice.ts';
import { decodeClusterNetwork, inferServiceCIDR } from './decode/cluster-network.ts';
import { checkProbeReferences, decodeExpectations, type DecodedProbe } from './decode/expectations.ts';
import { unknownFields } from './strict-fields.ts';
import { kubectlTags } from './kubectl-yaml.ts';

export { encodeCase } from './case-encode.ts';

const KINDS: Record<string, string> = {
  Namespace: 'v1',
  Pod: 'v1',
  Service: 'v1',
  Node: 'v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  EndpointSlice: 'discovery.k8s.io/v1',
  List: 'v1',
  Expectations: 'netprops.dev/v1alpha1',
  ClusterNetwork: 'netprops.dev/v1alpha1',
};
const SUPPORTED = Object.entries(KINDS).map(([kind, version]) => `${version} ${kind}`).join(', ');

/** Deeper than any Kubernetes object (managedFields' fieldsV1 is the deepest, at about 20 levels). */
export const MAX_NESTING = 100;

const lineOf = (text: string, offset: number): number => {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
};

/** The CST's nesting depth, walked without recursion, with the offset where it first exceeds `limit`. */
function tooDeep(tokens: readonly unknown[], limit: number): number | undefined {
  const stack: [unknown, number][] = tokens.map((t) => [t, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (typeof token !== 'object' || token === null) continue;
    const t = token as { type?: string; offset?: number; value?: unknown; items?: { key?: unknown; value?: unknown; sep?: unknown }[] };
    const nested = t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection';
    const d = nested ? depth + 1 : depth;
    if (d > limit) return t.offset ?? 0;
    if (t.value !== undefined) stack.push([t.value, d]);
    for (const item of t.items ?? []) {
      if (item.key !== undefined) stack.push([item.key, d]);
      if (item.value !== undefined) stack.push([item.value, d]);
    }
  }
  return undefined;
}

/** The YAML documents of `text`, or the CaseFileError of the first one that cannot be read. */
function readDocuments(text: string, file: string): Document.Parsed[] {
  const tokens = [...new Parser().parse(text)];
  let documentNumber = 0;
  for (const token of tokens) {
    if (token.type !== 'document') continue;
    documentNumber++;
    const offset = tooDeep([token], MAX_NESTING);
    if (offset !== undefined) throw new CaseFileError({ file, document: documentNumber }, `nested more than ${MAX_NESTING} levels deep (line ${lineOf(text, offset)}): no Kubernetes object is`);
  }
  // uniqueKeys is checked below in one pass (the yaml package's own check is quadratic in a map's size).
  const composer = new Composer({ uniqueKeys: false, merge: true, logLevel: 'error', customTags: kubectlTags });
  return [...composer.compose(tokens, true, text.length)];
}

export interface DecodedCase {
  case: Case;
  /** One line each: what the loader assumed that a reader should know (implied Namespaces, an inferred service CIDR, what is not probed). */
  warnings: string[];
}

/** Objects of one document: the document itself, or a List's items (each with its path). */
function objectsOf(doc: DocumentField): DocumentField[] {
  const kind = doc.get('kind');
  if (kind.value !== 'List' || doc.get('apiVersion').value !== 'v1') return [doc];
  return doc.get('items').items();
}

export function decodeCase(text: string, file: string): Case {
  return decodeCaseFile(text, file).case;
}

export function decodeCaseFile(text: string, file: string): DecodedCase {
  const emptyRaw = (): RawClusterState => ({ namespaces: [], nodes: [], pods: [], services: [], policies: [], endpointSlices: [] });
  let raw = emptyRaw();
  const where = new WeakMap<object, CaseFileLocation>();
  const warnings: string[] = [];
  // Each Expectations document closes a step: the objects since the previous one are its whole state.
  const steps: { raw: RawClusterState; probes: DecodedProbe[]; gone: Map<string, string> }[] = [];
  // Pods that have no network (finished, or not yet given an IP), by `namespace/name`: why.
  let gone = new Map<string, string>();
  // The first object document of the step being read (1-based over the whole file), if any.
  let pendingDocument: number | undefined;
  let serviceCIDR: string | undefined;

  const documents = readDocuments(text, file);
  if (documents.length === 0) throw new CaseFileError({ file }, 'empty file: a case file needs Kubernetes objects and an Expectations document');
  documents.forEach((document, i) => {
    const at = { file, document: i + 1 };
    const error = document.errors[0];
    if (error) {
      const line = lineOf(text, error.pos[0]);
      const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new CaseFileError(at, `YAML syntax error at line ${line}: ${message}`);
    }
    visit(document, {
      Map(_, map) {
        const keys = new Set<unknown>();
        for (const pair of map.items) {
          // A list, mapping or alias as a mapping key ({a: 1}: x) has no JSON form, so no Kubernetes object has one.
          // A tagged scalar key (!!binary) becomes an object too, which JSON cannot hold as a key either.
          const key = pair.key;
          const range = (key as { range?: [number, number, number] } | undefined)?.range;
          const line = () => (range ? ` (line ${lineOf(text, range[0])})` : '');
          if (key !== null && (!isScalar(key) || (typeof key.value === 'object' && key.value !== null))) {
            throw new CaseFileError(at, `a mapping key must be a plain value, not a list, mapping, alias or binary value${line()}`);
          }
          const value = key === null ? null : key.value;
          // With merge on, the yaml package reads a plain << key as a symbol (a quoted '<<' stays a string).
          if (typeof value === 'symbol' && value.description === '<<') {
            // A merge key merges a mapping, an alias of one, or a list of those; go-yaml refuses anything else
            // ("map merge requires map or sequence of maps as the value"), and so does the yaml package, with a throw.
            const merges = (node: unknown) => isMap(node) || (isAlias(node) && isMap(node.resolve(document)));
            const source = pair.value;
            if (!(merges(source) || (isSeq(source) && source.items.every(merges)))) {
              throw new CaseFileError(at, `a merge key (<<) must merge a mapping, an alias of one or a list of them${line()}`);
            }
            continue; // merge keys may repeat
          }
          if (keys.has(value)) throw new CaseFileError(at, `Map keys must be unique: '${String(value).slice(0, 60)}' appears twice${line()}`);
          keys.add(value);
        }
      },
    });
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // The yaml package throws a ReferenceError on alias bombs and unresolvable aliases while converting.
      if (!(err instanceof ReferenceError)) throw err;
      throw new CaseFileError(at, `YAML cannot be read: ${err.message.split('\n')[0]}`);
    }
    if (value === null || value === undefined) return; // an empty document, e.g. a trailing `---`
    const top = new DocumentField(value, at);
    top.mapping();
    for (const doc of objectsOf(top)) {
      doc.mapping();
      const kindField = doc.get('kind');
      const apiVersionField = doc.get('apiVersion');
      if (!kindField.present || !apiVersionField.present) doc.fail(`needs apiVersion and kind; supported: ${SUPPORTED}`);
      const kind = kindField.string();
      const apiVersion = apiVersionField.string();
      if (KINDS[kind] !== apiVersion || !Object.hasOwn(KINDS, kind) || (kind === 'List' && doc !== top)) {
        doc.fail(`unsupported kind '${apiVersion} ${kind}'; supported: ${SUPPORTED}`);
      }
      // Strict field validation, as `kubectl apply` does it: a field the API schema lacks is an error.
      const unknown = unknownFields(apiVersion, kind, doc.value as object);
      if (unknown && unknown.length > 0) {
        const u = unknown[0]!;
        const metadata = (doc.value as { metadata?: { name?: unknown; namespace?: unknown } }).metadata;
        const name = typeof metadata?.name === 'string' ? metadata.name : undefined;
        const ns = typeof metadata?.namespace === 'string' ? `${metadata.namespace}/` : '';
        const field = new DocumentField(undefined, name ? { ...at, object: `${kind} ${ns}${name}` } : at, doc.path ? `${doc.path}.${u.path}` : u.path);
        field.fail(`unknown field (the Kubernetes API schema of ${kind} has none by this name${u.suggestion ? `; did you mean '${u.suggestion}'?` : ''})`);
      }
      if (kind !== 'Expectations' && kind !== 'ClusterNetwork') pendingDocument ??= i + 1;
      const located = <T extends object>(o: T, object: string): T => {
        where.set(o, { ...at, object });
        return o;
      };
      switch (kind) {
        case 'Namespace': {
          const ns = decodeNamespace(doc);
          raw.namespaces.push(located(ns, `Namespace ${ns.name}`));
          break;
        }
        case 'Node': {
          const node = decodeNode(doc);
          raw.nodes.push(located(node, `Node ${node.name}`));
          break;
        }
        case 'Pod': {
          const pod = decodePod(doc);
          const key = `${pod.namespace}/${pod.name}`;
          // ShouldPodBeInEndpoints: a terminal pod (Succeeded, Failed) has released its sandbox and
          // IP, which a running pod may now hold; a Pending pod without an IP has none yet.
          if (pod.phase === 'Succeeded' || pod.phase === 'Failed') gone.set(key, `is ${pod.phase}: it has no network any more`);
          else if (pod.phase === 'Pending' && pod.ip === undefined) gone.set(key, 'is Pending without an IP: it is not running yet');
          else raw.pods.push(located(pod, `Pod ${key}`));
          break;
        }
        case 'Service': {
          const { service, notes } = decodeService(doc);
          warnings.push(...notes.map((n) => `${file}: document ${i + 1}: ${n}`));
          raw.services.push(located(service, `Service ${service.namespace}/${service.name}`));
          break;
        }
        case 'NetworkPolicy': {
          const policy = decodeNetworkPolicy(doc);
          raw.policies.push(located(policy, `NetworkPolicy ${policy.namespace}/${policy.name}`));
          break;
        }
        case 'EndpointSlice': {
          const slice = decodeEndpointSlice(doc);
          if (slice) raw.endpointSlices!.push(located(slice, `EndpointSlice ${slice.namespace}/${slice.name}`));
          break;
        }
        case 'ClusterNetwork': {
          if (serviceCIDR !== undefined) doc.fail('one ClusterNetwork document per file');
          serviceCIDR = decodeClusterNetwork(doc).serviceCIDR;
          break;
        }
        case 'Expectations':
          steps.push({ raw, probes: decodeExpectations(doc), gone });
          raw = emptyRaw();
          gone = new Map();
          pendingDocument = undefined;
          break;
      }
    }
  });
  if (steps.length === 0) throw new CaseFileError({ file }, 'no Expectations document (apiVersion: netprops.dev/v1alpha1, kind: Expectations): a case file needs one');
  if (pendingDocument !== undefined) {
    // One Expectations document may stand anywhere (the one-step format); with several, each closes its step.
    if (steps.length > 1) throw new CaseFileError({ file, document: pendingDocument }, 'objects after the last Expectations document: with several steps, each ends with its Expectations document');
    for (const kind of Object.keys(raw) as (keyof RawClusterState)[]) (steps[0]!.raw[kind] as unknown[]).push(...(raw[kind] ?? []));
    for (const [k, v] of gone) steps[0]!.gone.set(k, v);
  }
  if (serviceCIDR === undefined) {
    const inferred = inferServiceCIDR(steps.flatMap((s) => s.raw.services.map((svc) => svc.clusterIP)));
    if (inferred !== SERVICE_CIDR) warnings.push(`${file}: the ClusterIPs lie outside ${SERVICE_CIDR}: the service CIDR is taken to be ${inferred} (give it in a netprops.dev/v1alpha1 ClusterNetwork document)`);
    serviceCIDR = inferred;
  }
  const cases: CaseStep[] = steps.map((step) => {
    impliedNamespaces(step.raw, file, warnings);
    // Nodes only named by a pod's spec.nodeName have no document of their own.
    const state = allocate(step.raw, (kind, o) => where.get(o) ?? { file, object: `${kind} ${o.name}` }, { serviceCIDR });
    checkProbeReferences(state, step.probes, step.gone);
    return { state, probes: step.probes.map((p) => p.probe) };
  });
  const last = cases.pop()!;
  return { case: cases.length > 0 ? { ...last, before: cases } : last, warnings: [...new Set(warnings)] };
}

/**
 * Namespaces the objects are in but no document declares: `kubectl get -A` prints none, so a dump
 * implies them. They get only the label the API server sets (kubernetes.io/metadata.name).
 */
function impliedNamespaces(raw: RawClusterState, file: string, warnings: string[]): void {
  const declared = new Set(raw.namespaces.map((n) => n.name));
  const implied: string[] = [];
  for (const o of [...raw.pods, ...raw.services, ...raw.policies, ...(raw.endpointSlices ?? [])]) {
    if (o.namespace === 'default' || declared.has(o.namespace)) continue;
    declared.add(o.namespace);
    implied.push(o.namespace);
    raw.namespaces.push({ name: o.namespace, labels: {} });
  }
  if (implied.length > 0) {
    warnings.push(`${file}: Namespaces without a document, implied with only their kubernetes.io/metadata.name label: ${implied.join(', ')}`);
  }
}

/** Why a path could not be read, in plain words with the system's code (ENOENT, EACCES, ...). */
function cannotRead(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
    ENOTDIR: 'a part of the path is not a directory',
  };
  return `cannot read: ${code && why[code] ? `${why[code]} (${code})` : (code ?? (err as Error).message)}`;
}

/** Reads a regular file without blocking on a FIFO or device (opened non-blocking, then checked). */
async function readCaseText(file: string): Promise<string> {
  let handle: FileHandle;
  try {
    handle = await open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (err) {
    throw new CaseFileError({ file }, cannotRead(err));
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new CaseFileError({ file }, cannotRead(Object.assign(new Error(), { code: 'EISDIR' })));
    if (!info.isFile()) throw new CaseFileError({ file }, 'not a regular file (a FIFO, socket or device): a case file must be a file');
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

export async function loadCaseFile(file: string): Promise<Case> {
  return (await loadCaseFileWithWarnings(file)).case;
}

/** A case file as `netprops check` reads it: it must probe something, or it checks nothing. */
export async function loadCaseFileWithWarnings(file: string): Promise<DecodedCase> {
  const decoded = decodeCaseFile(await readCaseText(file), file);
  const c = decoded.case;
  if ([...(c.before ?? []), c].every((step) => step.probes.length === 0)) {
    throw new CaseFileError({ file }, 'no probes: the Expectations document lists none, so the file checks nothing');
  }
  return decoded;
}

/** Each path is a case file or a directory, which stands for every *.yaml in it (sorted). */
export async function loadCases(paths: string[]): Promise<{ file: string; case: Case; warnings: string[] }[]> {
  const files: string[] = [];
  for (const p of paths) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(p);
    } catch (err) {
      throw new CaseFileError({ file: p }, cannotRead(err));
    }
    if (info.isDirectory()) {
      const names = (await readdir(p)).filter((n) => n.endsWith('.yaml')).sort();
      if (names.length === 0) throw new CaseFileError({ file: p }, 'the directory holds no *.yaml case file');
      files.push(...names.map((n) => path.join(p, n)));
    } else {
      files.push(p);
    }
  }
  const cases: { file: string; case: Case; warnings: string[] }[] = [];
  for (const file of files) {
    const { case: c, warnings } = await loadCaseFileWithWarnings(file);
    cases.push({ file, case: c, warnings });
  }
  return cases;
}
