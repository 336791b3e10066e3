// What the model predicts for a probe beyond policy: NAT, Service routing, addresses.
import { describe, it, expect } from 'vitest';
import { buildModel } from './model.ts';
import { cluster, policy, pod, ports, probe, service, NODES } from './test-cluster.ts';
import { UsageError } from '../../cluster/errors.ts';
import fc from 'fast-check';
import { clusterCase } from '../../generators/cluster.ts';

const a = pod('x/a', { labels: { app: 'a' } });
const b = pod('x/b', { labels: { app: 'b' }, nodeName: 'node-2' });
const web1 = pod('x/web-1', { labels: { app: 'web' }, ports: ports([8080, 'TCP', 'http']) });
const web2 = pod('x/web-2', { labels: { app: 'web' }, nodeName: 'node-2', ports: ports([8081, 'TCP', 'http']) });
const svc = service('x/web', { selector: { app: 'web' }, ports: [{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }] });
const pods = [a, b, web1, web2];

describe('pod-to-pod and node-to-pod: no NAT', () => {
  it("the receiver sees the sending pod's IP, same node and across nodes; the reply comes from the pod", () => {
    const m = buildModel(cluster({ pods }));
    for (const [from, to] of [['x/a', 'x/web-1'], ['x/a', 'x/b'], ['x/b', 'x/a']]) {
      const p = m.predict(probe(from, to, to === 'x/web-1' ? 8080 : 80));
      const sender = pods.find((q) => `${q.namespace}/${q.name}` === from)!;
      const receiver = pods.find((q) => `${q.namespace}/${q.name}` === to)!;
      expect(p.verdict).toBe('allow');
      expect(p.deliveries).toEqual([
        { outcome: 'delivered', backend: { namespace: 'x', name: receiver.name, port: to === 'x/web-1' ? 8080 : 80 }, sourceSeen: sender.ip, replyFrom: receiver.ip },
      ]);
    }
  });

  it("a node (or a hostNetwork pod) sender is seen with the node's IP", () => {
    const h = pod('x/h', { hostNetwork: true, nodeName: 'node-2' });
    const m = buildModel(cluster({ pods: [a, h] }));
    expect(m.predict(probe('node:node-2', 'x/a')).deliveries[0].sourceSeen).toBe(NODES[1].internalIP);
    expect(m.predict(probe('x/h', 'x/a')).deliveries[0].sourceSeen).toBe(NODES[1].internalIP);
  });

  it("the snat-pod-to-pod fault shows the sender's node IP instead", () => {
    const m = buildModel(cluster({ pods }), { fault: 'snat-pod-to-pod' });
    expect(m.predict(probe('x/b', 'x/a')).deliveries[0].sourceSeen).toBe(NODES[1].internalIP);
  });

  it('a port the pod does not serve, or another protocol, is refused even when policy allows', () => {
    const m = buildModel(cluster({ pods }));
    const p = m.predict(probe('x/a', 'x/b', 81));
    expect(p.verdict).toBe('deny');
    expect(p.routes[0].failure.outcome).toBe('refused');
    expect(m.predict(probe('x/a', 'x/b', 80, 'UDP')).verdict).toBe('deny');
  });

  it('readiness never gates direct traffic', () => {
    const m = buildModel(cluster({ pods: [a, { ...b, ready: false }] }));
    expect(m.predict(probe('x/a', 'x/b')).verdict).toBe('allow');
  });

  it('a named probe port resolves on the target pod', () => {
    const m = buildModel(cluster({ pods }));
    expect(m.predict(probe('x/a', 'x/web-2', 'http')).deliveries[0].backend!.port).toBe(8081);
    expect(m.predict(probe('x/a', 'x/web-2', 'nope')).verdict).toBe('deny');
  });

  it('a probe naming a pod that does not exist is a bug, not a usage error (the case-file decoder refuses such a probe first)', () => {
    const predict = () => buildModel(cluster({ pods })).predict(probe('x/ghost', 'x/a'));
    expect(predict).toThrow(/probe source x\/ghost is not a pod of the state/);
    expect(predict).not.toThrow(UsageError);
  });
});

