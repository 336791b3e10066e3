// What the nightly job builds: a kind cluster for one CNI and one kube-proxy mode, and how the CNI
// is installed and awaited. Pure data and checks, so they are tested here; ci/kind/run.mjs (zx)
// runs the commands. Versions are pinned; bump them together with a passing nightly.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

export const CNIS = ['kindnet', 'calico', 'cilium'] as const;
export type CNI = (typeof CNIS)[number];
export const PROXY_MODES = ['iptables', 'nftables', 'none'] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];

export const VERSIONS = {
  calico: 'v3.30.3',
  cilium: '1.18.2',
} as const;

/** Calico's default pool; kind's podSubnet is set to match so the operator needs no edit. */
const CALICO_POD_SUBNET = '192.168.0.0/16';

/**
 * Which combinations make a working cluster. kube-proxy `none` needs a CNI that replaces it: Cilium's
 * kube-proxy replacement does; kindnet does not, and Calico's eBPF data plane needs a separate setup
 * this script does not do.
 */
export function supported(cni: CNI, proxyMode: ProxyMode): { ok: true } | { ok: false; reason: string } {
  if (proxyMode === 'none' && cni !== 'cilium') return { ok: false, reason: `kube-proxy mode none needs a CNI that replaces kube-proxy; ${cni} does not here (use cilium)` };
  return { ok: true };
}

/** The kind Cluster config: one control plane and two workers, so cross-node cases have nodes. */
export function kindConfig(cni: CNI, proxyMode: ProxyMode): string {
  const networking: Record<string, unknown> = { kubeProxyMode: proxyMode };
  // kindnet is kind's default CNI and enforces NetworkPolicy since kind v0.24; others replace it.
  if (cni !== 'kindnet') networking.disableDefaultCNI = true;
  if (cni === 'calico') networking.podSubnet = CALICO_POD_SUBNET;
  return stringify({
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    networking,
    nodes: [{ role: 'control-plane' }, { role: 'worker' }, { role: 'worker' }],
  });
}

export interface Step {
  /** argv of one command. */
  argv: string[];
  /** A manifest passed on stdin, when the command reads `-f -`. */
  stdin?: string;
  why: string;
}

/** Install the CNI (nothing for kindnet) and wait until it and every node are ready. */
export function cniSteps(cni: CNI, proxyMode: ProxyMode, clusterName: string): Step[] {
  const waitNodes: Step = { argv: ['kubectl', 'wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=300s'], why: 'nodes turn Ready once the CNI runs' };
  switch (cni) {
    case 'kindnet':
      return [
        { argv: ['kubectl', '-n', 'kube-system', 'rollout', 'status', 'daemonset/kindnet', '--timeout=300s'], why: 'kindnet runs on every node' },
        waitNodes,
      ];
    case 'calico': {
      const installation = {
        apiVersion: 'operator.tigera.io/v1',
        kind: 'Installation',
        metadata: { name: 'default' },
        spec: {
          calicoNetwork: {
            // kube-proxy's nftables mode and Calico's iptables data plane must not be mixed.
            ...(proxyMode === 'nftables' ? { linuxDataplane: 'Nftables' } : {}),
            ipPools: [{ cidr: CALICO_POD_SUBNET, encapsulation: 'VXLANCrossSubnet', natOutgoing: 'Enabled', nodeSelector: 'all()' }],
          },
        },
      };
      const apiServer = { apiVersion: 'operator.tigera.io/v1', kind: 'APIServer', metadata: { name: 'default' }, spec: {} };
      return [
        { argv: ['kubectl', 'create', '-f', `https://raw.githubusercontent.com/projectcalico/calico/${VERSIONS.calico}/manifests/tigera-operator.yaml`], why: 'the Tigera operator installs and manages Calico' },
        { argv: ['kubectl', '-n', 'tigera-operator', 'rollout', 'status', 'deployment/tigera-operator', '--timeout=300s'], why: 'the operator must run before it reconciles' },
        // The operator creates its own CRDs once it runs: the Installation cannot be created before
        // its CRD is served, nor tigerastatus waited on before the operator has made it.
        ...crdSteps(['installations.operator.tigera.io', 'apiservers.operator.tigera.io']),
        { argv: ['kubectl', 'create', '-f', '-'], stdin: `${stringify(installation)}---\n${stringify(apiServer)}`, why: 'the Installation tells the operator how to run Calico' },
        ...crdSteps(['tigerastatuses.operator.tigera.io']),
        { argv: ['kubectl', 'wait', '--for=create', 'tigerastatus/calico', '--timeout=300s'], why: 'the operator reports on Calico once it reconciles the Installation' },
        { argv: ['kubectl', 'wait', '--for=condition=Available', 'tigerastatus/calico', '--timeout=600s'], why: 'the operator reports Calico available' },
        waitNodes,
      ];
    }
    case 'cilium': {
      const values = [
        'ipam.mode=kubernetes',
        'image.pullPolicy=IfNotPresent',
        'operator.replicas=1',
        ...(proxyMode === 'none' ? ['kubeProxyReplacement=true', `k8sServiceHost=${clusterName}-control-plane`, 'k8sServicePort=6443'] : []),
      ];
      return [
        { argv: ['helm', 'install', 'cilium', 'cilium', '--repo', 'https://helm.cilium.io', '--version', VERSIONS.cilium, '--namespace', 'kube-system', ...values.flatMap((v) => ['--set', v])], why: "Cilium's chart" },
        { argv: ['kubectl', '-n', 'kube-system', 'rollout', 'status', 'daemonset/cilium', '--timeout=600s'], why: 'the agent runs on every node' },
        { argv: ['kubectl', '-n', 'kube-system', 'rollout', 'status', 'deployment/cilium-operator', '--timeout=300s'], why: 'the operator runs' },
        waitNodes,
      ];
    }
  }
}

