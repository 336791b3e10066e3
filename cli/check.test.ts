// `netprops check`: the shared case files pass on the reference model (exit 0); a wrong
// expectation is a listed mismatch (exit 1); a probe upstream leaves undefined is reported as such
// and not passed; faults of the target show up as mismatches; the harness is always torn down.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from './main.ts';
import { checkCases, deliveryMismatch, formatCheckTable } from './check.ts';
import { createHarness } from '../harness/targets.ts';
import type { Harness } from '../harness/harness.ts';
import { SHARED_CASES } from '../cluster/shared-cases.fixture.ts';
import { encodeCase } from '../cluster/case-file.ts';
import type { ClusterState } from '../cluster/types.ts';

const SHARED = SHARED_CASES;

const nodeState: ClusterState = {
  namespaces: [],
  nodes: [
    { name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.2' },
    { name: 'node-2', podCIDR: '10.244.2.0/24', internalIP: '172.18.0.3' },
  ],
  pods: [{ namespace: 'x', name: 'a', labels: {}, nodeName: 'node-1', ip: '10.244.1.5', hostNetwork: false, ports: [{ containerPort: 80, protocol: 'TCP' }], ready: true }],
  services: [],
  policies: [],
};

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  try {
    return { code: await main(args), out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

let dir: string;
let wrong: string;
let undefinedCase: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'netprops-check-'));
  // The shared policy case with one expectation flipped: y/other -> x/web:80 is denied upstream.
  const text = await readFile(path.join(SHARED, 'policy-named-port.yaml'), 'utf8');
  const flipped = text.replace('{from: y/other, to: x/web, port: 80, protocol: TCP, expect: deny}', '{from: y/other, to: x/web, port: 80, protocol: TCP, expect: allow}');
  expect(flipped).not.toBe(text);
  wrong = path.join(dir, 'wrong.yaml');
  await writeFile(wrong, flipped);
  undefinedCase = path.join(dir, 'outside.yaml');
  await writeFile(
    undefinedCase,
    [
      'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, ports: [{containerPort: 80}]}]}\n',
      'apiVersion: netprops.dev/v1alpha1\nkind: Expectations\nprobes:\n  - {from: default/a, to: "ip:192.0.2.1", port: 80, expect: allow}\n  - {from: default/a, to: default/a, port: 80, expect: allow}\n',
    ].join('---\n'),
  );
});