describe('Services', () => {
  it('a ClusterIP DNATs to one ready endpoint on its resolved targetPort; the reply comes from the ClusterIP', () => {
    const p = buildModel(cluster({ pods, services: [svc] })).predict(probe('x/a', 'svc:x/web', 80));
    expect(p.verdict).toBe('allow');
    expect(p.deliveries.map((d) => [d.backend!.name, d.backend!.port, d.replyFrom, d.sourceSeen])).toEqual([
      ['web-1', 8080, svc.clusterIP, a.ip],
      ['web-2', 8081, svc.clusterIP, a.ip],
    ]);
  });

  it('a Service port can be named; a port it does not have is unreachable', () => {
    const m = buildModel(cluster({ pods, services: [svc] }));
    expect(m.predict(probe('x/a', 'svc:x/web', 'web')).verdict).toBe('allow');
    const missing = m.predict(probe('x/a', 'svc:x/web', 81));
    expect(missing.verdict).toBe('deny');
    expect(missing.failure.outcome).toBe('unreachable');
    expect(m.predict(probe('x/a', 'svc:x/web', 80, 'UDP')).verdict).toBe('deny');
  });

  it('not-ready pods are not endpoints (unless the not-ready-endpoints fault)', () => {
    const state = cluster({ pods: [a, web1, { ...web2, ready: false }], services: [svc] });
    expect(buildModel(state).predict(probe('x/a', 'svc:x/web')).deliveries.map((d) => d.backend!.name)).toEqual(['web-1']);
    expect(buildModel(state, { fault: 'not-ready-endpoints' }).predict(probe('x/a', 'svc:x/web')).deliveries).toHaveLength(2);
  });

  it('no endpoints: kube-proxy rejects the connection', () => {
    const p = buildModel(cluster({ pods: [a], services: [svc] })).predict(probe('x/a', 'svc:x/web'));
    expect(p.verdict).toBe('deny');
    expect(p.failure.outcome).toBe('refused');
  });

  it('a selector-less Service has no endpoints', () => {
    expect(buildModel(cluster({ pods, services: [{ ...svc, selector: undefined }] })).predict(probe('x/a', 'svc:x/web')).verdict).toBe('deny');
  });

  it('a headless Service has no ClusterIP: a probe to it is unreachable', () => {
    const p = buildModel(cluster({ pods, services: [{ ...svc, clusterIP: 'None' }] })).predict(probe('x/a', 'svc:x/web'));
    expect(p.verdict).toBe('deny');
    expect(p.failure.outcome).toBe('unreachable');
  });

  it('hairpin: a backend reaches its own Service (no-hairpin fault: it cannot)', () => {
    const only = cluster({ pods: [web1], services: [svc] });
    const p = buildModel(only).predict(probe('x/web-1', 'svc:x/web'));
    expect(p.verdict).toBe('allow');
    // kube-proxy masquerades hairpin traffic: the source the backend sees is left open
    expect(p.deliveries[0].sourceSeen).toBeUndefined();
    expect(buildModel(only, { fault: 'no-hairpin' }).predict(probe('x/web-1', 'svc:x/web')).verdict).toBe('deny');
  });

  it('policy judges Service traffic after DNAT: against the backend pod and its targetPort', () => {
    const onlyFromA8080 = policy('x/p', {
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }], ports: [{ port: 8080 }] }],
    });
    const m = buildModel(cluster({ pods, services: [svc], policies: [onlyFromA8080] }));
    // web-1 listens on 8080 (allowed), web-2 on 8081 (denied): the outcome depends on kube-proxy's pick
    const p = m.predict(probe('x/a', 'svc:x/web', 80));
    expect(p.verdict).toBe('undefined');
    expect(p.routes.map((r) => r.verdict)).toEqual(['allow', 'deny']);
    expect(p.deliveries.map((d) => d.backend!.name)).toEqual(['web-1']);
    // the Service port 80 is never what policy sees
    expect(m.predict(probe('x/b', 'svc:x/web', 80)).verdict).toBe('deny');
  });

  it("the client's egress is judged against the backend pod, not the ClusterIP", () => {
    const egressToWeb = policy('x/e', {
      podSelector: { matchLabels: { app: 'a' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'web' } } }] }],
    });
    const m = buildModel(cluster({ pods, services: [svc], policies: [egressToWeb] }));
    expect(m.predict(probe('x/a', 'svc:x/web')).verdict).toBe('allow');
    expect(m.predict(probe('x/a', 'x/b')).verdict).toBe('deny');
  });

  it('internalTrafficPolicy Local uses only endpoints on the client node, and fails when there are none', () => {
    const local = { ...svc, internalTrafficPolicy: 'Local' as const };
    const c2 = pod('x/c2', { nodeName: 'node-2' });
    const noLocal = cluster({ pods: [a, web2, c2], services: [local] });
    const none = buildModel(noLocal).predict(probe('x/a', 'svc:x/web'));
    expect(none.verdict).toBe('deny');
    // kube-proxy drops such traffic ("has no local endpoints"); only a Service with no endpoints at all is rejected
    expect(none.failure.outcome).toBe('timeout');
    expect(buildModel(noLocal).predict(probe('x/c2', 'svc:x/web')).deliveries.map((d) => d.backend!.name)).toEqual(['web-2']);
  });

  it("NodePort is reachable on every node's IP, from pods and nodes; the source seen is left open (SNAT)", () => {
    const np = { ...svc, type: 'NodePort' as const, ports: [{ ...svc.ports[0], nodePort: 30080 }] };
    const m = buildModel(cluster({ pods, services: [np] }));
    for (const node of NODES) {
      for (const from of ['x/a', 'node:node-1']) {
        const p = m.predict(probe(from, `ip:${node.internalIP}`, 30080));
        expect(p.verdict).toBe('allow');
        expect(p.deliveries).toHaveLength(2);
        expect(p.deliveries.every((d) => d.replyFrom === node.internalIP && d.sourceSeen === undefined)).toBe(true);
      }
    }
    expect(m.predict(probe('x/a', `ip:${NODES[0].internalIP}`, 30081)).verdict).toBe('deny');
  });

  it('NodePort to an isolated backend: allowed only when policy admits both the client and the node, since NAT may precede policy', () => {
    const np = { ...svc, type: 'NodePort' as const, ports: [{ ...svc.ports[0], nodePort: 30080 }] };
    const fromA = policy('x/p', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }] }] });
    const anySource = policy('x/p', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 'http' }] }] });
    const dial = probe('x/a', `ip:${NODES[0].internalIP}`, 30080);
    expect(buildModel(cluster({ pods, services: [np], policies: [fromA] })).predict(dial).verdict).toBe('undefined');
    expect(buildModel(cluster({ pods, services: [np], policies: [anySource] })).predict(dial).verdict).toBe('allow');
    // the same policy through the ClusterIP is a plain allow: no SNAT there
    expect(buildModel(cluster({ pods, services: [np], policies: [fromA] })).predict(probe('x/a', 'svc:x/web')).verdict).toBe('allow');
  });

  it('internalTrafficPolicy does not apply to NodePort traffic (externalTrafficPolicy Cluster does)', () => {
    const np = { ...svc, type: 'NodePort' as const, internalTrafficPolicy: 'Local' as const, ports: [{ ...svc.ports[0], nodePort: 30080 }] };
    const m = buildModel(cluster({ pods: [a, web2], services: [np] }));
    // a on node-1 has no local endpoint: its ClusterIP traffic fails, its NodePort traffic does not
    expect(m.predict(probe('x/a', 'svc:x/web')).verdict).toBe('deny');
    expect(m.predict(probe('x/a', `ip:${NODES[0].internalIP}`, 30080)).verdict).toBe('allow');
  });

  it('a Service whose endpoints get different verdicts is undefined, and lists only the deliveries it may make', () => {
    const h = pod('x/h', { labels: { app: 'web' }, hostNetwork: true, nodeName: 'node-2', ports: ports([8081, 'TCP', 'http']) });
    // a's egress admits web-1 only: web-1 allowed, the hostNetwork endpoint undefined, web-2 denied
    const egress = policy('x/e', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 8080 }] }] });
    const p = buildModel(cluster({ pods: [a, web1, web2, h], services: [svc], policies: [egress] })).predict(probe('x/a', 'svc:x/web'));
    expect(p.verdict).toBe('undefined');
    expect(p.routes.map((r) => r.verdict)).toEqual(['allow', 'deny', 'undefined']);
    // a conformant cluster may deliver to web-1, or to the hostNetwork pod (left to the implementation)
    expect(p.deliveries.map((d) => d.backend!.name)).toEqual(['web-1', 'h']);
  });

  it('sessionAffinity ClientIP marks the prediction with the Service port it pins clients on', () => {
    const m = buildModel(cluster({ pods, services: [{ ...svc, sessionAffinity: 'ClientIP' }] }));
    expect(m.predict(probe('x/a', 'svc:x/web')).affinity).toBe('x/web:80/TCP');
    expect(buildModel(cluster({ pods, services: [svc] })).predict(probe('x/a', 'svc:x/web')).affinity).toBeUndefined();
  });

  it('a ClusterIP can be probed as an address too', () => {
    expect(buildModel(cluster({ pods, services: [svc] })).predict(probe('x/a', `ip:${svc.clusterIP}`, 80)).verdict).toBe('allow');
  });
});

