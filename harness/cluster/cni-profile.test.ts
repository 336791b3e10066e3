import { describe, it, expect } from 'vitest';
import { UsageError } from '../../cluster/errors.ts';
import type { Observation, Probe } from '../../cluster/types.ts';
import { awaitEnforcement } from '../enforcement.ts';
import { builtInProfiles, decodeCNIProfile, loadCNIProfile } from './cni-profile.ts';

describe('CNI profiles', () => {
  it('every built-in profile loads', async () => {
    for (const name of builtInProfiles()) {
      const p = await loadCNIProfile(name);
      expect(p.name).toBe(name);
      expect(p.deniedAs.length).toBeGreaterThan(0);
    }
  });

  it('the generic profile accepts every way of denying', async () => {
    expect((await loadCNIProfile()).deniedAs.sort()).toEqual(['refused', 'timeout', 'unreachable']);
  });

  // kube-router REJECTs with an ICMP port-unreachable, and the rejecting node's kernel sends at most
  // a burst of 6 such errors per destination, then one a second (net.ipv4.icmp_ratelimit): a pod
  // with many denied connections in flight sees the rest time out (measured on the local cluster,
  // 2026-12-06: 8 of 20 concurrent denied connects refused, 12 timed out; 20 of 20 refused with
  // the limit off). An ICMP unreachable is no denial kube-router makes.
  it('the local kube-router profiles take a refusal or a rate-limited timeout as a denial, and hold an unreachable to be a violation', async () => {
    const outcomes: Observation['outcome'][] = ['refused', 'timeout', 'unreachable'];
    const probes = outcomes.map((_, i): Probe => ({ from: { kind: 'pod', namespace: 'x', name: 'a' }, to: { kind: 'pod', namespace: 'x', name: String(i) }, port: 80, protocol: 'TCP' }));
    for (const name of ['local-routes', 'local-flannel', 'local-kube-router']) {
      const profile = await loadCNIProfile(name);
      const r = await awaitEnforcement({
        probes,
        verdicts: probes.map(() => 'deny'),
        runOne: async (p) => ({ outcome: outcomes[Number((p.to as { name: string }).name)] }),
        changedAt: 0,
        deadlineMs: 1000,
        retryIntervalMs: 100,
        deniedAs: profile.deniedAs,
        concurrency: 3,
        clock: { now: () => 0, sleep: async () => {} },
      });
      expect({ name, violations: r.profileViolations }).toEqual({ name, violations: [2] });
    }
  });

  it('defaults the timings', () => {
    expect(decodeCNIProfile('kind: CNIProfile\nname: x\ndeniedAs: [refused]\n', 'p.yaml')).toEqual({
      name: 'x', deniedAs: ['refused'], probeTimeoutSeconds: 2, enforcementDeadlineSeconds: 30, retryIntervalMs: 500, nodeSourceAddress: 'any-node-address', sctp: true,
    });
  });

  it.each([
    ['kind: Other\nname: x\ndeniedAs: [refused]', 'p.yaml: kind: must be CNIProfile'],
    ['kind: CNIProfile\ndeniedAs: [refused]', 'p.yaml: name: must be a non-empty string'],
    ['kind: CNIProfile\nname: x\ndeniedAs: [dropped]', 'p.yaml: deniedAs: must be a non-empty list'],
    ['kind: CNIProfile\nname: x\ndeniedAs: [timeout]\nprobeTimeoutSeconds: 0', 'p.yaml: probeTimeoutSeconds: must be a positive number'],
    ['kind: [', 'p.yaml: not valid YAML'],
    ['kind: CNIProfile\nname: x\ndeniedAs: [timeout]\nnodeSourceAddress: tunnel', 'p.yaml: nodeSourceAddress: must be one of internal-ip, any-node-address'],
  ])('a bad profile is one UsageError line naming the file and field: %s', (text, message) => {
    let err: unknown;
    try {
      decodeCNIProfile(text, 'p.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message.startsWith(message)).toBe(true);
    expect((err as Error).message).not.toContain('\n');
  });

  it('an unknown profile name says which exist', async () => {
    await expect(loadCNIProfile('weave')).rejects.toThrow(/one of calico, cilium, generic, kindnet/);
  });
});
