import { describe, it, expect, beforeAll } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { access, constants, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { decodeCase } from '../../cluster/case-file.ts';
import { schemaErrors } from '../../harness/cluster/schema.ts';
import { exampleRunReport } from '../example-run-report.ts';
import { writeRepro, REPRO_FILES, type ReproInput } from './repro.ts';

function exampleInput(): ReproInput {
  const p = exampleRunReport().properties[0];
  return {
    property: { id: p.id, statement: p.statement, rule: p.rule },
    failure: p.failure!,
    seed: p.seed,
    path: p.failure!.path!,
    target: 'model',
    fault: 'peers-or',
  };
}

/** The example with its node probe failing too (the node could not reach x/web over UDP). */
function withNodeProbe(): ReproInput {
  const input = exampleInput();
  const node = input.failure.probes[3];
  node.observation = { outcome: 'timeout', detail: 'no reply in 1s' };
  node.ok = false;
  input.failure.counterexample.probes.push({ ...node.probe, expect: 'allow' });
  return input;
}

describe('writeRepro', () => {
  let dir: string;
  const input = exampleInput();
  beforeAll(async () => {
    dir = path.join(await mkdtemp(path.join(tmpdir(), 'netprops-repro-')), 'repro', 'policy-verdicts');
    await writeRepro(dir, input);
  });

  it('writes the four files, repro.sh executable', async () => {
    expect((await readdir(dir)).sort()).toEqual([...REPRO_FILES].sort());
    await access(path.join(dir, 'repro.sh'), constants.X_OK);
  });

  it('case.yaml decodes back to the counterexample: the shrunk state and the failing probes with the correct expectation', async () => {
    const decoded = decodeCase(await readFile(path.join(dir, 'case.yaml'), 'utf8'), 'case.yaml');
    expect(decoded).toEqual(input.failure.counterexample);
  });

  it('manifests.yaml holds only kubectl-apply-able Kubernetes objects, schema-valid, plus a prober for a node probe', async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'netprops-repro-'));
    await writeRepro(d, withNodeProbe());
    const docs = parseAllDocuments(await readFile(path.join(d, 'manifests.yaml'), 'utf8'));
    type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown>; status?: unknown };
    const objects = docs.map((doc) => {
      expect(doc.errors).toEqual([]);
      return doc.toJS() as Manifest;
    });
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace ? o.metadata.namespace + '/' : ''}${o.metadata.name}`)).toEqual([
      'Namespace x', 'Namespace y', 'Pod x/web', 'Pod x/local', 'Pod y/client', 'Service x/web', 'NetworkPolicy x/web-allow-client',
      'Namespace netprops-node-probers', 'Pod netprops-node-probers/prober-node-1',
    ]);
    for (const o of objects) {
      expect(schemaErrors(o)).toEqual([]);
      expect(o.status).toBeUndefined();
    }
    const prober = objects.at(-1)!;
    expect(prober.spec).toMatchObject({ hostNetwork: true });
    // placed like the case's node-1 pods: same placement label as x/web
    expect(prober.metadata.labels?.['netprops.dev/node']).toBe('node-1');
    expect(objects[2].metadata.labels?.['netprops.dev/node']).toBe('node-1');
  });

  it('repro.sh is valid bash (bash -n)', () => {
    expect(() => execFileSync('bash', ['-n', path.join(dir, 'repro.sh')])).not.toThrow();
  });

  it('README.md states the invariant, expected vs observed per probe, seed, path and the replay commands', async () => {
    const readme = await readFile(path.join(dir, 'README.md'), 'utf8');
    expect(readme).toContain("every probe's allow/deny equals the reference model's verdict");
    expect(readme).toContain('Upstream rule: NetworkPolicy: podSelector and namespaceSelector in one peer select pods matching both');
    expect(readme).toContain('seed 42, path `36:2:2:1`');
    expect(readme).toContain('7 objects (2 Namespaces, 3 Pods, 1 Service, 1 NetworkPolicy) on 2 nodes');
    expect(readme).toContain('| 1 | `x/local` | `x/web` | 80/TCP | deny | delivered, backend x/web:80, source seen 10.244.2.2, reply from 10.244.1.2 |');
    expect(readme).toContain('| 2 | `x/local` | `svc:x/web` | http/TCP | deny |');
    expect(readme).toContain('npx netprops run --target model --fault peers-or --property policy-verdicts --seed 42 --path 36:2:2:1');
    expect(readme).toContain('npx netprops check case.yaml --target model --fault peers-or');
    expect(readme).toContain('# the case file on the same target: fails the same way; without --fault it passes');
    expect(readme).not.toContain('## Limits');
  });

  it("README.md's replay commands carry the target's settings (a plugin configuration, an overlay), quoted for the shell", async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'netprops-repro-flags-'));
    await writeRepro(d, { ...exampleInput(), target: 'kernel', fault: undefined, targetFlags: ['--cni-conf', '/tmp/my nets/ptp.conflist', '--overlay', 'vxlan'] });
    const readme = await readFile(path.join(d, 'README.md'), 'utf8');
    expect(readme).toContain("npx netprops run --target kernel --cni-conf '/tmp/my nets/ptp.conflist' --overlay vxlan --property policy-verdicts --seed 42");
    expect(readme).toContain("npx netprops check case.yaml --target kernel --cni-conf '/tmp/my nets/ptp.conflist' --overlay vxlan");
  });

  it('README.md names the limits: ipBlock addresses, and failures repro.sh cannot see', async () => {
    const other = exampleInput();
    const p = exampleRunReport().properties[1];
    other.failure = structuredClone(p.failure!);
    other.failure.counterexample.state.policies[0].ingress![0].from!.push({ ipBlock: { cidr: '10.244.2.0/24' } });
    const d = await mkdtemp(path.join(tmpdir(), 'netprops-repro-'));
    await writeRepro(d, other);
    const readme = await readFile(path.join(d, 'README.md'), 'utf8');
    expect(readme).toContain('## Limits');
    expect(readme).toContain('ipBlock');
    expect(readme).toContain('/clientip');
    expect(readme).toContain('only for TCP from a pod to a pod served by netexec');
    // the failure is about the address seen: a case file (allow/deny) cannot fail on it
    expect(readme).toContain('this failure is not about allow/deny');
    expect(readme).not.toContain('fails the same way;');
  });
});

// repro.sh run against a stand-in for kubectl (fake-kubectl.sh beside this file): it answers the
// calls the repro makes and, for `exec ... connect`, answers as a cluster would (connected, or
// TIMEOUT/REFUSED on stderr with exit 1, as agnhost connect does).
const FAKE_KUBECTL = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fake-kubectl.sh');

describe('repro.sh against a fake kubectl', () => {
  async function runRepro(rules: string, env: Record<string, string> = {}, input = exampleInput()) {
    const root = await mkdtemp(path.join(tmpdir(), 'netprops-repro-run-'));
    const dir = path.join(root, 'repro');
    await writeRepro(dir, input);
    const kubectl = FAKE_KUBECTL;
    await writeFile(path.join(root, 'rules'), rules);
    const log = path.join(root, 'log');
    await writeFile(log, '');
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'bash',
        [path.join(dir, 'repro.sh')],
        { env: { ...process.env, KUBECTL: kubectl, FAKE_LOG: log, FAKE_RULES: path.join(root, 'rules'), SETTLE_SECONDS: '0', ...env } },
        (err, stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? -1 : 0, stdout, stderr }),
      );
    });
    return { ...result, calls: (await readFile(log, 'utf8')).trim().split('\n') };
  }

  // The example's failing probes: x/local -> x/web:80 and x/local -> svc:x/web:http (port 8080), both expected deny.
  it('exits 1 and says REPRODUCED when the cluster lets the denied connections through', async () => {
    const r = await runRepro('');
    expect(r.code).toBe(1);
    expect(r.stdout.match(/REPRODUCED: expected deny, got allow/g)).toHaveLength(2);
    expect(r.stdout).toContain('2 of 2 probes reproduced the failure');
    expect(r.stdout).toContain('netprops observed:  connected: connect exits 0');
  });

  it('exits 0 when the cluster blocks them as the network model says', async () => {
    const r = await runRepro('x/local 192.168.1.10:80 TIMEOUT\nx/local 10.100.0.7:8080 REFUSED\n');
    expect(r.stdout).toContain('0 of 2 probes reproduced the failure');
    expect(r.stdout).toContain('this cluster:       blocked: TIMEOUT');
    expect(r.code).toBe(0);
  });

  it("probes the cluster's own addresses with agnhost connect, resolving named ports from the case", async () => {
    const r = await runRepro('');
    const execs = r.calls.filter((c) => c.startsWith('exec'));
    expect(execs).toEqual([
      'exec -n x local -c agnhost -- /agnhost connect --timeout=3s --protocol=tcp 192.168.1.10:80',
      'exec -n x local -c agnhost -- /agnhost connect --timeout=3s --protocol=tcp 10.100.0.7:8080',
    ]);
  });

  it('makes a node probe from the hostNetwork prober of that node, over UDP', async () => {
    const r = await runRepro('netprops-node-probers/prober-node-1 192.168.1.10:53 TIMEOUT: read udp: i/o timeout\n', {}, withNodeProbe());
    expect(r.calls).toContain('exec -n netprops-node-probers prober-node-1 -c agnhost -- /agnhost connect --timeout=3s --protocol=udp 192.168.1.10:53');
    expect(r.stdout).toContain('netprops observed:  no answer: connect exits 1, TIMEOUT (no reply in 1s)');
    expect(r.stdout).toContain('REPRODUCED: expected allow, got deny');
    expect(r.stdout).toContain('3 of 3 probes reproduced the failure');
    expect(r.code).toBe(1);
  });

  it("reaches a case node's address as the InternalIP of the real node its prober landed on", async () => {
    const input = exampleInput();
    const toNode = { from: { kind: 'pod', namespace: 'x', name: 'local' }, to: { kind: 'ip', ip: '172.18.0.2' }, port: 80, protocol: 'TCP' } as const;
    input.failure.counterexample.probes = [{ ...toNode, expect: 'deny' }];
    input.failure.probes = [{ probe: toNode, expected: 'deny', observation: { outcome: 'delivered' }, ok: false }];
    const r = await runRepro('', {}, input);
    expect(r.calls).toContain('get pod -n netprops-node-probers prober-node-1 -o jsonpath={.spec.nodeName}');
    expect(r.calls).toContain('get node kind-worker -o jsonpath={.status.addresses[?(@.type=="InternalIP")].address}');
    expect(r.calls).toContain('exec -n x local -c agnhost -- /agnhost connect --timeout=3s --protocol=tcp 172.19.0.5:80');
    expect(r.code).toBe(1);
  });

  it('applies, waits for every pod, and deletes the namespaces it created on exit', async () => {
    const r = await runRepro('', {}, withNodeProbe());
    expect(r.calls).toContain('apply -f manifests.yaml');
    expect(r.calls.filter((c) => c.startsWith('wait')).length).toBe(4); // three pods and the prober
    expect(r.calls.at(-1)).toBe('delete namespace x y netprops-node-probers --ignore-not-found --wait=false');
    expect(r.calls.indexOf('apply -f manifests.yaml')).toBeLessThan(r.calls.findIndex((c) => c.startsWith('exec')));
  });

  it('refuses (exit 2) to take over a namespace that already exists, and deletes nothing', async () => {
    const r = await runRepro('', { FAKE_EXISTING_NS: 'y' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('namespace y already exists');
    expect(r.calls.some((c) => c.startsWith('apply') || c.startsWith('delete'))).toBe(false);
  });

  it('stops with exit 2 when a probe cannot run at all (not a verdict)', async () => {
    const r = await runRepro('x/local 192.168.1.10:80 error: pod not found\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('could not run the probe');
    expect(r.calls.at(-1)).toContain('delete namespace');
  });
});

describe('repro.sh in a protected namespace, with a probe agnhost cannot make', () => {
  function defaultNamespaceInput(): ReproInput {
    const input = exampleInput();
    const s = input.failure.counterexample.state;
    s.namespaces = [{ name: 'default', labels: {} }];
    s.pods = [
      { namespace: 'default', name: 'a', labels: { app: 'a' }, nodeName: 'node-1', hostNetwork: false, ports: [], ip: '10.244.1.5', ready: true },
      { namespace: 'default', name: 'web', labels: { app: 'web' }, nodeName: 'node-1', hostNetwork: false, ports: [{ containerPort: 80, protocol: 'TCP' }], ip: '10.244.1.6', ready: false },
    ];
    s.services = [];
    s.policies = [{ namespace: 'default', name: 'deny-all', podSelector: {}, policyTypes: ['Ingress'] }];
    const a = { kind: 'pod', namespace: 'default', name: 'a' } as const;
    const web = { kind: 'pod', namespace: 'default', name: 'web' } as const;
    input.failure.counterexample.probes = [
      { from: a, to: web, port: 80, protocol: 'TCP', expect: 'deny' },
      { from: a, to: web, port: 'http', protocol: 'TCP', expect: 'deny' },
    ];
    input.failure.probes = input.failure.counterexample.probes.map(({ expect: e, ...probe }) => ({
      probe, expected: e, observation: { outcome: 'delivered' }, ok: false,
    }));
    return input;
  }

  it('never deletes the default namespace: removes its own objects there one by one; counts the probe it could not make', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'netprops-repro-run-'));
    const dir = path.join(root, 'repro');
    await writeRepro(dir, defaultNamespaceInput());
    const script = await readFile(path.join(dir, 'repro.sh'), 'utf8');
    expect(script).not.toMatch(/delete namespace/);
    const log = path.join(root, 'log');
    await writeFile(log, '');
    await writeFile(path.join(root, 'rules'), '');
    const r = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile('bash', [path.join(dir, 'repro.sh')], {
        env: { ...process.env, KUBECTL: FAKE_KUBECTL, FAKE_LOG: log, FAKE_RULES: path.join(root, 'rules'), SETTLE_SECONDS: '0' },
      }, (err, stdout) => resolve({ code: err ? (err as { code?: number }).code ?? -1 : 0, stdout }));
    });
    const calls = (await readFile(log, 'utf8')).trim().split('\n');
    expect(calls.at(-1)).toBe('delete -n default pod/a pod/web networkpolicy/deny-all --ignore-not-found --wait=false');
    expect(calls.some((c) => c.startsWith('get namespace'))).toBe(false); // default is not a namespace it creates
    // a pod declared not ready is waited for as Running: its readiness probe fails on purpose
    expect(calls).toContain("wait -n default pod/web --for=jsonpath={.status.phase}=Running --timeout=180s");
    expect(r.stdout).toContain('not made: pod default/web declares no TCP port named http');
    expect(calls.some((c) => c.startsWith('label'))).toBe(false); // the case gives default no labels
    expect(r.stdout).toContain('1 of 1 probes reproduced the failure (1 could not be made)');
    expect(r.code).toBe(1);
  });
});

describe('repro.sh checks the address the receiver saw (no NAT between pods)', () => {
  function noNatInput(): ReproInput {
    const p = exampleRunReport().properties[1]; // no-nat-pod-to-pod: y/client -> x/web:80, x/web runs netexec on 80
    return { property: { id: p.id, statement: p.statement, rule: p.rule }, failure: p.failure!, seed: p.seed, path: p.failure!.path!, target: 'model', fault: 'snat-pod-to-pod' };
  }
  async function run(rules: string) {
    const root = await mkdtemp(path.join(tmpdir(), 'netprops-repro-run-'));
    const dir = path.join(root, 'repro');
    await writeRepro(dir, noNatInput());
    const log = path.join(root, 'log');
    await writeFile(log, '');
    await writeFile(path.join(root, 'rules'), rules);
    const r = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile('bash', [path.join(dir, 'repro.sh')], {
        env: { ...process.env, KUBECTL: FAKE_KUBECTL, FAKE_LOG: log, FAKE_RULES: path.join(root, 'rules'), SETTLE_SECONDS: '0' },
      }, (err, stdout) => resolve({ code: err ? (err as { code?: number }).code ?? -1 : 0, stdout }));
    });
    return { ...r, calls: (await readFile(log, 'utf8')).trim().split('\n') };
  }

  it("asks netexec's /clientip from the sender, and passes when it saw the sender's own pod IP", async () => {
    const r = await run('');
    expect(r.calls).toContain('exec -n y client -c agnhost -- curl -sS --max-time 5 http://192.168.1.10:80/clientip');
    expect(r.stdout).toContain("source address:     the receiver saw 192.168.2.30; the sender's pod IP is 192.168.2.30");
    expect(r.stdout).toContain('netprops observed:  connected: connect exits 0, the receiver saw 172.18.0.3');
    expect(r.code).toBe(0);
  });

  it('exits 1 when the receiver saw another address (SNAT to the node)', async () => {
    const r = await run('y/client http://192.168.1.10:80/clientip 172.19.0.3\n');
    expect(r.stdout).toContain("REPRODUCED: connected, but the receiver saw 172.19.0.3, not the sender's own IP 192.168.2.30");
    expect(r.code).toBe(1);
  });

  it('the README points at the check and its limits', async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'netprops-repro-'));
    await writeRepro(d, noNatInput());
    expect(await readFile(path.join(d, 'README.md'), 'utf8')).toContain('only for TCP from a pod to a pod served by netexec');
  });
});

describe('repro.sh and labels on the default namespace', () => {
  async function run(existingLabels: string) {
    const input = exampleInput();
    const s = input.failure.counterexample.state;
    s.namespaces[1] = { name: 'default', labels: { ns: 'y', team: 'red' } };
    for (const p of s.pods) if (p.namespace === 'y') p.namespace = 'default';
    for (const r of input.failure.probes) if (r.probe.from.kind === 'pod' && r.probe.from.namespace === 'y') r.probe.from.namespace = 'default';
    const root = await mkdtemp(path.join(tmpdir(), 'netprops-repro-run-'));
    const dir = path.join(root, 'repro');
    await writeRepro(dir, input);
    const log = path.join(root, 'log');
    await writeFile(log, '');
    await writeFile(path.join(root, 'rules'), '');
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile('bash', [path.join(dir, 'repro.sh')], {
        env: { ...process.env, KUBECTL: FAKE_KUBECTL, FAKE_LOG: log, FAKE_RULES: path.join(root, 'rules'), SETTLE_SECONDS: '0', FAKE_NS_LABELS: existingLabels },
      }, (err, _stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? -1 : 0, stderr }));
    });
    return { ...r, calls: (await readFile(log, 'utf8')).trim().split('\n') };
  }

  it('removes on exit only the labels it added (team=red was there already)', async () => {
    const r = await run('kubernetes.io/metadata.name=default\nteam=red\n');
    expect(r.calls.filter((c) => c.startsWith('label'))).toEqual(['label namespace default ns-']);
    expect(r.calls.at(-1)).toBe('label namespace default ns-');
  });

  it('refuses (exit 2, nothing applied) when a label it would set is there with another value', async () => {
    const r = await run('ns=production\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('namespace default has label ns with another value');
    expect(r.calls.some((c) => c.startsWith('apply') || c.startsWith('label'))).toBe(false);
  });
});