describe('addresses', () => {
  it("a pod IP is that pod; a hostNetwork pod is reached on its node's IP", () => {
    const h = pod('x/h', { hostNetwork: true, nodeName: 'node-2', ports: ports([9100]) });
    const m = buildModel(cluster({ pods: [a, b, h] }));
    expect(m.predict(probe('x/a', `ip:${b.ip}`)).deliveries[0].backend!.name).toBe('b');
    expect(m.predict(probe('x/a', `ip:${NODES[1].internalIP}`, 9100)).deliveries[0].backend!.name).toBe('h');
    expect(m.predict(probe('x/a', `ip:${NODES[1].internalIP}`, 9101)).verdict).toBe('deny');
  });

  it("hostNetwork pods share the node's stack: a port one of them serves answers at the other's address too", () => {
    const h1 = pod('x/h1', { hostNetwork: true, nodeName: 'node-2', ports: ports([9100]) });
    const h2 = pod('x/h2', { hostNetwork: true, nodeName: 'node-2', ports: ports([9200]) });
    const m = buildModel(cluster({ pods: [a, h1, h2] }));
    const p = m.predict(probe('x/a', 'x/h1', 9200));
    expect(p.verdict).toBe('allow');
    expect(p.deliveries[0].backend).toEqual({ namespace: 'x', name: 'h2', port: 9200 });
    // an ordinary pod has its own stack: another pod's port is refused there
    const m2 = buildModel(cluster({ pods: [a, b, pod('x/c', { nodeName: 'node-2', ports: ports([9200]) })] }));
    expect(m2.predict(probe('x/a', 'x/b', 9200)).verdict).toBe('deny');
  });

  it('two hostNetwork endpoints of one node on one port are one endpoint (kube-proxy keys endpoints by IP:port)', () => {
    const h1 = pod('x/h1', { labels: { app: 'h' }, hostNetwork: true, nodeName: 'node-2', ports: ports([80]) });
    const h2 = pod('x/h2', { labels: { app: 'h' }, hostNetwork: true, nodeName: 'node-2', ports: [] });
    const p = buildModel(cluster({ pods: [a, h1, h2], services: [service('x/h', { selector: { app: 'h' } })] })).predict(probe('x/a', 'svc:x/h'));
    expect(p.routes).toHaveLength(1);
    expect(p.deliveries.map((d) => d.backend!.name)).toEqual(['h1']);
  });

  it('an address that is no pod, node or ClusterIP is undefined', () => {
    expect(buildModel(cluster({ pods })).predict(probe('x/a', 'ip:192.0.2.1')).verdict).toBe('undefined');
  });
});

