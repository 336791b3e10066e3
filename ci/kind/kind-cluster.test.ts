import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';
import { CNIS, PROXY_MODES, cniSteps, corpusFor, dockerPlatform, failingSeeds, imageLoadSteps, kindConfig, mergeCorpus, supported, type CorpusEntry } from './kind-cluster.ts';
import { builtInProfiles } from '../../harness/cluster/cni-profile.ts';

describe('kindConfig', () => {
  it('kindnet keeps kind\'s default CNI (it enforces NetworkPolicy since kind v0.24)', () => {
    const c = parse(kindConfig('kindnet', 'iptables'));
    expect(c.networking).toEqual({ kubeProxyMode: 'iptables' });
    expect(c.nodes.map((n: { role: string }) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
  });

  it('calico and cilium disable the default CNI; calico\'s pod subnet matches its default pool', () => {
    expect(parse(kindConfig('calico', 'nftables')).networking).toEqual({ kubeProxyMode: 'nftables', disableDefaultCNI: true, podSubnet: '192.168.0.0/16' });
    expect(parse(kindConfig('cilium', 'none')).networking).toEqual({ kubeProxyMode: 'none', disableDefaultCNI: true });
  });
});

describe('supported combinations', () => {
  it('kube-proxy none only with a CNI that replaces it', () => {
    expect(supported('cilium', 'none')).toEqual({ ok: true });
    expect(supported('kindnet', 'none').ok).toBe(false);
    expect(supported('calico', 'none').ok).toBe(false);
    for (const cni of CNIS) for (const mode of ['iptables', 'nftables'] as const) expect(supported(cni, mode).ok).toBe(true);
  });

  it('every CNI has a profile the suite can load', () => {
    for (const cni of CNIS) expect(builtInProfiles()).toContain(cni);
  });
});

describe('cniSteps', () => {
  it('every supported cell waits for its nodes to be Ready last', () => {
    for (const cni of CNIS) for (const mode of PROXY_MODES) {
      if (!supported(cni, mode).ok) continue;
      const steps = cniSteps(cni, mode, 'netprops');
      expect(steps.at(-1)!.argv).toEqual(['kubectl', 'wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=300s']);
    }
  });

  it('calico under nftables kube-proxy uses its nftables data plane', () => {
    const install = cniSteps('calico', 'nftables', 'n').find((s) => s.stdin)!;
    expect(parse(install.stdin!.split('---\n')[0]).spec.calicoNetwork.linuxDataplane).toBe('Nftables');
    const iptables = cniSteps('calico', 'iptables', 'n').find((s) => s.stdin)!;
    expect(parse(iptables.stdin!.split('---\n')[0]).spec.calicoNetwork).not.toHaveProperty('linuxDataplane');
  });

  it('calico: the Installation is created only once the operator has made its CRD, and tigerastatus waited on only once it exists', () => {
    const lines = cniSteps('calico', 'iptables', 'n').map((s) => s.argv.join(' '));
    const at = (text: string) => {
      const i = lines.findIndex((l) => l.includes(text));
      expect(i, text).toBeGreaterThanOrEqual(0);
      return i;
    };
    const install = lines.indexOf('kubectl create -f -');
    expect(at('wait --for=create crd/installations.operator.tigera.io')).toBeLessThan(at('wait --for=condition=Established crd/installations.operator.tigera.io'));
    expect(at('wait --for=condition=Established crd/installations.operator.tigera.io')).toBeLessThan(install);
    expect(install).toBeLessThan(at('wait --for=create crd/tigerastatuses.operator.tigera.io'));
    expect(at('wait --for=condition=Established crd/tigerastatuses.operator.tigera.io')).toBeLessThan(at('wait --for=create tigerastatus/calico'));
    expect(at('wait --for=create tigerastatus/calico')).toBeLessThan(at('wait --for=condition=Available tigerastatus/calico'));
    // Every wait is bounded.
    for (const l of lines.filter((l) => l.includes(' wait '))) expect(l).toMatch(/--timeout=\d+s/);
  });

  it('cilium replaces kube-proxy only when kube-proxy is off, pointing at the control plane', () => {
    const none = cniSteps('cilium', 'none', 'nightly')[0].argv.join(' ');
    expect(none).toContain('--set kubeProxyReplacement=true --set k8sServiceHost=nightly-control-plane --set k8sServicePort=6443');
    expect(cniSteps('cilium', 'iptables', 'nightly')[0].argv.join(' ')).not.toContain('kubeProxyReplacement');
  });
});

describe('imageLoadSteps', () => {
  it("loads one platform's archive (kind load docker-image fails on a multi-arch image under Docker's containerd store, kind#3795)", () => {
    const steps = imageLoadSteps('registry.k8s.io/e2e-test-images/agnhost:2.53', 'nightly', '/tmp/a.tar', 'linux/amd64').map((s) => s.argv);
    expect(steps).toEqual([
      ['docker', 'pull', '--platform', 'linux/amd64', 'registry.k8s.io/e2e-test-images/agnhost:2.53'],
      ['docker', 'image', 'save', '--platform', 'linux/amd64', '--output', '/tmp/a.tar', 'registry.k8s.io/e2e-test-images/agnhost:2.53'],
      ['kind', 'load', 'image-archive', '/tmp/a.tar', '--name', 'nightly'],
    ]);
    expect(steps.flat()).not.toContain('docker-image');
  });

  it("names the nodes' platform in Docker's words", () => {
    expect(dockerPlatform('x64')).toBe('linux/amd64');
    expect(dockerPlatform('arm64')).toBe('linux/arm64');
    expect(() => dockerPlatform('mips')).toThrow(/no Docker platform for Node's arch mips/);
  });
});

describe('regression corpus', () => {
  const report = {
    seed: 42,
    properties: [
      { id: 'policy-verdicts', status: 'failed', seed: 42, failure: { path: '3:1:0' } },
      { id: 'hairpin', status: 'passed', seed: 42 },
      { id: 'pod-ip-unique', status: 'failed', seed: 42 }, // no path: not replayable
    ],
  };

  it('keeps failed properties with their seed and path', () => {
    expect(failingSeeds(report, 'calico', 'iptables')).toEqual([{ property: 'policy-verdicts', seed: 42, path: '3:1:0', cni: 'calico', proxyMode: 'iptables' }]);
  });

  it('adds each failure once, and replays only the seeds of the same cell', () => {
    const e: CorpusEntry = { property: 'policy-verdicts', seed: 42, path: '3:1:0', cni: 'calico', proxyMode: 'iptables' };
    const once = mergeCorpus('', [e]);
    const twice = mergeCorpus(once, [e, { ...e, cni: 'cilium' }]);
    expect(twice.trim().split('\n')).toHaveLength(2);
    expect(corpusFor(twice, 'calico', 'iptables')).toEqual([e]);
    expect(corpusFor(twice, 'kindnet', 'iptables')).toEqual([]);
  });
});

describe('onPath', () => {
  it('finds an executable in a PATH directory and not elsewhere', async () => {
    const { onPath } = await import('./kind-cluster.ts');
    expect(onPath('node', path.dirname(process.execPath))).toBe(true);
    expect(onPath('node', '/nonexistent')).toBe(false);
    expect(onPath('definitely-not-a-tool-xyz', path.dirname(process.execPath))).toBe(false);
  });
});
