import { describe, it, expect } from 'vitest';
import { UsageError } from '../../cluster/errors.ts';
import { clusterSettings } from './cluster-settings.ts';

describe('clusterSettings (what the CLI passes to the cluster target)', () => {
  it('reads the CLI\'s strings into typed settings', () => {
    expect(clusterSettings({ kubeconfig: '/k', context: 'c', image: 'm/agnhost:2.53', cniProfile: 'calico', concurrency: '8', dryRun: true, out: 'r' })).toEqual({
      kubeconfig: '/k', context: 'c', image: 'm/agnhost:2.53', cniProfile: 'calico', concurrency: 8, podTimeoutSeconds: undefined, keep: false, dryRun: true, out: 'r',
    });
  });

  it.each(['0', '-3', '2.5', 'many'])('--concurrency %s is a UsageError naming the flag', (value) => {
    expect(() => clusterSettings({ concurrency: value })).toThrow(UsageError);
    expect(() => clusterSettings({ concurrency: value })).toThrow(`--concurrency must be a positive integer, not ${value}`);
  });
});