describe('Service routing against a naive reading of the EndpointSlice rules (generated clusters, no policies)', () => {
  it('a ClusterIP probe is delivered exactly to the ready selected pods of the namespace serving the resolved targetPort', () => {
    fc.assert(
      fc.property(clusterCase({ policies: false }), ({ state }) => {
        const model = buildModel(state);
        for (const svc of state.services.filter((s) => s.clusterIP !== 'None')) {
          for (const sp of svc.ports) {
            for (const client of state.pods) {
              const p = model.predict({ from: { kind: 'pod', namespace: client.namespace, name: client.name }, to: { kind: 'service', namespace: svc.namespace, name: svc.name }, port: sp.port, protocol: sp.protocol });
              const expected = state.pods
                .filter((q) => q.namespace === svc.namespace && svc.selector && Object.keys(svc.selector).length > 0)
                .filter((q) => Object.entries(svc.selector!).every(([k, v]) => q.labels[k] === v))
                .filter((q) => q.ready || svc.publishNotReadyAddresses)
                .filter((q) => svc.internalTrafficPolicy !== 'Local' || q.nodeName === client.nodeName)
                .map((q) => {
                  const port = typeof sp.targetPort === 'number' ? sp.targetPort : q.ports.find((c) => c.name === sp.targetPort && c.protocol === sp.protocol)?.containerPort;
                  return { q, port };
                })
                // hostNetwork pods share their node's stack: the first of them serving the port answers
                .map(({ q, port }) => ({
                  q: q.hostNetwork
                    ? (state.pods.find((h) => h.hostNetwork && h.nodeName === q.nodeName && h.ports.some((c) => c.containerPort === port && c.protocol === sp.protocol)) ?? q)
                    : q,
                  port,
                }))
                .filter(({ q, port }) => port !== undefined && q.ports.some((c) => c.containerPort === port && c.protocol === sp.protocol))
                .map(({ q, port }) => `${q.namespace}/${q.name}:${port}`);
              expected.splice(0, expected.length, ...[...new Set(expected)].sort());
              const got = p.deliveries.map((d) => `${d.backend!.namespace}/${d.backend!.name}:${d.backend!.port}`).sort();
              expect(got).toEqual(expected);
              for (const d of p.deliveries) expect(d.replyFrom).toBe(svc.clusterIP);
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
