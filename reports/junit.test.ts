import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createJunitReporter, renderJunit } from './junit.ts';
import { exampleRunReport } from './example-run-report.ts';

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

// A small, strict XML 1.0 reader for the subset JUnit uses: it throws on anything not well-formed
// (unbalanced or crossed tags, a raw '<' or '&' in text, unquoted or repeated attributes, content
// after the root), so the reporter cannot pass by producing almost-XML.
function parseXml(xml: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`not well-formed at ${i}: ${why}: ${JSON.stringify(xml.slice(i, i + 40))}`);
  };
  const decode = (s: string): string => {
    if (s.includes('<')) fail('raw < in text');
    return s.replace(/&([^;]*);?/g, (m, name: string) => {
      if (!m.endsWith(';')) fail(`unterminated entity ${m}`);
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
      if (name in named) return named[name];
      const num = /^#(\d+)$/.exec(name) ?? /^#x([0-9a-f]+)$/i.exec(name);
      if (!num) return fail(`unknown entity ${m}`);
      return String.fromCodePoint(parseInt(num[1], name[1] === 'x' ? 16 : 10));
    });
  };
  const skipSpace = () => {
    while (/\s/.test(xml[i] ?? '')) i++;
  };
  if (xml.startsWith('<?xml')) {
    i = xml.indexOf('?>') + 2;
    if (i < 2) fail('unterminated declaration');
  }
  skipSpace();
  const element = (): XmlElement => {
    if (xml[i] !== '<') fail('expected <');
    i++;
    const name = /^[A-Za-z_][\w.-]*/.exec(xml.slice(i))?.[0] ?? fail('bad element name');
    i += name.length;
    const el: XmlElement = { name, attrs: {}, children: [], text: '' };
    for (;;) {
      skipSpace();
      if (xml.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (xml[i] === '>') {
        i++;
        break;
      }
      const attr = /^([A-Za-z_][\w.-]*)="([^"]*)"/.exec(xml.slice(i)) ?? fail('bad attribute');
      if (attr[1] in el.attrs) fail(`repeated attribute ${attr[1]}`);
      // attribute-value normalization (XML 1.0 section 3.3.3): literal whitespace becomes a space
      el.attrs[attr[1]] = decode(attr[2].replace(/[\t\n\r]/g, ' '));
      i += attr[0].length;
    }
    for (;;) {
      const lt = xml.indexOf('<', i);
      if (lt < 0) fail(`unclosed <${name}>`);
      el.text += decode(xml.slice(i, lt));
      i = lt;
      if (xml.startsWith('</', i)) {
        const close = `</${name}>`;
        if (!xml.startsWith(close, i)) fail(`expected ${close}`);
        i += close.length;
        return el;
      }
      el.children.push(element());
    }
  };
  const root = element();
  skipSpace();
  if (i !== xml.length) fail('content after the root element');
  return root;
}

const all = (el: XmlElement, name: string): XmlElement[] =>
  [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => all(c, name))];

describe('parseXml (the test reader itself)', () => {
  it.each([
    ['<a><b></a></b>', 'crossed tags'],
    ['<a>x < y</a>', 'raw <'],
    ['<a>x & y</a>', 'raw &'],
    ['<a b=c/>', 'unquoted attribute'],
    ['<a b="1" b="2"/>', 'repeated attribute'],
    ['<a/><b/>', 'two roots'],
  ])('rejects %s (%s)', (xml) => {
    expect(() => parseXml(xml)).toThrow(/not well-formed/);
  });
});

