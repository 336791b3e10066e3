// The decoder never crashes: whatever the input (broken YAML, wrong kinds, wrong field types,
// duplicate names, bad CIDRs, bad selectors, random mutations of the shared case files), it returns
// a Case or throws a CaseFileError with a one-line message. Anything else is a bug.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { CaseFileError } from './errors.ts';
import { decodeCase, loadCaseFileWithWarnings } from './case-file.ts';
import { main } from '../cli/main.ts';
import { SHARED_CASES } from './shared-cases.fixture.ts';

const CASES_DIR = SHARED_CASES;
/** Hundreds of YAML parses per test: seconds alone, more on a busy 2-core machine. */
const FUZZ_TIMEOUT_MS = 180_000;
const SHARED = readdirSync(CASES_DIR).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(path.join(CASES_DIR, f), 'utf8'));
const SHARED_DOCS: unknown[][] = SHARED.map((t) => parseAllDocuments(t as string) as unknown as { toJS(): unknown }[]).map((ds) => ds.map((d) => d.toJS()));

/** decode, and report what came out: 'case', 'error' (a CaseFileError), or rethrow anything else. */
function outcome(text: string): { kind: 'case' } | { kind: 'error'; message: string } {
  try {
    decodeCase(text, 'fuzz.yaml');
    return { kind: 'case' };
  } catch (err) {
    if (err instanceof CaseFileError) return { kind: 'error', message: err.message };
    throw err;
  }
}

const assertClean = (text: string) => {
  const o = outcome(text);
  if (o.kind === 'error') {
    expect(o.message.split(/[\n\r\u2028\u2029]/)).toHaveLength(1);
    expect(o.message.startsWith('fuzz.yaml')).toBe(true);
  }
};

