// Each way an API server misbehaves ends `netprops run --target cluster` (and `netprops gc`) in
// bounded time (the test's timeout), with one line on stderr and the exit code CI can act on: 3 for
// a broken environment, 2 for what the user must fix (credentials, permissions).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT_ENVIRONMENT, EXIT_USAGE } from '../../cluster/errors.ts';
import { main } from '../../cli/main.ts';
import { BATCH_MARKER } from './probe-batch.ts';
import { FakeApiServer } from './fake-apiserver.ts';
import { kubeconfigFor, startMisbehavingApiServer, type Misbehaviour, type MisbehavingApiServer } from './misbehaving-apiserver.ts';

let server: MisbehavingApiServer | undefined;
let fake: FakeApiServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.stop();
  await fake?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  server = fake = dir = undefined;
});

async function kubeconfigFile(text: string): Promise<string> {
  dir = await mkdtemp(path.join(tmpdir(), 'netprops-misbehaving-'));
  const file = path.join(dir, 'config');
  await writeFile(file, text);
  return file;
}

/** Runs the CLI in-process; returns its exit code and what it wrote to stderr. */
async function netprops(args: string[]): Promise<{ code: number; stderr: string }> {
  const err: string[] = [];
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  const o = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const code = await main(args);
    return { code, stderr: err.join('') };
  } finally {
    e.mockRestore();
    o.mockRestore();
  }
}

const run = (kubeconfig: string, extra: string[] = []) =>
  netprops(['run', '--target', 'cluster', '--kubeconfig', kubeconfig, '--property', 'pod-ip-unique', '--runs', '1', '--request-timeout', '1s', '--out', path.join(dir!, 'out'), '--format', 'console', ...extra]);

function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^netprops: /);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

