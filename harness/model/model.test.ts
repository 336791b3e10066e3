// The model against the shared example case files, and each fault against the conformant model.
import { describe, it, expect } from 'vitest';
import { buildModel } from './model.ts';
import { MODEL_FAULTS } from './faults.ts';
import { loadCases } from '../../cluster/case-file.ts';
import { SHARED_CASES as SHARED } from '../../cluster/shared-cases.fixture.ts';
import { cluster, pod, policy, ports, probe, service } from './test-cluster.ts';
import fc from 'fast-check';
import { clusterCase } from '../../generators/cluster.ts';
import type { ClusterState, Probe } from '../../cluster/types.ts';

describe('shared example cases', () => {
  it('every expectation of the example cases holds', async () => {
    const cases = await loadCases([SHARED]);
    expect(cases.length).toBeGreaterThan(0);
    const wrong: string[] = [];
    for (const { file, case: c } of cases) {
      const model = buildModel(c.state);
      for (const p of c.probes) {
        const { verdict, reason } = model.predict(p);
        if (verdict !== p.expect) wrong.push(`${file}: ${JSON.stringify(p)} -> ${verdict}: ${reason}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('a flipped expectation is a mismatch (the check can fail)', async () => {
    const [{ case: c }] = await loadCases([`${SHARED}/policy-named-port.yaml`]);
    const model = buildModel(c.state);
    const flipped = c.probes.map((p) => ({ ...p, expect: p.expect === 'allow' ? 'deny' : 'allow' }));
    expect(flipped.every((p) => model.predict(p).verdict !== p.expect)).toBe(true);
  });
});

// One small state per fault where the faulty model must predict differently from the conformant one.
const web = pod('x/web', { labels: { app: 'web' }, ports: ports([80, 'TCP', 'http'], [8001, 'TCP'], [53, 'UDP']) });
const client = pod('y/client', { labels: { app: 'client' }, nodeName: 'node-2', ports: ports([8001, 'TCP', 'http']) });
const other = pod('x/other', { labels: { app: 'other' } });
const ingressOnly = (rule: object) => policy('x/p', { podSelector: { matchLabels: { app: 'web' } }, ingress: [rule] });
const svc = service('x/web', { selector: { app: 'web' } });
const faultCases: Record<string, { state: ClusterState; probe: Probe }> = {
  'ignore-except': {
    state: cluster({ pods: [web, client], policies: [ingressOnly({ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: [`${client.ip}/32`] } }] })] }),
    probe: probe('y/client', 'x/web'),
  },
  'peers-or': {
    state: cluster({
      pods: [web, client, other],
      policies: [ingressOnly({ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: { matchLabels: { app: 'nobody' } } }] })],
    }),
    probe: probe('y/client', 'x/web'),
  },
  'ignore-egress': {
    state: cluster({ pods: [web, client], policies: [policy('y/e', { policyTypes: ['Egress'] })] }),
    probe: probe('y/client', 'x/web'),
  },
  'named-port-on-source': {
    state: cluster({ pods: [web, client], policies: [ingressOnly({ ports: [{ port: 'http' }] })] }),
    probe: probe('y/client', 'x/web', 80),
  },
  'not-ready-endpoints': {
    state: cluster({ pods: [{ ...web, ready: false }, client], services: [svc] }),
    probe: probe('y/client', 'svc:x/web'),
  },
  'snat-pod-to-pod': { state: cluster({ pods: [web, client] }), probe: probe('y/client', 'x/web') },
  'ignore-endport': {
    state: cluster({ pods: [web, client], policies: [ingressOnly({ ports: [{ port: 8000, endPort: 8001 }] })] }),
    probe: probe('y/client', 'x/web', 8001),
  },
  'ignore-policy-protocol': {
    state: cluster({ pods: [web, client], policies: [ingressOnly({ ports: [{ port: 53 }] })] }),
    probe: probe('y/client', 'x/web', 53, 'UDP'),
  },
  'no-hairpin': { state: cluster({ pods: [web, client], services: [svc] }), probe: probe('x/web', 'svc:x/web') },
  'no-terminating-fallback': {
    state: cluster({ pods: [{ ...web, terminating: true }, client], services: [svc] }),
    probe: probe('y/client', 'svc:x/web'),
  },
  'external-local-as-cluster': {
    state: cluster({ pods: [web, client], services: [{ ...svc, type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 80, protocol: 'TCP', nodePort: 30080 }] }] }),
    probe: { from: { kind: 'node', name: 'node-1' }, to: { kind: 'ip', ip: '172.18.0.3' }, port: 30080, protocol: 'TCP' },
  },
};

describe('model faults change the model itself', () => {
  for (const { name } of MODEL_FAULTS) {
    it(`${name} makes a prediction differ from the conformant model`, () => {
      const example = faultCases[name];
      expect(example, `a case for ${name}`).toBeDefined();
      const good = buildModel(example.state).predict(example.probe);
      const bad = buildModel(example.state, { fault: name }).predict(example.probe);
      expect({ verdict: bad.verdict, deliveries: bad.deliveries }).not.toEqual({ verdict: good.verdict, deliveries: good.deliveries });
    });
  }

  it('no fault changes the predictions of a state where it has nothing to act on', () => {
    const plain = cluster({ pods: [web, client] });
    for (const { name } of MODEL_FAULTS.filter((f) => f.name !== 'snat-pod-to-pod')) {
      expect(buildModel(plain, { fault: name }).predict(probe('y/client', 'x/web'))).toEqual(buildModel(plain).predict(probe('y/client', 'x/web')));
    }
  });
});

describe('predictions are consistent with themselves (generated clusters)', () => {
  it('allow has deliveries from real pods, deny has none, and routes explain the verdict (faulty models too)', () => {
    fc.assert(
      fc.property(clusterCase({}), fc.constantFrom(undefined, ...MODEL_FAULTS.map((f) => f.name)), ({ state, probes }, fault) => {
        const model = buildModel(state, { fault });
        const pods = new Set(state.pods.map((p) => `${p.namespace}/${p.name}`));
        for (const probe of probes) {
          const p = model.predict(probe);
          expect(p.reason.length).toBeGreaterThan(0);
          if (p.verdict === 'allow') {
            expect(p.deliveries.length).toBeGreaterThan(0);
            expect(p.routes.every((r) => r.verdict === 'allow')).toBe(true);
          }
          if (p.verdict === 'deny') {
            expect(p.deliveries).toEqual([]);
            expect(p.routes.every((r) => r.verdict === 'deny')).toBe(true);
          }
          for (const d of p.deliveries) {
            expect(d.outcome).toBe('delivered');
            expect(pods.has(`${d.backend!.namespace}/${d.backend!.name}`)).toBe(true);
            // the backend serves the port it is said to receive on, with the probe's protocol
            const backend = state.pods.find((q) => q.namespace === d.backend!.namespace && q.name === d.backend!.name)!;
            expect(backend.ports.some((cp) => cp.containerPort === d.backend!.port && cp.protocol === probe.protocol)).toBe(true);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the same state and probe always give the same prediction', () => {
    fc.assert(
      fc.property(clusterCase({}), ({ state, probes }) => {
        const a = buildModel(state);
        const b = buildModel(structuredClone(state));
        for (const probe of probes) expect(b.predict(probe)).toEqual(a.predict(probe));
      }),
      { numRuns: 100 },
    );
  });
});