/** Values that break a field's type or an upstream rule. */
const badValue = fc.oneof(
  fc.constantFrom<unknown>(
    null, '', ' ', -1, 0, 65536, 70000, 1.5, true, 'None', 'x y', 'UPPER', 'a--b', '-a', 'http', '80', [], {}, [null], [{}],
    'a\nb', 'web\r\n', '10.244.1.9\n', 'x\u2028y', { 'a\nb': 'c' },
    '10.0.0.0/33', '10.0.0.1/24', '010.0.0.1', 'fd00::1', 'fd00::/8', '1.2.3', '256.0.0.1', '10.96.0.5', '172.18.0.2',
    'In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'TCP', 'UDP', 'SCTP', 'ICMP', 'allow', 'deny', 'svc:x/web', 'node:node-1',
    'ip:10.244.1.2', 'x/web', 'NodePort', 'LoadBalancer', 'ClientIP', 'Local', 'Ingress', 'Egress', 'a'.repeat(300),
    { matchLabels: { a: 'b' } }, { matchExpressions: [{ key: 'a', operator: 'In' }] }, { cidr: '10.0.0.0/8', except: ['11.0.0.0/24'] },
    { podSelector: {}, ipBlock: { cidr: '10.0.0.0/8' } }, { port: 'http', endPort: 90 }, { port: 100, endPort: 90 },
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

interface Mutation {
  file: number;
  doc: number;
  path: number;
  action: 'replace' | 'delete' | 'duplicate-doc' | 'drop-doc';
  value: unknown;
}

function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function mutate(m: Mutation): string {
  const docs = structuredClone(SHARED_DOCS[m.file % SHARED_DOCS.length]!);
  const d = m.doc % docs.length;
  if (m.action === 'duplicate-doc') docs.splice(d, 0, structuredClone(docs[d]));
  else if (m.action === 'drop-doc') docs.splice(d, 1);
  else {
    const all = paths(docs[d]).filter((p) => p.length > 0);
    if (all.length > 0) {
      const p = all[m.path % all.length]!;
      let parent = docs[d] as Record<string | number, unknown>;
      for (const key of p.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
      const last = p[p.length - 1]!;
      if (m.action === 'delete') {
        if (Array.isArray(parent)) parent.splice(last as number, 1);
        else delete parent[last];
      } else {
        parent[last] = m.value;
      }
    }
  }
  return docs.map((doc) => stringify(doc)).join('---\n');
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  file: fc.nat(),
  doc: fc.nat(),
  path: fc.nat(),
  action: fc.constantFrom('replace', 'replace', 'replace', 'delete', 'duplicate-doc', 'drop-doc'),
  value: badValue,
});

describe('case-file decoder under fuzzing: a Case or a CaseFileError, never a crash', () => {
  // A process warning (the yaml package's, for instance) would be a second line on stderr.
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  beforeEach(() => {
    warnings.length = 0;
    process.on('warning', onWarning);
  });
  afterEach(async () => {
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
    process.off('warning', onWarning);
    expect(warnings).toEqual([]);
  });

  it('the shared case files decode (the mutations start from valid input)', () => {
    for (const text of SHARED) expect(outcome(text).kind).toBe('case');
  });

  it('random mutations of the shared case files', () => {
    let errors = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
        // Apply the mutations one after another on the YAML of the previous one.
        let text = mutate(ms[0]!);
        for (const m of ms.slice(1)) {
          const docs = parseAllDocuments(text).map((d) => d.toJS());
          SHARED_DOCS.push(docs);
          try {
            text = mutate({ ...m, file: SHARED_DOCS.length - 1 });
          } finally {
            SHARED_DOCS.pop();
          }
        }
        if (outcome(text).kind === 'error') errors++;
        assertClean(text);
      }),
      { numRuns: 600 },
    );
    // Most mutations break a rule: the fuzzer must really exercise the error paths.
    expect(errors).toBeGreaterThan(200);
  }, FUZZ_TIMEOUT_MS);

  it('broken YAML: the shared files cut, spliced and sprinkled with YAML syntax characters', () => {
    const syntax = fc.constantFrom('[', ']', '{', '}', ':', '- ', '---\n', '\t', '"', "'", '&a ', '*a', '!!binary ', '? ', '|\n', '\n  ', '%YAML 1.2\n', '#');
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.array(fc.tuple(fc.nat(), syntax), { maxLength: 6 }), (file, cut, inserts) => {
        let text = SHARED[file % SHARED.length]!;
        text = text.slice(0, cut % (text.length + 1)) + text.slice((cut * 7) % (text.length + 1));
        for (const [at, s] of inserts) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + s + text.slice(i);
        }
        assertClean(text);
      }),
      { numRuns: 600 },
    );
  }, FUZZ_TIMEOUT_MS);

  it('arbitrary text and arbitrary YAML values as documents', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => assertClean(text)), { numRuns: 500 });
    const kinds = fc.constantFrom(['v1', 'Pod'], ['v1', 'Service'], ['v1', 'Namespace'], ['v1', 'Node'], ['networking.k8s.io/v1', 'NetworkPolicy'], ['netprops.dev/v1alpha1', 'Expectations'], ['apps/v1', 'Deployment'], ['v1', 'ConfigMap']);
    const doc = fc.tuple(kinds, fc.dictionary(fc.constantFrom('metadata', 'spec', 'status', 'probes', 'extra'), fc.oneof(badValue, fc.jsonValue({ maxDepth: 4 })))).map(([[apiVersion, kind], rest]) => ({ apiVersion, kind, ...rest }));
    fc.assert(
      fc.property(fc.array(doc, { maxLength: 5 }), (docs) => assertClean(docs.map((d) => stringify(d)).join('---\n'))),
      { numRuns: 500 },
    );
  }, FUZZ_TIMEOUT_MS);

  // Found by the fuzz above (seed 2052572197): `<<: null` made the yaml package throw a plain Error while converting.
  // go-yaml, which kubectl reads with, refuses a merge of anything but a mapping or a list of mappings too.
  it('a merge key (<<) of anything but a mapping, an alias of one or a list of them is refused with its line', () => {
    const refused = (line: number) => ({ kind: 'error', message: `fuzz.yaml: document 1: a merge key (<<) must merge a mapping, an alias of one or a list of them (line ${line})` });
    expect(outcome('apiVersion: v1\nkind: Pod\nmetadata:\n  "":\n    <<: null\n')).toEqual(refused(5));
    expect(outcome('apiVersion: v1\nkind: Namespace\nmetadata:\n  <<: 3\n  name: x\n')).toEqual(refused(4));
    expect(outcome('apiVersion: v1\nkind: Namespace\nx: &s 3\nmetadata:\n  <<: [*s]\n  name: x\n')).toEqual(refused(5));
  });

  it('a list, mapping or binary value as a mapping key is refused with its line', () => {
    const o = outcome('apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n? [a, b]\n: c\n');
    expect(o).toEqual({ kind: 'error', message: 'fuzz.yaml: document 1: a mapping key must be a plain value, not a list, mapping, alias or binary value (line 4)' });
    const binary = outcome('apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n? !!binary aGVsbG8=\n: c\n');
    expect(binary).toEqual({ kind: 'error', message: 'fuzz.yaml: document 1: a mapping key must be a plain value, not a list, mapping, alias or binary value (line 4)' });
  });

  it('through `netprops check`: invalid input exits 2 with one stderr line, valid input 0 or 1, never a crash', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'netprops-fuzz-'));
    let run = 0;
    const codes = new Set<number>();
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const file = path.join(dir, `case-${run++}.yaml`);
        const text = mutate(m);
        writeFileSync(file, text);
        const err: string[] = [];
        const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
        const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
        let code: number;
        try {
          code = await main(['check', file]);
        } finally {
          errSpy.mockRestore();
          outSpy.mockRestore();
        }
        codes.add(code);
        // The oracle is check's own reader: the decoder plus check's rule that a file must probe
        // something (a mutation that empties `probes` is refused there, not by the decoder).
        const refused = await loadCaseFileWithWarnings(file).then(
          () => false,
          (err: unknown) => {
            if (err instanceof CaseFileError) return true;
            throw err;
          },
        );
        if (refused) {
          expect(code).toBe(2);
          expect(err.join('').trim().split('\n')).toHaveLength(1);
        } else {
          expect([0, 1]).toContain(code);
          // Valid input may be warned about (Namespaces a dump leaves out are implied), one line
          // naming the file, never more.
          for (const line of err.join('').split('\n').filter((l) => l !== '')) expect(line.startsWith(`netprops: warning: ${file}: `)).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
    expect(codes.has(2)).toBe(true);
  }, FUZZ_TIMEOUT_MS);

  it('alias bombs are refused, not expanded', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 9; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`);
    const o = outcome(`apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n${bomb.join('\n')}\n`);
    expect(o.kind).toBe('error');
  });
});
