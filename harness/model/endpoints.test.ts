import { describe, it, expect } from 'vitest';
import { endpointsForClient, programmedEndpoints, resolveTargetPort, serviceEndpoints } from './endpoints.ts';
import { cluster, pod, ports, service } from './test-cluster.ts';

const api1 = pod('shop/api-1', { labels: { app: 'api' }, ports: ports([8080, 'TCP', 'http']) });
const api2 = pod('shop/api-2', { labels: { app: 'api' }, nodeName: 'node-2', ports: ports([8081, 'TCP', 'http'], [53, 'UDP', 'dns']) });
const api3 = pod('shop/api-3', { labels: { app: 'api' }, ready: false, nodeName: 'node-2', ports: ports([8082, 'TCP', 'http']) });
const other = pod('shop/other', { labels: { app: 'other' }, ports: ports([8080, 'TCP', 'http']) });
const elsewhere = pod('lab/api', { labels: { app: 'api' }, ports: ports([8080, 'TCP', 'http']) });
const state = cluster({ pods: [api1, api2, api3, other, elsewhere] });
const names = (eps: { pod?: { name: string; namespace: string } }[]) => eps.map((e) => `${e.pod!.namespace}/${e.pod!.name}`);

describe('EndpointSlice semantics', () => {
  it("selects pods of the Service's namespace whose labels match the selector", () => {
    const svc = service('shop/api', { selector: { app: 'api' } });
    expect(names(serviceEndpoints(state, svc)[0].endpoints)).toEqual(['shop/api-1', 'shop/api-2', 'shop/api-3']);
  });

  it('lists not-ready pods as not ready; kube-proxy programs only ready ones', () => {
    const [port] = serviceEndpoints(state, service('shop/api', { selector: { app: 'api' } }));
    expect(port.endpoints.find((e) => e.pod!.name === 'api-3')!.ready).toBe(false);
    expect(names(programmedEndpoints(port))).toEqual(['shop/api-1', 'shop/api-2']);
    expect(names(programmedEndpoints(port, { includeNotReady: true }))).toContain('shop/api-3');
  });

  it('publishNotReadyAddresses makes not-ready pods ready endpoints', () => {
    const [port] = serviceEndpoints(state, service('shop/api', { selector: { app: 'api' }, publishNotReadyAddresses: true }));
    expect(names(programmedEndpoints(port))).toContain('shop/api-3');
  });

  it('a Service without selector, or with an empty one, has no endpoints', () => {
    expect(serviceEndpoints(state, service('shop/api', { selector: undefined }))[0].endpoints).toEqual([]);
    expect(serviceEndpoints(state, service('shop/api', { selector: {} }))[0].endpoints).toEqual([]);
  });

  it('a named targetPort resolves per pod, on the name and the Service port protocol', () => {
    const svc = service('shop/api', { selector: { app: 'api' }, ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }] });
    expect(serviceEndpoints(state, svc)[0].endpoints.map((e) => e.port)).toEqual([8080, 8081, 8082]);
    const udp = service('shop/dns', { selector: { app: 'api' }, ports: [{ port: 53, targetPort: 'dns', protocol: 'UDP' }] });
    expect(names(serviceEndpoints(state, udp)[0].endpoints)).toEqual(['shop/api-2']);
    // same name, other protocol: not a match, so the pod is left out of that port
    const tcpDns = service('shop/dns', { selector: { app: 'api' }, ports: [{ port: 53, targetPort: 'dns', protocol: 'TCP' }] });
    expect(serviceEndpoints(state, tcpDns)[0].endpoints).toEqual([]);
  });

  it('a numeric targetPort needs no declaration on the pod', () => {
    expect(resolveTargetPort(api1, { port: 80, targetPort: 9999, protocol: 'TCP' })).toBe(9999);
  });

  it('endpoints are per Service port', () => {
    const svc = service('shop/api', {
      selector: { app: 'api' },
      ports: [
        { name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' },
        { name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP' },
      ],
    });
    const [web, dns] = serviceEndpoints(state, svc);
    expect(web.endpoints).toHaveLength(3);
    expect(dns.endpoints).toHaveLength(1);
  });

  it('hostNetwork pods are endpoints with their node IP', () => {
    const h = pod('shop/h', { labels: { app: 'api' }, hostNetwork: true, nodeName: 'node-2', ports: ports([8080, 'TCP', 'http']) });
    const [port] = serviceEndpoints(cluster({ pods: [h] }), service('shop/api', { selector: { app: 'api' } }));
    expect(port.endpoints[0].ip).toBe('172.18.0.3');
  });

  it('internalTrafficPolicy Local keeps only endpoints on the client node', () => {
    const svc = service('shop/api', { selector: { app: 'api' }, internalTrafficPolicy: 'Local' });
    const eps = programmedEndpoints(serviceEndpoints(state, svc)[0]);
    expect(names(endpointsForClient(eps, svc, 'node-2'))).toEqual(['shop/api-2']);
    expect(names(endpointsForClient(eps, { ...svc, internalTrafficPolicy: 'Cluster' }, 'node-2'))).toHaveLength(2);
  });
});