const CASES: [Misbehaviour, 'http' | 'https', number, RegExp][] = [
  ['refused', 'http', EXIT_ENVIRONMENT, /cannot reach the cluster at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/],
  ['hang', 'http', EXIT_ENVIRONMENT, /the API server at http:\/\/127\.0\.0\.1:\d+ did not finish answering within 1 s \(POST \/apis\/authorization\.k8s\.io\/v1\/selfsubjectaccessreviews\)/],
  ['hang', 'https', EXIT_ENVIRONMENT, /the API server at https:\/\/127\.0\.0\.1:\d+ did not complete the TLS handshake within 1 s/],
  // An https URL for a plain-http server: the TLS handshake gets an HTTP answer.
  ['500', 'https', EXIT_ENVIRONMENT, /TLS with the API server at https:\/\/127\.0\.0\.1:\d+ failed \(\w+\).*check the kubeconfig's certificate-authority and server/],
  ['drip', 'http', EXIT_ENVIRONMENT, /did not finish answering within 1 s/],
  ['401', 'http', EXIT_USAGE, /rejected the credentials \(401 Unauthorized\)/],
  ['403', 'http', EXIT_USAGE, /permission missing: cannot create selfsubjectaccessreviews\.authorization\.k8s\.io on http:\/\/127\.0\.0\.1:\d+ \(403 Forbidden\)/],
  ['404', 'http', EXIT_ENVIRONMENT, /answered 404 Not Found to create selfsubjectaccessreviews.*is this a Kubernetes API server\?/],
  ['429', 'http', EXIT_ENVIRONMENT, /answered 429 Too Many Requests to create selfsubjectaccessreviews\.authorization\.k8s\.io: misbehaving server: 429 \(4 attempts\)/],
  ['500', 'http', EXIT_ENVIRONMENT, /answered 500 Internal Server Error to create .*\(4 attempts\)/],
  ['503', 'http', EXIT_ENVIRONMENT, /answered 503 Service Unavailable to create .*\(4 attempts\)/],
  ['invalid-json', 'http', EXIT_ENVIRONMENT, /answered POST \/apis\/authorization\.k8s\.io\/v1\/selfsubjectaccessreviews with invalid JSON/],
  ['html', 'http', EXIT_ENVIRONMENT, /answered POST \S+ with text\/html, not JSON: is this a Kubernetes API server\?/],
  ['empty', 'http', EXIT_ENVIRONMENT, /with invalid JSON \(0 bytes\)/],
  ['redirect', 'http', EXIT_ENVIRONMENT, /answered POST \S+ with 302, a redirect to https:\/\/login\.example\/: is this a Kubernetes API server\?/],
];

describe('netprops run --target cluster against a misbehaving API server', () => {
  it.each(CASES)('%s over %s: exit %i, one line', async (mode, scheme, exit, pattern) => {
    server = await startMisbehavingApiServer(mode);
    const file = await kubeconfigFile(kubeconfigFor(`${scheme}://127.0.0.1:${server.port}`));
    const { code, stderr } = await run(file);
    expectOneLine(stderr, pattern);
    expect(code).toBe(exit);
  }, 20_000);

  it('retries a 503 with Retry-After, a bounded number of times', async () => {
    server = await startMisbehavingApiServer('503');
    const file = await kubeconfigFile(kubeconfigFor(server.url));
    await run(file, ['--property', 'pod-ip-unique']);
    // 19 permissions reviewed at once, each tried 4 times.
    expect(server.requests).toBeGreaterThan(19);
    expect(server.requests).toBeLessThanOrEqual(19 * 4);
  }, 20_000);

  it('netprops gc --target cluster against a server that never answers: exit 3, one line', async () => {
    server = await startMisbehavingApiServer('hang');
    const file = await kubeconfigFile(kubeconfigFor(server.url));
    const { code, stderr } = await netprops(['gc', '--target', 'cluster', '--kubeconfig', file, '--request-timeout', '1s']);
    expectOneLine(stderr, /the API server at http:\/\/127\.0\.0\.1:\d+ did not finish answering within 1 s \(GET \/api\/v1(\/namespaces)?\)$/);
    expect(code).toBe(EXIT_ENVIRONMENT);
  }, 20_000);
});

describe('netprops check --target cluster', () => {
  it('against a server that never answers: one line, exit 3', async () => {
    server = await startMisbehavingApiServer('hang');
    const file = await kubeconfigFile(kubeconfigFor(server.url));
    const cases = path.join(dir!, 'case.yaml');
    await writeFile(
      cases,
      [
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}',
        'apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\nspec:\n  nodeName: node-1\n  containers: [{name: a, image: agnhost, ports: [{containerPort: 80, protocol: TCP}]}]',
        'apiVersion: netprops.dev/v1alpha1\nkind: Expectations\nprobes:\n  - {from: x/a, to: x/a, port: 80, protocol: TCP, expect: allow}',
      ].join('\n---\n'),
    );
    const { code, stderr } = await netprops(['check', cases, '--target', 'cluster', '--kubeconfig', file, '--request-timeout', '1s']);
    expectOneLine(stderr, /the API server at http:\/\/127\.0\.0\.1:\d+ did not finish answering within 1 s/);
    expect(code).toBe(EXIT_ENVIRONMENT);
  }, 20_000);
});

