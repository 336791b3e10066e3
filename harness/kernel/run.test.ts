import { describe, expect, it } from 'vitest';
import { isRunId, kernelRun, newRunId, processStartTime, runIdOfNetns } from './run.ts';

describe('kernel run identity', () => {
  it('names every namespace and link of a run after its id', () => {
    const id = newRunId();
    expect(isRunId(id)).toBe(true);
    const run = kernelRun(id);
    for (const ns of [run.underlayNetns, run.nodeNetns(2), run.podNetns(123)]) expect(runIdOfNetns(ns)).toBe(id);
    for (const link of [run.underlayBridge, run.nodeUplink, run.podBridge, run.vxlan, run.underlayPort(999)]) {
      expect(link).toContain(id);
      expect(link.length).toBeLessThanOrEqual(15);
    }
  });

  it("recognizes only namespaces of the runs' own form", () => {
    expect(runIdOfNetns('np-abc123-p4')).toBe('abc123');
    expect(runIdOfNetns('np-f2test-62c62c-x-web')).toBeUndefined();
    expect(runIdOfNetns('cni-1234')).toBeUndefined();
    expect(() => kernelRun('../etc')).toThrow();
  });

  it('reads a live process start time and none for a pid that does not exist', () => {
    expect(processStartTime(process.pid)).toMatch(/^\d+$/);
    expect(processStartTime(2 ** 30)).toBeUndefined();
  });
});
