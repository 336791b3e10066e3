// The headline of issue 11: what `kubectl get pods,svc,netpol,endpointslices -A -o yaml` prints for
// a kubeadm + Calico cluster (fixtures/calico-cluster-dump.yaml, as printed, with an Expectations
// document appended) loads as it is and is judged as upstream would judge it.
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { decodeCaseFile } from './case-file.ts';
import { checkCases } from '../cli/check.ts';
import { main } from '../cli/main.ts';
import { serviceEndpoints } from '../harness/model/endpoints.ts';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/calico-cluster-dump.yaml');

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

describe('a kubectl dump of a Calico cluster', async () => {
  const text = await readFile(FIXTURE, 'utf8');
  const { case: c, warnings } = decodeCaseFile(text, 'dump.yaml');
  const pod = (name: string) => c.state.pods.find((p) => p.name === name)!;

  it('`netprops check` loads it as printed and every expectation holds (exit 0), saying which Namespaces it implied', async () => {
    const { code, out, err } = await run(['check', FIXTURE]);
    expect(out).toMatch(/9 probes in 1 file \(target model\): 9 as expected, 0 mismatched, 0 undefined/);
    expect(code).toBe(0);
    expect(err.trim().split('\n')).toEqual([expect.stringMatching(/warning: .*Namespaces without a document, implied .*: kube-system, shop$/)]);
    expect(warnings).toHaveLength(1);
  });

  it('pod IPs are the ones Calico gave, from /26 blocks outside any podCIDR rule, a block\'s first address included', () => {
    expect(pod('client-84c6d9f5b7-j6h2d').ip).toBe('192.168.226.64');
    expect(pod('coredns-668d6bf9bc-9qv7w').ip).toBe('192.168.23.129');
  });

  it("nodes that no document declares take their InternalIP from the pods' status.hostIP, and podCIDRs agreeing with their pods' IPs", () => {
    expect(c.state.nodes.map((n) => `${n.name} ${n.internalIP} ${n.podCIDR}`).sort()).toEqual([
      'cp-1 10.0.0.11 192.168.23.0/24',
      'worker-1 10.0.0.12 192.168.171.0/24',
      'worker-2 10.0.0.13 192.168.226.0/24',
    ]);
    expect(pod('calico-node-8xkzq')).toMatchObject({ hostNetwork: true, ip: '10.0.0.12' });
  });

  it('a Succeeded Job pod is no pod of the network (ShouldPodBeInEndpoints: terminal pods are left out), so its IP is the running api pod\'s', () => {
    expect(c.state.pods.some((p) => p.name.startsWith('db-migrate'))).toBe(false);
    expect(pod('api-5d8f7b6c4-p9m3n').ip).toBe('192.168.171.4');
  });

  it('a terminating pod is an endpoint with ready=false, serving=true, terminating=true (podToEndpoint)', () => {
    const web = c.state.services.find((s) => s.name === 'web')!;
    const [port] = serviceEndpoints(c.state, web);
    expect(port!.endpoints.map((e) => [e.pod?.name, e.ready, e.serving, e.terminating])).toEqual([
      ['web-7c9f6d8b5-k2l9p', true, true, false],
      ['web-6b8d4f7c9-x8wq2', false, true, true],
    ]);
  });

  it('default/kubernetes (no selector) takes its endpoint from its EndpointSlice: the API server, no pod', () => {
    const kubernetes = c.state.services.find((s) => s.name === 'kubernetes')!;
    expect(kubernetes.clusterIP).toBe('10.96.0.1');
    expect(serviceEndpoints(c.state, kubernetes)[0]!.endpoints).toEqual([expect.objectContaining({ ip: '10.0.0.11', port: 6443, ready: true })]);
    expect(serviceEndpoints(c.state, kubernetes)[0]!.endpoints[0]!.pod).toBeUndefined();
  });

  it('the native sidecar\'s port resolves the api Service\'s named targetPort', () => {
    expect(pod('api-5d8f7b6c4-p9m3n').ports.map((p) => `${p.name}:${p.containerPort}`)).toEqual(['http:8080', 'proxy:9090']);
  });

  it('a proxy without the terminating fallback (kube-proxy before KEP-1669) fails the legacy probe; one that ignores readiness the web probe', async () => {
    const noFallback = await checkCases([FIXTURE], { target: 'model', fault: 'no-terminating-fallback' });
    expect(noFallback.results.filter((r) => !r.ok).map((r) => r.to)).toEqual(['svc:shop/legacy']);
    const notReady = await checkCases([FIXTURE], { target: 'model', fault: 'not-ready-endpoints' });
    expect(notReady.results.filter((r) => !r.ok).map((r) => r.to)).toEqual(['svc:shop/web']);
  });

  it('backends that disagree with the endpoints upstream gives are a mismatch even on a conformant target', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'netprops-dump-'));
    const file = path.join(dir, 'wrong-backends.yaml');
    await writeFile(file, text.replace('backends: [shop/web-7c9f6d8b5-k2l9p]', 'backends: [shop/web-6b8d4f7c9-x8wq2]'));
    const report = await checkCases([file], { target: 'model' });
    expect(report.results.filter((r) => !r.ok).map((r) => [r.to, r.detail])).toEqual([['svc:shop/web', expect.stringMatching(/backends \(shop\/web-6b8d4f7c9-x8wq2\) do not list/)]]);
  });

  it('a probe from the finished Job pod is refused with one line saying why', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'netprops-dump-'));
    const file = path.join(dir, 'job.yaml');
    await writeFile(file, `${text}  - {from: shop/db-migrate-28861200-zq5vb, to: shop/web-7c9f6d8b5-k2l9p, port: 8080, expect: allow}\n`);
    const { code, err } = await run(['check', file]);
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toEqual([expect.stringMatching(/probes\[9\]\.from: Pod shop\/db-migrate-28861200-zq5vb is Succeeded: it has no network any more/)]);
  });

  it.each([
    ['lables', '    labels:\n      app: web\n', '    lables:\n      app: web\n', /items\[2\]\.metadata\.lables: unknown field .*did you mean 'labels'/],
    ['nodename', '  nodeName: worker-1\n', '  nodename: worker-1\n', /items\[\d\]\.spec\.nodename: unknown field .*did you mean 'nodeName'/],
    ['hostnetwork', '    hostNetwork: true\n', '    hostnetwork: true\n', /items\[0\]\.spec\.hostnetwork: unknown field .*did you mean 'hostNetwork'/],
  ])('a typo (%s) in the dump is refused with one line naming the field', async (_typo, from, to, problem) => {
    expect(text).toContain(from);
    const dir = await mkdtemp(path.join(tmpdir(), 'netprops-dump-'));
    const file = path.join(dir, 'typo.yaml');
    await writeFile(file, text.replace(from, to));
    const { code, err } = await run(['check', file]);
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(problem);
  });
});