describe('an exec websocket that misbehaves after preflight', () => {
  it('dropped without an exit status: retried, then one line, exit 3', async () => {
    fake = await new FakeApiServer({ execDrop: true }).start();
    const file = await kubeconfigFile(fake.kubeConfigYAML());
    const { code, stderr } = await run(file, ['--property', 'self-ip-is-seen-ip']);
    expectOneLine(stderr, /the exec websocket to \S+ on http:\/\/127\.0\.0\.1:\d+ closed before the command's exit status arrived \(4 attempts\)/);
    expect(code).toBe(EXIT_ENVIRONMENT);
  }, 30_000);
});

describe('a probe batch whose shell cannot run its probes', () => {
  it('exits non-zero (an unwritable /tmp): tried once more, then one line naming the pod and why, exit 3, never a stack', async () => {
    // A probe alone in its exec is refused; a batch's shell fails before it runs any.
    const refused = (call: { command: string[] }) => (call.command[0] === 'curl' ? { exitCode: 7, stderr: 'curl: (7) Failed to connect: Connection refused\n' } : { exitCode: 1, stderr: 'REFUSED: connection refused\n' });
    fake = await new FakeApiServer({ batchExit: 125, exec: refused }).start();
    const file = await kubeconfigFile(fake.kubeConfigYAML());
    const { code, stderr } = await netprops(['run', '--target', 'cluster', '--kubeconfig', file, '--property', 'no-nat-pod-to-pod', '--runs', '1', '--request-timeout', '1s', '--out', path.join(dir!, 'out'), '--format', 'console']);
    expectOneLine(stderr, /the probe batch's shell in pod \S+ on http:\/\/127\.0\.0\.1:\d+ could not run its probes \(exit status 125, twice\): mkdir: can't create directory '\/tmp\/netprops-probes\.7': Read-only file system/);
    expect(code).toBe(EXIT_ENVIRONMENT);
    const [, namespace, pod] = /in pod ([^/\s]+)\/(\S+) on/.exec(stderr)!;
    const batches = fake.execCalls.filter((c) => c.namespace === namespace && c.pod === pod && c.command[0] === '/bin/sh' && c.command[2]?.startsWith(BATCH_MARKER));
    // The batch that gave up was tried twice, and none more often (a pod with more probes than one exec
    // holds has a second batch, which may still be on its way when the run ends).
    const attempts = new Map<string, number>();
    for (const b of batches) {
      const commands = b.command[2]!.split('\n').filter((l) => l.startsWith('(')).join('\n');
      attempts.set(commands, (attempts.get(commands) ?? 0) + 1);
    }
    expect([...attempts.values()]).toContain(2);
    expect(Math.max(...attempts.values())).toBe(2);
  }, 30_000);
});

describe('kubeconfig variants', () => {
  it.each([
    ['a missing certificate-authority file', { server: 'https://127.0.0.1:9', 'certificate-authority': '/nonexistent/ca.crt' }, { token: 't' }, /certificate-authority file \/nonexistent\/ca\.crt does not exist/],
    ['a missing client-certificate file', { server: 'https://127.0.0.1:9' }, { 'client-certificate': '/nonexistent/c.crt', 'client-key': '/nonexistent/c.key' }, /client-certificate file \/nonexistent\/c\.crt does not exist/],
    ['a server that is not a URL', { server: 'not a url' }, { token: 't' }, /cluster c has server 'not a url', not an http\(s\) URL/],
    ['a server with another scheme', { server: 'ftp://127.0.0.1' }, { token: 't' }, /not an http\(s\) URL/],
    ['a missing exec credential plugin', { server: 'https://127.0.0.1:9' }, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/nonexistent/plugin' } }, /the credential plugin \/nonexistent\/plugin of kubeconfig user u could not be started \(ENOENT\)/],
    ['a failing exec credential plugin', { server: 'https://127.0.0.1:9' }, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sh', args: ['-c', 'echo token expired >&2; exit 7'] } }, /the credential plugin \/bin\/sh of kubeconfig user u failed with exit code 7: token expired/],
    ['an exec credential plugin that never returns', { server: 'https://127.0.0.1:9' }, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sleep', args: ['600'] } }, /the credential plugin \/bin\/sleep of kubeconfig user u did not return within 1 s/],
  ])('%s: one line, exit 3', async (_name, cluster, user, pattern) => {
    dir = await mkdtemp(path.join(tmpdir(), 'netprops-kubeconfig-'));
    const file = path.join(dir, 'config');
    await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'c', cluster }], users: [{ name: 'u', user }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }], 'current-context': 'x' }));
    const { code, stderr } = await run(file, ['--request-timeout', '1s']);
    expectOneLine(stderr, pattern);
    expect(code).toBe(EXIT_ENVIRONMENT);
  }, 20_000);

  it('an http:// server, as kubectl proxy serves, is accepted: gc works against it', async () => {
    fake = await new FakeApiServer({ token: 'secret' }).start();
    // kubectl proxy needs no credentials and no TLS settings: a bare http URL.
    const file = await kubeconfigFile(kubeconfigFor(fake.url, { token: 'secret' }));
    const { code, stderr } = await netprops(['gc', '--target', 'cluster', '--kubeconfig', file]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 20_000);
});
