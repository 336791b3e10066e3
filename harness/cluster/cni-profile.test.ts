import { describe, it, expect } from 'vitest';
import { UsageError } from '../../cluster/errors.ts';
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
