// The local cluster end to end, as a user meets it (root; minutes): `up` with 2 nodes, nodes Ready,
// CoreDNS Running, an agnhost pod on each node serving, `kubectl exec ... agnhost connect` to the pod
// on the other node and to a ClusterIP, the Service name resolving through CoreDNS, a default-deny
// NetworkPolicy making the connection time out and its deletion restoring it, and `down` leaving
// nothing behind. NETPROPS_LC_NETWORK and NETPROPS_LC_PROXY choose the cell (default routes +
// nftables); `npm run test:local-cluster` runs it.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down } from './down.ts';
import { cgroupHierarchies, listNetns, mountsUnder } from './host.ts';
import { clusterIdOfName, type Network, type ProxyMode } from './layout.ts';
import { processesMatching } from './processes.ts';
import { AGNHOST_REPOSITORY, up, type UpResult } from './up.ts';
import { agnhostVersion } from './build.ts';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const network = (process.env.NETPROPS_LC_NETWORK ?? 'routes') as Network;
const proxyMode = (process.env.NETPROPS_LC_PROXY ?? 'nftables') as ProxyMode;
const hasKubectl = existsSync('/usr/bin/kubectl') || existsSync('/usr/local/bin/kubectl');

describe.skipIf(!isRoot || !hasKubectl)(`local cluster (${network}, kube-proxy ${proxyMode}, 2 nodes)`, () => {
  let dir: string;
  let cluster: UpResult;
  let image: string;
  const kubectl = async (...args: string[]) => (await run('kubectl', ['--kubeconfig', cluster.kubeconfig, ...args], { timeout: 120_000 })).stdout;
  const exec = (pod: string, ...cmd: string[]) => run('kubectl', ['--kubeconfig', cluster.kubeconfig, 'exec', '-n', 'lc-test', pod, '--', ...cmd], { timeout: 60_000 }).then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof e.code === 'number' ? e.code : -1, out: e.stdout ?? '', err: e.stderr ?? '' }),
  );
  const connect = (from: string, to: string) => exec(from, '/agnhost', 'connect', '--timeout=3s', '--protocol=tcp', to);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'netprops-lc-test-'));
    cluster = await up({ dir, nodes: 2, network, proxyMode, policy: 'kube-router' });
    image = `${AGNHOST_REPOSITORY}:${await agnhostVersion()}`;
  }, 50 * 60_000);

  afterAll(async () => {
    if (cluster) await down({ dir, quiet: true });
  }, 5 * 60_000);

  it('every node is Ready and CoreDNS runs as a Deployment', async () => {
    const nodes = await kubectl('get', 'nodes', '--no-headers');
    expect(nodes.trim().split('\n')).toHaveLength(2);
    for (const line of nodes.trim().split('\n')) expect(line).toMatch(/\sReady\s/);
    const pods = await kubectl('get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-dns', '--no-headers');
    expect(pods).toMatch(/Running/);
  });

  it('agnhost pods on two nodes connect to each other and through a ClusterIP; the Service name resolves through CoreDNS', async () => {
    const pod = (name: string, node: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'lc-test', labels: { app: name } },
      spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: 'agnhost', image, imagePullPolicy: 'Never', args: ['netexec', '--http-port=8080', '--udp-port=-1'], ports: [{ containerPort: 8080 }] }] },
    });
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'b', namespace: 'lc-test' }, spec: { selector: { app: 'b' }, ports: [{ port: 80, targetPort: 8080 }] } };
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lc-test' } };
    const applied = execFile('kubectl', ['--kubeconfig', cluster.kubeconfig, 'apply', '-f', '-']);
    applied.stdin!.end(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [ns, pod('a', 'node-1'), pod('b', 'node-2'), svc] }));
    await new Promise((resolve, reject) => applied.on('close', (code) => (code === 0 ? resolve(null) : reject(new Error(`kubectl apply exited ${code}`)))));
    await kubectl('wait', '-n', 'lc-test', '--for=condition=Ready', 'pod/a', 'pod/b', '--timeout=120s');
    const bIP = (await kubectl('get', 'pod', '-n', 'lc-test', 'b', '-o', 'jsonpath={.status.podIP}')).trim();
    const clusterIP = (await kubectl('get', 'svc', '-n', 'lc-test', 'b', '-o', 'jsonpath={.spec.clusterIP}')).trim();
    expect(bIP).toMatch(/^10\.244\./);
    expect(await connect('a', `${bIP}:8080`)).toMatchObject({ code: 0 });
    // The Service needs its EndpointSlice programmed by kube-proxy: allow it a few seconds.
    let viaService = await connect('a', `${clusterIP}:80`);
    for (let i = 0; i < 20 && viaService.code !== 0; i++) {
      await sleep(1000);
      viaService = await connect('a', `${clusterIP}:80`);
    }
    expect(viaService).toMatchObject({ code: 0 });
    const looked = await exec('a', 'nslookup', `b.lc-test.svc.cluster.local`);
    expect(looked.out).toContain(clusterIP);
    // The receiver saw the sender's own pod IP: no NAT between pods.
    const aIP = (await kubectl('get', 'pod', '-n', 'lc-test', 'a', '-o', 'jsonpath={.status.podIP}')).trim();
    const seen = await exec('a', 'curl', '-s', '-m', '3', `http://${bIP}:8080/clientip`);
    expect(seen.out.split(':')[0]).toBe(aIP);
  });

  it('a default-deny NetworkPolicy makes the connection time out, and deleting it restores it', async () => {
    const bIP = (await kubectl('get', 'pod', '-n', 'lc-test', 'b', '-o', 'jsonpath={.status.podIP}')).trim();
    const policy = execFile('kubectl', ['--kubeconfig', cluster.kubeconfig, 'apply', '-f', '-']);
    policy.stdin!.end(JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'lc-test' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } }));
    await new Promise((resolve) => policy.on('close', resolve));
    let r = await connect('a', `${bIP}:8080`);
    for (let i = 0; i < 30 && r.code === 0; i++) {
      await sleep(1000);
      r = await connect('a', `${bIP}:8080`);
    }
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^TIMEOUT|REFUSED|OTHER/m);
    await kubectl('delete', 'networkpolicy', '-n', 'lc-test', 'deny');
    r = await connect('a', `${bIP}:8080`);
    for (let i = 0; i < 30 && r.code !== 0; i++) {
      await sleep(1000);
      r = await connect('a', `${bIP}:8080`);
    }
    expect(r.code).toBe(0);
  });

  it('down leaves nothing: no namespaces, mounts, processes, cgroups or files of the cluster', async () => {
    const id = cluster.layout.id;
    const sockets = cluster.layout.nodes.map((n) => n.containerdSocket);
    await down({ dir });
    cluster = undefined as unknown as UpResult;
    expect((await listNetns()).filter((n) => clusterIdOfName(n) === id)).toEqual([]);
    expect(mountsUnder(dir)).toEqual([]);
    for (const s of sockets) expect(processesMatching(s)).toEqual([]);
    expect(processesMatching(dir)).toEqual([]);
    for (const h of cgroupHierarchies()) expect(readdirSync(`/sys/fs/cgroup/${h}`).filter((n) => clusterIdOfName(n) === id)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(id);
  }, 5 * 60_000);
});