/**
 * Waits for CRDs something else creates at run time: first that each exists (`kubectl wait
 * --for=create`, kubectl >= 1.31; a plain wait on a missing object fails at once), then that the
 * API server serves it.
 */
function crdSteps(names: string[]): Step[] {
  const crds = names.map((n) => `crd/${n}`);
  return [
    { argv: ['kubectl', 'wait', '--for=create', ...crds, '--timeout=300s'], why: `the operator creates ${names.join(', ')}` },
    { argv: ['kubectl', 'wait', '--for=condition=Established', ...crds, '--timeout=120s'], why: 'the API server serves them' },
  ];
}

/** The platform of the kind nodes, which run on this machine: Node's arch in Docker's words. */
export function dockerPlatform(arch: string = process.arch): string {
  const docker: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };
  const name = docker[arch];
  if (!name) throw new Error(`no Docker platform for Node's arch ${arch}`);
  return `linux/${name}`;
}

/**
 * Puts the agnhost image on every node. `kind load docker-image` imports with --all-platforms, which
 * fails on a multi-arch image when Docker's containerd image store holds only this platform's
 * layers (kind#3795: "content digest ... not found"); an archive of the one platform the nodes run
 * loads under either image store.
 */
export function imageLoadSteps(image: string, clusterName: string, archive: string, platform: string = dockerPlatform()): Step[] {
  return [
    { argv: ['docker', 'pull', '--platform', platform, image], why: "the nodes' platform only" },
    { argv: ['docker', 'image', 'save', '--platform', platform, '--output', archive, image], why: 'an archive of that one platform' },
    { argv: ['kind', 'load', 'image-archive', archive, '--name', clusterName], why: 'pods start in seconds when the image is on the nodes (and no registry rate limit bites)' },
  ];
}

/** The CNI profile the suite holds this CNI to (harness/cluster/profiles). */
export function profileFor(cni: CNI): string {
  return cni;
}

/** One failing case to replay: what `netprops run --property P --seed S --path X` needs. */
export interface CorpusEntry {
  property: string;
  seed: number;
  path: string;
  cni: CNI;
  proxyMode: ProxyMode;
}

/** Failing seeds of a report.json (reports' JSON form of a RunReport), as corpus entries. */
export function failingSeeds(report: { seed: number; properties: { id: string; status: string; seed?: number; failure?: { path?: string } }[] }, cni: CNI, proxyMode: ProxyMode): CorpusEntry[] {
  return report.properties
    .filter((p) => p.status === 'failed' && p.failure?.path)
    .map((p) => ({ property: p.id, seed: p.seed ?? report.seed, path: p.failure!.path!, cni, proxyMode }));
}

/** The corpus (JSON lines) with new entries added once each, oldest first. */
export function mergeCorpus(existing: string, added: CorpusEntry[]): string {
  const lines = existing.split('\n').filter((l) => l.trim() !== '');
  const seen = new Set(lines.map((l) => {
    const e = JSON.parse(l) as CorpusEntry;
    return `${e.property}|${e.seed}|${e.path}|${e.cni}|${e.proxyMode}`;
  }));
  for (const e of added) {
    const key = `${e.property}|${e.seed}|${e.path}|${e.cni}|${e.proxyMode}`;
    if (!seen.has(key)) {
      seen.add(key);
      lines.push(JSON.stringify(e));
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** The corpus entries for one matrix cell, to replay before the new seeds. */
export function corpusFor(text: string, cni: CNI, proxyMode: ProxyMode): CorpusEntry[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as CorpusEntry)
    .filter((e) => e.cni === cni && e.proxyMode === proxyMode);
}

/** Whether an executable of this name is on PATH (checked before anything is created). */
export function onPath(tool: string, pathVar = process.env.PATH ?? ''): boolean {
  return pathVar.split(path.delimiter).filter(Boolean).some((dir) => {
    try {
      accessSync(path.join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
