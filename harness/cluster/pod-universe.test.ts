import { describe, it, expect } from 'vitest';
import type { Pod } from '../../cluster/types.ts';
import { podChanges, type LivePod } from './pod-universe.ts';

const pod = (name: string, over: Partial<Pod> = {}): Pod => ({
  namespace: 'x', name, labels: { app: 'web' }, nodeName: 'node-1', hostNetwork: false,
  ports: [{ containerPort: 80, protocol: 'TCP' }], ip: '10.244.1.2', ready: true, ...over,
});
const live = (...pods: Pod[]) => new Map<string, LivePod>(pods.map((p) => [`${p.namespace}/${p.name}`, { created: p, labels: p.labels, ready: p.ready }]));

describe('podChanges (create pods once, then only relabel and toggle readiness)', () => {
  it('the same pods with new labels are relabelled, not recreated', () => {
    const c = podChanges(live(pod('a'), pod('b')), [pod('a', { labels: { app: 'db' } }), pod('b')]);
    expect(c.relabel.map((p) => p.name)).toEqual(['a']);
    expect(c.create).toEqual([]);
    expect(c.recreate).toEqual([]);
  });

  it('a pod IP drawn differently by the case does not force a new pod (the cluster assigns IPs)', () => {
    expect(podChanges(live(pod('a')), [pod('a', { ip: '10.244.1.99' })])).toEqual({ create: [], recreate: [], relabel: [], setReady: [], setNotReady: [], remove: [] });
  });

  it('readiness changes are toggles, both ways', () => {
    const c = podChanges(live(pod('a'), pod('b', { ready: false })), [pod('a', { ready: false }), pod('b', { ready: true })]);
    expect(c.setNotReady.map((p) => p.name)).toEqual(['a']);
    expect(c.setReady.map((p) => p.name)).toEqual(['b']);
  });

  it('a changed node, hostNetwork or port set needs a new pod', () => {
    const c = podChanges(live(pod('a'), pod('b'), pod('c')), [
      pod('a', { nodeName: 'node-2' }),
      pod('b', { hostNetwork: true }),
      pod('c', { ports: [{ containerPort: 81, protocol: 'TCP' }] }),
    ]);
    expect(c.recreate.map((p) => p.name)).toEqual(['a', 'b', 'c']);
  });

  it('new pods are created and pods no longer wanted removed', () => {
    const c = podChanges(live(pod('a')), [pod('b')]);
    expect(c.create.map((p) => p.name)).toEqual(['b']);
    expect(c.remove.map((p) => p.created.name)).toEqual(['a']);
  });
});
