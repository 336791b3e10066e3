// Nothing a case holds runs as code: names, details, the property's text, the fault and the path
// reach repro.sh (commands and comments alike), the YAML headers and the README's replay lines, and
// each is quoted or escaped there. Shown by writing a repro whose strings try to run a command, then
// running repro.sh against the fake kubectl and checking the command never ran.
import { describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { exampleRunReport } from '../example-run-report.ts';
import { writeRepro, type ReproInput } from './repro.ts';
import { scriptComment } from './script.ts';

const FAKE_KUBECTL = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fake-kubectl.sh');

/** Each tries another way out of a comment, a word or a quote. */
const HOSTILE = (marker: string) => [
  `x\ntouch ${marker}-newline\n#`,
  `x\rtouch ${marker}-cr`,
  `$(touch ${marker}-subst)`,
  `\`touch ${marker}-backtick\``,
  `'; touch ${marker}-quote; '`,
  `"; touch ${marker}-dquote; "`,
  `x\u2028touch ${marker}-ls`,
];

function hostileInput(marker: string): ReproInput {
  const p = exampleRunReport().properties[0];
  const [h0, h1, h2, h3, h4, h5, h6] = HOSTILE(marker);
  const failure = structuredClone(p.failure!);
  // The source pod of the failing probes gets a hostile name everywhere it appears.
  const rename = (ref: { kind: string; namespace?: string; name?: string }) => {
    if (ref.kind === 'pod' && ref.name === 'local') ref.name = h0 + h2;
  };
  for (const pod of failure.counterexample.state.pods) if (pod.name === 'local') pod.name = h0 + h2;
  for (const probe of failure.counterexample.probes) rename(probe.from as never);
  for (const r of failure.probes) {
    rename(r.probe.from as never);
    r.observation = { ...r.observation, detail: h3 + h4 };
  }
  failure.message = h5;
  return {
    property: { id: p.id, statement: h1 + h6, rule: h4 },
    failure,
    seed: p.seed,
    path: h5,
    target: 'model',
    fault: h0,
  };
}

describe('hostile strings in a repro', () => {
  it('repro.sh stays valid bash and runs none of them (against the fake kubectl)', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'netprops-hostile-'));
    const marker = path.join(root, 'pwned');
    const dir = path.join(root, 'repro', 'p');
    await writeRepro(dir, hostileInput(marker));
    const script = path.join(dir, 'repro.sh');
    execFileSync('bash', ['-n', script]);
    const log = path.join(root, 'log');
    await writeFile(log, '');
    await writeFile(path.join(root, 'rules'), '');
    await new Promise<void>((resolve) =>
      execFile('bash', [script], { env: { ...process.env, KUBECTL: FAKE_KUBECTL, FAKE_LOG: log, FAKE_RULES: path.join(root, 'rules'), SETTLE_SECONDS: '0' } }, () => resolve()),
    );
    // It did run: kubectl was called to apply and to probe.
    expect(await readFile(log, 'utf8')).toMatch(/^apply -f manifests\.yaml$/m);
    for (const suffix of ['newline', 'cr', 'subst', 'backtick', 'quote', 'dquote', 'ls']) expect(existsSync(`${marker}-${suffix}`), suffix).toBe(false);
    // The planted newline shows in the probe's comment as an escape (in quoted words it may stay).
    const text = await readFile(script, 'utf8');
    expect(text).toMatch(/^# probe 1: x\/x\\u000atouch /m);
  });

  it('case.yaml and manifests.yaml keep their headers one comment line', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'netprops-hostile-'));
    const dir = path.join(root, 'repro', 'p');
    await writeRepro(dir, hostileInput(path.join(root, 'pwned')));
    for (const file of ['case.yaml', 'manifests.yaml']) {
      const text = await readFile(path.join(dir, file), 'utf8');
      expect(text.split('\n')[0]).toMatch(/^# netprops repro of /);
      expect(text.split('\n')[1]).not.toMatch(/touch/);
      for (const doc of parseAllDocuments(text)) expect(doc.errors).toEqual([]);
    }
  });

  it("the README's replay command quotes the fault and the path as one word each", async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'netprops-hostile-'));
    const dir = path.join(root, 'repro', 'p');
    await writeRepro(dir, hostileInput(path.join(root, 'pwned')));
    const readme = await readFile(path.join(dir, 'README.md'), 'utf8');
    const block = /```sh\n([\s\S]*?)```/.exec(readme)![1];
    const marker = path.join(root, 'pwned');
    // Run the replay lines with netprops and npx stubbed out: nothing else may run.
    const stubbed = `npx() { :; }\n${block}`;
    await new Promise<void>((resolve) => execFile('bash', ['-c', stubbed.replace('./repro.sh', ':')], () => resolve()));
    for (const suffix of ['newline', 'quote', 'dquote']) expect(existsSync(`${marker}-${suffix}`), suffix).toBe(false);
  });
});

describe('scriptComment', () => {
  it('is one line whatever the text holds', () => {
    for (const s of HOSTILE('/tmp/m')) {
      const c = scriptComment(s);
      expect(c.split(/[\n\r\u2028\u2029\u0085]/)).toHaveLength(1);
      expect(c.startsWith('# ')).toBe(true);
    }
  });
});