describe('netprops check', () => {
  it('the shared case files all match on the reference model: exit 0 and a summary', async () => {
    const { code, out, err } = await run(['check', SHARED]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/^16 probes in 2 files \(target model\): 16 as expected, 0 mismatched, 0 undefined, 0 unsupported\n$/);
  });

  it("the findings' repro cases (docs/findings) hold on the reference model: what a real implementation failed is what upstream expects", async () => {
    const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'findings');
    const { code, out, err } = await run(['check', dir]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/^(\d+) probes in \d+ files? \(target model\): \1 as expected, 0 mismatched, 0 undefined, 0 unsupported\n$/);
  });

  it("the named-egress-port finding fails both probes on a model that resolves a named port on the sending side, as kube-router looks it up in the policy's namespace", async () => {
    const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'findings', 'kube-router-named-egress-port-without-to-resolved-in-own-namespace.yaml');
    const { code, out } = await run(['check', file, '--fault', 'named-port-on-source']);
    expect(code).toBe(1);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/: x\/a -> z\/a 9090\/UDP: expected allow, observed deny \(/);
    expect(lines[1]).toMatch(/: x\/a -> z\/b 8080\/UDP: expected deny, observed allow \(/);
    expect(lines[2]).toBe('2 probes in 1 file (target model, fault named-port-on-source): 0 as expected, 2 mismatched, 0 undefined, 0 unsupported');
  });

  it('a wrong expectation is a mismatch: exit 1, one line naming it, the rest still counted', async () => {
    const { code, out } = await run(['check', wrong]);
    expect(code).toBe(1);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${wrong}: y/other -> x/web 80/TCP: expected allow, observed deny \\(`));
    expect(lines[1]).toBe('9 probes in 1 file (target model): 8 as expected, 1 mismatched, 0 undefined, 0 unsupported');
  });

  it('json: every probe with file, from, to, port, protocol, expect, observed, ok, and the summary', async () => {
    const { code, out } = await run(['check', wrong, SHARED, '--format', 'json']);
    expect(code).toBe(1);
    const report = JSON.parse(out);
    expect(report.results).toHaveLength(25);
    const bad = report.results.filter((r: { ok: boolean }) => !r.ok);
    expect(bad).toEqual([
      expect.objectContaining({ file: wrong, from: 'y/other', to: 'x/web', port: 80, protocol: 'TCP', expect: 'allow', observed: 'deny', ok: false }),
    ]);
    expect(report.summary).toEqual({ target: 'model', files: 3, probes: 25, ok: 24, mismatched: 1, undefined: 0, unsupported: 0 });
  });

  it('a probe whose outcome upstream leaves open is reported undefined (with the reason) and is not ok', async () => {
    const report = await checkCases([undefinedCase]);
    expect(report.results.map((r) => [r.observed, r.ok])).toEqual([['undefined', false], ['allow', true]]);
    expect(report.results[0]!.detail).toMatch(/192.0.2.1/);
    expect(formatCheckTable(report)).toMatch(/expected allow, but upstream leaves it undefined \(/);
    expect((await run(['check', undefinedCase])).code).toBe(1);
  });

  it('--fault runs the faulty target: peers-or lets through the pods matching only one of the two selectors, exit 1', async () => {
    const { code, out } = await run(['check', SHARED, '--fault', 'peers-or']);
    expect(code).toBe(1);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('policy-named-port.yaml: y/other -> x/web 80/TCP: expected deny, observed allow'); // namespace matches, labels do not
    expect(lines[1]).toContain('policy-named-port.yaml: x/local -> x/web 80/TCP: expected deny, observed allow'); // labels match, namespace does not
    expect(lines[2]).toMatch(/\(target model, fault peers-or\): 14 as expected, 2 mismatched/);
  });

  it('an allowed probe delivered with the wrong source address is a mismatch (pod-to-pod has no NAT): snat-pod-to-pod, exit 1', async () => {
    const file = path.join(dir, 'no-nat.yaml');
    await writeFile(
      file,
      [
        'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {nodeName: node-1, containers: [{name: c, ports: [{containerPort: 80}]}]}\n',
        'apiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec: {nodeName: node-2, containers: [{name: c, ports: [{containerPort: 80}]}]}\n',
        'apiVersion: netprops.dev/v1alpha1\nkind: Expectations\nprobes:\n  - {from: default/a, to: default/b, port: 80, expect: allow}\n',
      ].join('---\n'),
    );
    expect((await run(['check', file])).code).toBe(0);
    const { code, out } = await run(['check', file, '--fault', 'snat-pod-to-pod']);
    expect(code).toBe(1);
    expect(out).toMatch(/default\/a -> default\/b 80\/TCP: expected allow, delivered, but the receiver saw source 172\.18\.0\.2, but a conformant cluster shows 10\.244\.1\.2/);
  });

  it('an allowed probe answered by a backend the Service may not pick is a mismatch', () => {
    const may = [{ outcome: 'delivered' as const, backend: { namespace: 'x', name: 'ready', port: 80 }, sourceSeen: '10.244.1.2' }];
    expect(deliveryMismatch({ outcome: 'delivered', backend: { namespace: 'x', name: 'not-ready', port: 80 } }, may, nodeState)).toMatch(/answered by x\/not-ready:80, but a conformant cluster is answered by x\/ready:80/);
    expect(deliveryMismatch({ outcome: 'delivered', backend: { namespace: 'x', name: 'ready', port: 80 }, sourceSeen: '10.244.1.2' }, may, nodeState)).toBeUndefined();
    // A source the model leaves open (masquerade) is not judged.
    expect(deliveryMismatch({ outcome: 'delivered', backend: { namespace: 'x', name: 'ready', port: 80 }, sourceSeen: '1.2.3.4' }, [{ ...may[0], sourceSeen: undefined }], nodeState)).toBeUndefined();
  });

  it('a node sender may be seen with any address of that node (its InternalIP or its pod-network gateway), never a pod\'s or another node\'s', () => {
    const may = [{ outcome: 'delivered' as const, backend: { namespace: 'x', name: 'a', port: 80 }, sourceSeen: '172.18.0.2', sourceNode: 'node-1' }];
    const seen = (ip: string) => deliveryMismatch({ outcome: 'delivered', backend: { namespace: 'x', name: 'a', port: 80 }, sourceSeen: ip }, may, nodeState);
    expect(seen('172.18.0.2')).toBeUndefined();
    expect(seen('10.244.1.1')).toBeUndefined(); // the ptp plugin's host-side veth address
    expect(seen('10.244.1.5')).toMatch(/saw source 10\.244\.1\.5, but a conformant cluster shows an address of node node-1 \(172\.18\.0\.2, or one it holds in 10\.244\.1\.0\/24\)/); // pod x/a's own IP
    expect(seen('172.18.0.3')).toMatch(/saw source 172\.18\.0\.3/); // node-2
    expect(seen('10.244.2.1')).toMatch(/saw source 10\.244\.2\.1/); // node-2's pod network
  });

  it('an unknown fault, target or format is a usage error: exit 2, one line', async () => {
    for (const args of [['--fault', 'no-such-fault'], ['--target', 'moon'], ['--format', 'xml']]) {
      const { code, err, out } = await run(['check', SHARED, ...args]);
      expect(code).toBe(2);
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(out).toBe('');
    }
  });

  it('no case file named is a usage error (exit 2)', async () => {
    expect((await run(['check'])).code).toBe(2);
  });

  it('every case file is validated before a harness starts: one invalid file among valid ones creates none', async () => {
    const invalid = path.join(dir, 'zz-invalid.yaml');
    await writeFile(invalid, 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n');
    let created = 0;
    const counting: typeof createHarness = async (...args) => (created++, createHarness(...args));
    await expect(checkCases([SHARED, invalid], { createHarness: counting })).rejects.toThrow(/zz-invalid.yaml: document 1: unsupported kind 'v1 Secret'/);
    expect(created).toBe(0);
    const { code, err } = await run(['check', SHARED, invalid]);
    expect(code).toBe(2);
    expect(err).toMatch(/^netprops: .*zz-invalid.yaml: document 1: unsupported kind 'v1 Secret'; supported: .*\n$/);
  });

  it('a probe the target cannot make (unsupported) is neither passed nor denied, and is not ok', async () => {
    const noSctp = async (...args: Parameters<typeof createHarness>): Promise<Harness> => {
      const real = await createHarness(...args);
      return {
        target: 'no-sctp',
        capabilities: real.capabilities,
        apply: (s) => real.apply(s),
        probe: async (probes) =>
          (await real.probe(probes)).map((o, i) => (probes[i]!.protocol === 'SCTP' ? { outcome: 'unsupported', detail: 'no SCTP sockets in this kernel' } : o)),
        teardown: () => real.teardown(),
      };
    };
    const file = path.join(dir, 'sctp.yaml');
    await writeFile(
      file,
      'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, ports: [{containerPort: 80, protocol: SCTP}]}]}\n---\n' +
        'apiVersion: netprops.dev/v1alpha1\nkind: Expectations\nprobes: [{from: default/a, to: default/a, port: 80, protocol: SCTP, expect: allow}, {from: default/a, to: default/a, port: 80, protocol: SCTP, expect: deny}]\n',
    );
    const report = await checkCases([file], { createHarness: noSctp });
    expect(report.results.map((r) => [r.observed, r.ok])).toEqual([['unsupported', false], ['unsupported', false]]);
    expect(report.summary).toMatchObject({ probes: 2, ok: 0, mismatched: 0, unsupported: 2 });
    expect(formatCheckTable(report)).toContain('default/a -> default/a 80/SCTP: expected allow, but the target cannot run it (unsupported: no SCTP sockets in this kernel)');
  });

  it('the harness is torn down when probing fails, and the failure is not swallowed', async () => {
    let tornDown = 0;
    const failing = async (...args: Parameters<typeof createHarness>): Promise<Harness> => {
      const real = await createHarness(...args);
      return {
        target: real.target,
        capabilities: real.capabilities,
        apply: (s) => real.apply(s),
        probe: async () => {
          throw new Error('probe agent died');
        },
        teardown: async () => {
          tornDown++;
          await real.teardown();
        },
      };
    };
    await expect(checkCases([SHARED], { createHarness: failing })).rejects.toThrow('probe agent died');
    expect(tornDown).toBe(1);
    // and after a successful run, once per case file
    tornDown = 0;
    const counting = async (...args: Parameters<typeof createHarness>): Promise<Harness> => {
      const real = await createHarness(...args);
      return { ...real, target: real.target, capabilities: real.capabilities, apply: (s) => real.apply(s), probe: (p) => real.probe(p), teardown: async () => (tornDown++, real.teardown()) };
    };
    await checkCases([SHARED], { createHarness: counting });
    expect(tornDown).toBe(2);
  });

  it('an ip: probe at a pod of the case is aimed at that pod as the target realized it', async () => {
    // A harness whose IPAM differs from the case file's: every pod IP moved by +100.
    const seen: string[] = [];
    const shifted = async (...args: Parameters<typeof createHarness>): Promise<Harness> => {
      const real = await createHarness(...args);
      return {
        target: 'shifted',
        capabilities: real.capabilities,
        apply: async (s) => {
          const moved = { ...s, pods: s.pods.map((p) => ({ ...p, ip: p.ip.replace(/\.(\d+)$/, (_, n) => `.${Number(n) + 100}`) })) };
          return real.apply(moved);
        },
        probe: (probes) => {
          for (const p of probes) if (p.to.kind === 'ip') seen.push(p.to.ip);
          return real.probe(probes);
        },
        teardown: () => real.teardown(),
      };
    };
    const file = path.join(dir, 'by-ip.yaml');
    await writeFile(
      file,
      'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, ports: [{containerPort: 80}]}]}\nstatus: {podIP: 10.244.1.5}\n---\n' +
        'apiVersion: netprops.dev/v1alpha1\nkind: Expectations\nprobes: [{from: default/a, to: "ip:10.244.1.5", port: 80, expect: allow}]\n',
    );
    const report = await checkCases([file], { createHarness: shifted });
    expect(seen).toEqual(['10.244.1.105']);
    expect(report.results[0]).toMatchObject({ to: 'ip:10.244.1.5', observed: 'allow', ok: true });
  });

  it('a file of several steps applies them in order on one harness: a pod made not ready in step 2 is no longer a Service endpoint', async () => {
    // EndpointSlice controller: a pod that is not Ready is not a ready endpoint, so kube-proxy sends the Service's traffic nowhere (deny).
    const objects = (ready: boolean) => [
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: client, namespace: x}\nspec: {containers: [{name: c}]}\n',
      `apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: x, labels: {app: web}}\nspec: {containers: [{name: c, ports: [{containerPort: 80}]}]}\n${ready ? '' : 'status: {conditions: [{type: Ready, status: "False"}]}\n'}`,
      'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: x}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n',
    ];
    const expectations = (expect: string) => `apiVersion: netprops.dev/v1alpha1\nkind: Expectations\nprobes:\n  - {from: x/client, to: "svc:x/s", port: 80, expect: ${expect}}\n`;
    const twoSteps = path.join(dir, 'two-steps.yaml');
    await writeFile(twoSteps, [...objects(true), expectations('allow'), ...objects(false), expectations('deny')].join('---\n'));
    const applied: boolean[][] = [];
    let created = 0;
    const recording = async (...args: Parameters<typeof createHarness>): Promise<Harness> => {
      const real = await createHarness(...args);
      created++;
      return { ...real, target: real.target, capabilities: real.capabilities, apply: (st) => (applied.push(st.pods.map((p) => p.ready)), real.apply(st)), probe: (p) => real.probe(p), teardown: () => real.teardown() };
    };
    const report = await checkCases([twoSteps], { createHarness: recording });
    expect(created).toBe(1);
    expect(applied).toEqual([[true, true], [true, false]]);
    expect(report.results.map((r) => [r.step, r.expect, r.observed, r.ok])).toEqual([['1/2', 'allow', 'allow', true], ['2/2', 'deny', 'deny', true]]);
    expect(report.summary).toMatchObject({ files: 1, probes: 2, ok: 2 });
    expect((await run(['check', twoSteps])).code).toBe(0);

    // Step 2's deny holds only because step 2 was applied: the step-1 state alone lets the probe through.
    const stepOneOnly = path.join(dir, 'step-one-only.yaml');
    await writeFile(stepOneOnly, [...objects(true), expectations('deny')].join('---\n'));
    expect((await checkCases([stepOneOnly])).results.map((r) => [r.step, r.observed, r.ok])).toEqual([[undefined, 'allow', false]]);

    // A mismatch in a step is named with the step in the table line.
    const wrongStep = path.join(dir, 'wrong-step.yaml');
    await writeFile(wrongStep, [...objects(true), expectations('deny'), ...objects(false), expectations('deny')].join('---\n'));
    const { code, out } = await run(['check', wrongStep]);
    expect(code).toBe(1);
    expect(out.trim().split('\n')[0]).toBe(`${wrongStep} (step 1/2): x/client -> svc:x/s 80/TCP: expected deny, observed allow (delivered)`);
  });
});

describe('checkCases on a target that allocates its own nodePorts and pod IPs (as a live cluster does)', () => {
  const node = { name: 'node-1', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.2' };
  const state: ClusterState = {
    namespaces: [{ name: 'x', labels: {} }],
    nodes: [node],
    pods: [{ namespace: 'x', name: 'web', labels: { app: 'web' }, nodeName: 'node-1', hostNetwork: false, ports: [{ containerPort: 80, protocol: 'TCP' }], ip: '10.244.1.2', ready: true }],
    services: [{ namespace: 'x', name: 'web', type: 'NodePort', clusterIP: '10.96.0.10', selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 80, protocol: 'TCP', nodePort: 30080 }], sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster' }],
    policies: [],
  };
  const nodePortProbe = { from: { kind: 'node' as const, name: 'node-1' }, to: { kind: 'ip' as const, ip: node.internalIP }, port: 30080, protocol: 'TCP' as const, expect: 'allow' as const };
  const podIPProbe = { from: { kind: 'node' as const, name: 'node-1' }, to: { kind: 'ip' as const, ip: '10.244.1.2' }, port: 80, protocol: 'TCP' as const, expect: 'allow' as const };

  /** The model's network on a state realized with other nodePorts (+1000) and pod IPs (+10): it answers only there. */
  const allocating = (say: boolean) => async (_target: string, options: object): Promise<Harness> => {
    const inner = await createHarness('model', options);
    return {
      ...inner,
      target: 'allocating',
      async apply(wanted) {
        const realized: ClusterState = {
          ...wanted,
          pods: wanted.pods.map((p) => ({ ...p, ip: p.ip.replace(/\.(\d+)$/, (_, n: string) => `.${Number(n) + 10}`) })),
          services: wanted.services.map((s) => ({ ...s, ports: s.ports.map((p) => (p.nodePort ? { ...p, nodePort: p.nodePort + 1000 } : p)) })),
        };
        const applied = await inner.apply(realized);
        if (!say) return applied;
        return { ...applied, readdress: { podIPs: { '10.244.1.2': '10.244.1.12' }, nodeIPs: { [node.internalIP]: node.internalIP }, clusterIPs: {}, nodePorts: { 'TCP/30080': 31080 } } };
      },
    };
  };

  it.each([
    ['saying how its addresses map (AppliedState.readdress)', true],
    ['saying nothing (the mapping read object by object)', false],
  ])('passes a NodePort probe and a pod-IP probe written in the case addresses, %s', async (_, say) => {
    const file = path.join(dir, `nodeport-${say}.yaml`);
    await writeFile(file, encodeCase({ state, probes: [nodePortProbe, podIPProbe] }));
    const report = await checkCases([file], { target: 'model', createHarness: allocating(say) as unknown as typeof createHarness });
    expect(report.results.map((r) => [r.to, r.port, r.observed, r.ok])).toEqual([
      [`ip:${node.internalIP}`, 30080, 'allow', true],
      ['ip:10.244.1.2', 80, 'allow', true],
    ]);
  });

  it('the same probe aimed at the case nodePort without re-addressing is refused there (the test can fail)', async () => {
    const h = await allocating(true)('model', {});
    await h.apply(state);
    const { expect: _e, ...probe } = nodePortProbe;
    expect((await h.probe([probe]))[0].outcome).not.toBe('delivered');
    await h.teardown();
  });
});