describe('JUnit reporter', () => {
  const report = exampleRunReport();
  const root = parseXml(renderJunit(report));

  it('is well-formed XML with a testsuite whose counts match the run', () => {
    expect(root.name).toBe('testsuites');
    const [suite] = all(root, 'testsuite');
    expect(suite.attrs).toMatchObject({ tests: '4', failures: '2', skipped: '1', errors: '0' });
    expect(root.attrs).toMatchObject({ tests: '4', failures: '2', skipped: '1' });
  });

  it('has one testcase per property, classname = target, time in seconds', () => {
    const cases = all(root, 'testcase');
    expect(cases.map((c) => c.attrs.name)).toEqual(report.properties.map((p) => p.id));
    expect(new Set(cases.map((c) => c.attrs.classname))).toEqual(new Set(['model']));
    expect(cases[0].attrs.time).toBe('1.234');
  });

  it('carries the failure message unchanged through escaping, and the repro path', () => {
    const failures = all(root, 'failure');
    expect(failures).toHaveLength(2);
    const policy = all(root, 'testcase').find((c) => c.attrs.name === 'policy-verdicts')!;
    const [failure] = all(policy, 'failure');
    expect(failure.attrs.message).toBe(report.properties[0].failure!.message);
    expect(failure.attrs.message).toContain('"ns=y" & "app=client" <AND>');
    expect(failure.text).toContain('repro: netprops-report/repro/policy-verdicts');
    expect(failure.text).toContain('x/local -> svc:x/web:http/TCP: expected deny, observed delivered');
    expect(failure.text).toContain('seed 42, path 36:2:2:1');
    // the passing probe of the counterexample is not listed as failing
    expect(failure.text).not.toContain('y/client -> x/web:80/TCP: expected allow');
    expect(all(policy, 'system-out')[0].text).toBe('repro: netprops-report/repro/policy-verdicts');
  });

  it('reports a skipped property as <skipped message=reason>', () => {
    const skipped = all(root, 'skipped');
    expect(skipped).toHaveLength(1);
    expect(skipped[0].attrs.message).toBe("target lacks 'sctp' <kernel without SCTP & co>");
  });

  it('records seed, target and fault as suite properties', () => {
    const [suite] = all(root, 'testsuite');
    const suiteProps = suite.children.find((c) => c.name === 'properties')!;
    const props = Object.fromEntries(all(suiteProps, 'property').map((p) => [p.attrs.name, p.attrs.value]));
    expect(props).toEqual({ runId: 'r-example', target: 'model', seed: '42', fault: 'peers-or' });
  });

  it("records each property's runs and judged observations as testcase properties", () => {
    const policy = all(root, 'testcase').find((c) => c.attrs.name === 'policy-verdicts')!;
    expect(Object.fromEntries(all(policy, 'property').map((p) => [p.attrs.name, p.attrs.value]))).toEqual({ runs: '37', judged: '412' });
  });

  it('carries what the time limit cut short: runs asked and the limit as properties, the text in a failure', () => {
    const r = exampleRunReport();
    r.properties[0] = { ...r.properties[0], timeLimit: { limitMs: 90_000, runsAsked: 200 } };
    const policy = all(parseXml(renderJunit(r)), 'testcase').find((c) => c.attrs.name === 'policy-verdicts')!;
    expect(Object.fromEntries(all(policy, 'property').map((p) => [p.attrs.name, p.attrs.value]))).toEqual({ runs: '37', judged: '412', 'runs-asked': '200', 'time-limit-ms': '90000' });
    expect(renderJunit(r)).toContain('the time limit (--time-limit 90s) stopped shrinking: the counterexample may not be minimal');
  });

  it("carries a settling target's time-to-enforce and stale counts, per property and for the run", () => {
    const r = exampleRunReport();
    const settling = { timeToEnforceMs: { count: 12, p50: 120.4, p90: 410.6, max: 905 }, staleAllow: 1, staleDeny: 0, staleEndpoint: 4, profileViolations: 2, attempts: 80 };
    r.properties[0].settling = settling;
    r.settling = { ...settling, staleAllow: 3 };
    const parsed = parseXml(renderJunit(r));
    const policy = all(parsed, 'testcase').find((c) => c.attrs.name === 'policy-verdicts')!;
    expect(Object.fromEntries(all(policy, 'property').map((p) => [p.attrs.name, p.attrs.value]))).toEqual({
      runs: '37', judged: '412', 'settling.timeToEnforce.count': '12', 'settling.timeToEnforce.p50Ms': '120', 'settling.timeToEnforce.p90Ms': '411',
      'settling.timeToEnforce.maxMs': '905', 'settling.staleAllow': '1', 'settling.staleDeny': '0', 'settling.staleEndpoint': '4', 'settling.profileViolations': '2', 'settling.attempts': '80',
    });
    const suiteProps = all(parsed, 'testsuite')[0].children.find((c) => c.name === 'properties')!;
    expect(all(suiteProps, 'property').find((p) => p.attrs.name === 'settling.staleAllow')?.attrs.value).toBe('3');
    // a property that waited for nothing says so (a count of 0), not a made-up percentile
    r.properties[0].settling = { ...settling, timeToEnforceMs: { count: 0, p50: 0, p90: 0, max: 0 } };
    const none = all(parseXml(renderJunit(r)), 'testcase').find((c) => c.attrs.name === 'policy-verdicts')!;
    expect(all(none, 'property').map((p) => p.attrs.name)).not.toContain('settling.timeToEnforce.p50Ms');
    // and by kind of change, where a kind has samples
    r.properties[0].settling = { ...settling, timeToEnforceByChangeMs: { policies: { count: 5, p50: 300.2, p90: 800, max: 905 } } };
    const byChange = all(parseXml(renderJunit(r)), 'testcase').find((c) => c.attrs.name === 'policy-verdicts')!;
    const props = Object.fromEntries(all(byChange, 'property').map((p) => [p.attrs.name, p.attrs.value]));
    expect(props).toMatchObject({ 'settling.timeToEnforce.policies.count': '5', 'settling.timeToEnforce.policies.p50Ms': '300', 'settling.timeToEnforce.policies.maxMs': '905' });
    expect(Object.keys(props).some((k) => k.includes('pod-labels'))).toBe(false);
    // and the probes that agreed at their first attempt, apart from time-to-enforce
    r.properties[0].settling = { ...settling, agreedAtFirstAttemptMs: { count: 60, p50: 2400.4, p90: 4100, max: 5200.6 } };
    const atOnce = all(parseXml(renderJunit(r)), 'testcase').find((c) => c.attrs.name === 'policy-verdicts')!;
    expect(Object.fromEntries(all(atOnce, 'property').map((p) => [p.attrs.name, p.attrs.value]))).toMatchObject({
      'settling.agreedAtFirstAttempt.count': '60', 'settling.agreedAtFirstAttempt.p50Ms': '2400', 'settling.agreedAtFirstAttempt.maxMs': '5201', 'settling.timeToEnforce.count': '12',
    });
  });

  it('reports a vacuous property as skipped, its message saying it judged nothing and why', () => {
    const r = exampleRunReport();
    r.properties[2] = { ...r.properties[2], status: 'vacuous', judged: 0, vacuousReason: 'no probe in 100 runs' };
    const parsed = parseXml(renderJunit(r));
    const pod = all(parsed, 'testcase').find((c) => c.attrs.name === 'pod-ip-unique')!;
    expect(all(pod, 'skipped')[0].attrs.message).toBe('vacuous: no probe in 100 runs');
    expect(all(parsed, 'testsuite')[0].attrs).toMatchObject({ tests: '4', failures: '2', skipped: '2' });
  });

  it('stays well-formed for hostile text (control bytes, quotes, ]]>)', () => {
    const r = exampleRunReport();
    r.properties[0].failure!.message = 'bad \u0001 byte ]]> "q" \'a\' </failure>';
    r.properties[0].id = 'id<&>';
    const parsed = parseXml(renderJunit(r));
    const [failure] = all(parsed, 'failure');
    expect(failure.attrs.message).toBe('bad \uFFFD byte ]]> "q" \'a\' </failure>');
    expect(all(parsed, 'testcase')[0].attrs.name).toBe('id<&>');
  });

  it('writes junit.xml under the output directory and returns its path', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'netprops-junit-'));
    const file = await createJunitReporter().write(report, path.join(dir, 'out'));
    expect(file).toBe(path.join(dir, 'out', 'junit.xml'));
    expect(parseXml(await readFile(file, 'utf8')).name).toBe('testsuites');
  });
});

describe('JUnit reporter on arbitrary text', () => {
  it('stays well-formed, and every id, message and skip reason reads back (forbidden characters as U+FFFD)', () => {
    const clean = (t: string) => t.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(
      fc.property(text, text, text, text, (id, message, reason, runId) => {
        const r = exampleRunReport();
        r.runId = runId;
        r.properties[0].id = id;
        r.properties[0].failure!.message = message;
        r.properties[3].skipReason = reason;
        const root = parseXml(renderJunit(r));
        const cases = all(root, 'testcase');
        expect(cases[0].attrs.name).toBe(clean(id));
        expect(all(cases[0], 'failure')[0].attrs.message).toBe(clean(message));
        expect(all(cases[3], 'skipped')[0].attrs.message).toBe(clean(reason));
      }),
      { numRuns: 150 },
    );
  });
});

