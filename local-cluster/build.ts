// Builds every upstream component from its published Go module (local-cluster/go/*/go.mod pins
// each version) and caches the binaries by what determines them: the module's go.mod and go.sum,
// the Go version and the package built. A second `up`, from any clone, reuses them.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type Run } from './command.ts';

export const GO_MODULES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'go');

export interface Binary {
  /** The file name of the built program. */
  name: string;
  /** The folder under local-cluster/go/ whose go.mod pins it. */
  module: string;
  /** The package to build: `.` for the module's own main, else an upstream main package. */
  pkg: string;
  /** Linker -X settings, as the upstream release build stamps versions. */
  stamp?: Record<string, string>;
}

// Kubernetes' release build stamps its version into k8s.io/component-base/version (hack/lib/
// version.sh); without it every component reports v0.0.0-master and version checks misjudge it.
const KUBERNETES_VERSION = 'v1.34.4';
const KUBE_STAMP = {
  'k8s.io/component-base/version.gitVersion': KUBERNETES_VERSION,
  'k8s.io/component-base/version.gitMajor': '1',
  'k8s.io/component-base/version.gitMinor': '34',
  'k8s.io/component-base/version.gitTreeState': 'clean',
  'k8s.io/client-go/pkg/version.gitVersion': KUBERNETES_VERSION,
  'k8s.io/client-go/pkg/version.gitMajor': '1',
  'k8s.io/client-go/pkg/version.gitMinor': '34',
};

export const BINARIES: readonly Binary[] = [
  { name: 'kube', module: 'kube', pkg: '.', stamp: KUBE_STAMP },
  { name: 'agnhost', module: 'kube', pkg: 'k8s.io/kubernetes/test/images/agnhost' },
  { name: 'etcd', module: 'etcd', pkg: 'go.etcd.io/etcd/server/v3' },
  { name: 'coredns', module: 'coredns', pkg: '.' },
  { name: 'flanneld', module: 'flannel', pkg: 'github.com/flannel-io/flannel' },
  { name: 'flannel', module: 'cni', pkg: 'github.com/containernetworking/plugins/plugins/meta/flannel' },
  { name: 'kube-router', module: 'kube-router', pkg: 'github.com/cloudnativelabs/kube-router/v2/cmd/kube-router' },
  { name: 'crictl', module: 'crictl', pkg: 'sigs.k8s.io/cri-tools/cmd/crictl' },
  { name: 'netns-forward', module: 'netns-forward', pkg: '.' },
  // The cluster target's UDP client that prints the answer (which endpoint a Service chose).
  { name: 'udp-probe', module: 'udp-probe', pkg: '.' },
];

function ldflags(b: Binary): string {
  return ['-s', '-w', ...Object.entries(b.stamp ?? {}).map(([k, v]) => `-X ${k}=${v}`)].join(' ');
}

export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'netprops', 'local-cluster');
}

/** The cache key of one binary: everything that decides its bytes. */
export function binaryKey(b: Binary, goVersion: string, modulesDir = GO_MODULES_DIR): string {
  const h = createHash('sha256');
  h.update(`${goVersion}\n${b.pkg}\n${ldflags(b)}\n`);
  for (const f of ['go.mod', 'go.sum', 'main.go']) {
    const p = path.join(modulesDir, b.module, f);
    if (existsSync(p)) h.update(`${f}\n${readFileSync(p)}`);
  }
  return h.digest('hex').slice(0, 16);
}

export interface BuildResult {
  /** Binary name -> absolute path. */
  paths: Record<string, string>;
  built: string[];
  cached: string[];
}

// Go 1.26 ships with the machine; a toolchain download is never wanted.
const GO_ENV = { GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' };

export async function goVersion(exec: Run = run): Promise<string> {
  return (await exec('go', ['env', 'GOVERSION'], { env: GO_ENV })).stdout.trim();
}

/** Builds what the cache lacks; `onBuild` is told before each build starts. */
export async function buildAll(opts: { exec?: Run; onBuild?: (b: Binary) => void } = {}): Promise<BuildResult> {
  const exec = opts.exec ?? run;
  const version = await goVersion(exec);
  const binDir = path.join(cacheRoot(), 'bin');
  await mkdir(binDir, { recursive: true });
  const result: BuildResult = { paths: {}, built: [], cached: [] };
  for (const b of BINARIES) {
    const out = path.join(binDir, `${b.name}-${binaryKey(b, version)}`);
    result.paths[b.name] = out;
    if (existsSync(out)) {
      result.cached.push(b.name);
      continue;
    }
    opts.onBuild?.(b);
    const tmp = `${out}.tmp-${process.pid}`;
    await exec('go', ['build', '-trimpath', `-ldflags=${ldflags(b)}`, '-o', tmp, b.pkg], { cwd: path.join(GO_MODULES_DIR, b.module), env: GO_ENV });
    await rename(tmp, out);
    result.built.push(b.name);
    // One version of each program is kept: the cache does not grow with every pin change.
    for (const f of await readdir(binDir)) if (f.startsWith(`${b.name}-`) && /^[0-9a-f]{16}$/.test(f.slice(b.name.length + 1)) && path.join(binDir, f) !== out) await rm(path.join(binDir, f), { force: true });
  }
  const pause = path.join(binDir, `pause-${await pauseKey(exec)}`);
  result.paths.pause = pause;
  if (existsSync(pause)) result.cached.push('pause');
  else {
    opts.onBuild?.({ name: 'pause', module: 'kube', pkg: 'build/pause/linux/pause.c' });
    await exec('gcc', ['-Os', '-static', '-DVERSION=3.10', '-o', `${pause}.tmp`, await pauseSource(exec)]);
    await chmod(`${pause}.tmp`, 0o755);
    await rename(`${pause}.tmp`, pause);
    result.built.push('pause');
  }
  return result;
}

/** The pod sandbox's pause program is C in the Kubernetes module (build/pause/linux/pause.c). */
async function pauseSource(exec: Run): Promise<string> {
  const dir = (await exec('go', ['list', '-m', '-f', '{{.Dir}}', 'k8s.io/kubernetes'], { cwd: path.join(GO_MODULES_DIR, 'kube'), env: GO_ENV })).stdout.trim();
  return path.join(dir, 'build', 'pause', 'linux', 'pause.c');
}

async function pauseKey(exec: Run): Promise<string> {
  const src = await pauseSource(exec);
  return createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 16);
}

/** The agnhost version of the pinned Kubernetes release: the image tag the cluster target uses. */
export async function agnhostVersion(exec: Run = run): Promise<string> {
  const dir = (await exec('go', ['list', '-m', '-f', '{{.Dir}}', 'k8s.io/kubernetes'], { cwd: path.join(GO_MODULES_DIR, 'kube'), env: GO_ENV })).stdout.trim();
  return readFileSync(path.join(dir, 'test', 'images', 'agnhost', 'VERSION'), 'utf8').trim();
}
