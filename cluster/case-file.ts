// Case files: a multi-document YAML stream of Kubernetes objects (v1 Namespace, Pod, Service,
// Node; networking.k8s.io/v1 NetworkPolicy), each step closed by a netprops.dev/v1alpha1
// Expectations document (one step: the usual case file; several: `before` steps, then the case's own).
// Reading one gives a complete Case (allocation fills in nodes, IPs, ClusterIPs, nodePorts);
// every mistake is a CaseFileError naming file, document (1-based over the file), object and field.
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isScalar, parseAllDocuments, visit } from 'yaml';
import { CaseFileError, type CaseFileLocation } from './errors.ts';
import type { Case, CaseStep } from './types.ts';
import { DocumentField } from './document-field.ts';
import { allocate, type RawClusterState } from './allocate.ts';
import { decodeNamespace } from './decode/namespace.ts';
import { decodeNode } from './decode/node.ts';
import { decodePod } from './decode/pod.ts';
import { decodeService } from './decode/service.ts';
import { decodeNetworkPolicy } from './decode/network-policy.ts';
import { checkProbeReferences, decodeExpectations, type DecodedProbe } from './decode/expectations.ts';

export { encodeCase } from './case-encode.ts';

const KINDS: Record<string, string> = {
  Namespace: 'v1',
  Pod: 'v1',
  Service: 'v1',
  Node: 'v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  Expectations: 'netprops.dev/v1alpha1',
};
const SUPPORTED = Object.entries(KINDS).map(([kind, version]) => `${version} ${kind}`).join(', ');

const lineOf = (text: string, offset: number): number => text.slice(0, offset).split('\n').length;

export function decodeCase(text: string, file: string): Case {
  const emptyRaw = (): RawClusterState => ({ namespaces: [], nodes: [], pods: [], services: [], policies: [] });
  let raw = emptyRaw();
  const where = new WeakMap<object, CaseFileLocation>();
  // Each Expectations document closes a step: the objects since the previous one are its whole state.
  const steps: { raw: RawClusterState; probes: DecodedProbe[] }[] = [];
  // The first object document of the step being read (1-based over the whole file), if any.
  let pendingDocument: number | undefined;

  const documents = parseAllDocuments(text, { uniqueKeys: true, logLevel: 'error' });
  if (!Array.isArray(documents)) throw new CaseFileError({ file }, 'empty file: a case file needs Kubernetes objects and an Expectations document');
  documents.forEach((document, i) => {
    const at = { file, document: i + 1 };
    const error = document.errors[0];
    if (error) {
      const [line, column] = error.linePos?.[0] ? [error.linePos[0].line, error.linePos[0].col] : [undefined, undefined];
      const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new CaseFileError(at, `YAML syntax error${line !== undefined ? ` at line ${line}, column ${column}` : ''}: ${message}`);
    }
    // A list, mapping or alias as a mapping key ({a: 1}: x) has no JSON form, so no Kubernetes object has one.
    visit(document, {
      Pair(_, pair) {
        // A tagged scalar key (!!binary) becomes an object too, which JSON cannot hold as a key either.
        const key = pair.key;
        if (key !== null && (!isScalar(key) || (typeof key.value === 'object' && key.value !== null))) {
          const range = (key as { range?: [number, number, number] } | undefined)?.range;
          const line = range ? lineOf(text, range[0]) : undefined;
          throw new CaseFileError(at, `a mapping key must be a plain value, not a list, mapping, alias or binary value${line !== undefined ? ` (line ${line})` : ''}`);
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
    const doc = new DocumentField(value, at);
    doc.mapping();
    const kindField = doc.get('kind');
    const apiVersionField = doc.get('apiVersion');
    if (!kindField.present || !apiVersionField.present) doc.fail(`needs apiVersion and kind; supported: ${SUPPORTED}`);
    const kind = kindField.string();
    const apiVersion = apiVersionField.string();
    if (KINDS[kind] !== apiVersion || !Object.hasOwn(KINDS, kind)) {
      doc.fail(`unsupported kind '${apiVersion} ${kind}'; supported: ${SUPPORTED}`);
    }
    if (kind !== 'Expectations') pendingDocument ??= i + 1;
    switch (kind) {
      case 'Namespace': {
        const ns = decodeNamespace(doc);
        where.set(ns, { ...at, object: `Namespace ${ns.name}` });
        raw.namespaces.push(ns);
        break;
      }
      case 'Node': {
        const node = decodeNode(doc);
        where.set(node, { ...at, object: `Node ${node.name}` });
        raw.nodes.push(node);
        break;
      }
      case 'Pod': {
        const pod = decodePod(doc);
        where.set(pod, { ...at, object: `Pod ${pod.namespace}/${pod.name}` });
        raw.pods.push(pod);
        break;
      }
      case 'Service': {
        const service = decodeService(doc);
        where.set(service, { ...at, object: `Service ${service.namespace}/${service.name}` });
        raw.services.push(service);
        break;
      }
      case 'NetworkPolicy': {
        const policy = decodeNetworkPolicy(doc);
        where.set(policy, { ...at, object: `NetworkPolicy ${policy.namespace}/${policy.name}` });
        raw.policies.push(policy);
        break;
      }
      case 'Expectations':
        steps.push({ raw, probes: decodeExpectations(doc) });
        raw = emptyRaw();
        pendingDocument = undefined;
        break;
    }
  });
  if (steps.length === 0) throw new CaseFileError({ file }, 'no Expectations document (apiVersion: netprops.dev/v1alpha1, kind: Expectations): a case file needs one');
  if (pendingDocument !== undefined) {
    // One Expectations document may stand anywhere (the one-step format); with several, each closes its step.
    if (steps.length > 1) throw new CaseFileError({ file, document: pendingDocument }, 'objects after the last Expectations document: with several steps, each ends with its Expectations document');
    for (const kind of Object.keys(raw) as (keyof RawClusterState)[]) (steps[0]!.raw[kind] as unknown[]).push(...raw[kind]);
  }
  const cases: CaseStep[] = steps.map((step) => {
    // Nodes only named by a pod's spec.nodeName have no document of their own.
    const state = allocate(step.raw, (kind, o) => where.get(o) ?? { file, object: `${kind} ${o.name}` });
    checkProbeReferences(state, step.probes);
    return { state, probes: step.probes.map((p) => p.probe) };
  });
  const last = cases.pop()!;
  return cases.length > 0 ? { ...last, before: cases } : last;
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

export async function loadCaseFile(file: string): Promise<Case> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CaseFileError({ file }, cannotRead(err));
  }
  return decodeCase(text, file);
}

/** Each path is a case file or a directory, which stands for every *.yaml in it (sorted). */
export async function loadCases(paths: string[]): Promise<{ file: string; case: Case }[]> {
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
  const cases: { file: string; case: Case }[] = [];
  for (const file of files) cases.push({ file, case: await loadCaseFile(file) });
  return cases;
}
