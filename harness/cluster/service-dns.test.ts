import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import type { ClusterState, Service } from '../../cluster/types.ts';
import { DNS_TTL_GRACE_SECONDS, digAnswers, digCommand, dnsDeadline, expectedServiceRecords, lookupName, mayBeCachedFromBefore, unansweredBecause } from './service-dns.ts';

const svc = (over: Partial<Service>): Service => ({
  namespace: 'x', name: 's', type: 'ClusterIP', clusterIP: '10.96.0.10', selector: { app: 'web' },
  ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }], sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster', ...over,
});
const pod = (name: string, ip: string, ready: boolean, named = true) => ({
  namespace: 'x', name, labels: { app: 'web' }, nodeName: 'n1', hostNetwork: false,
  ports: named ? [{ name: 'http', containerPort: 8080, protocol: 'TCP' as const }] : [{ containerPort: 8080, protocol: 'TCP' as const }], ip, ready,
});
const state = (services: Service[]): ClusterState => ({
  namespaces: [{ name: 'x', labels: {} }], nodes: [{ name: 'n1', podCIDR: '10.244.1.0/24', internalIP: '172.18.0.3' }],
  pods: [pod('a', '10.244.1.3', true), pod('b', '10.244.1.2', true), pod('c', '10.244.1.4', false), pod('d', '10.244.1.5', true, false)],
  services, policies: [],
});

describe('expectedServiceRecords (Kubernetes DNS specification)', () => {
  it('a ClusterIP Service name is its ClusterIP', () => {
    const s = svc({});
    expect(expectedServiceRecords(state([s]), s)).toEqual(['10.96.0.10']);
  });
  it('a headless Service name is its ready endpoints (a pod without the named port is no endpoint)', () => {
    const s = svc({ clusterIP: 'None' });
    expect(expectedServiceRecords(state([s]), s)).toEqual(['10.244.1.2', '10.244.1.3']);
  });
  it('publishNotReadyAddresses adds the not-ready ones', () => {
    const s = svc({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(expectedServiceRecords(state([s]), s)).toEqual(['10.244.1.2', '10.244.1.3', '10.244.1.4']);
  });
  it('a selector-less headless Service has no records', () => {
    const s = svc({ clusterIP: 'None', selector: undefined });
    expect(expectedServiceRecords(state([s]), s)).toEqual([]);
  });
});

describe('dig', () => {
  it('asks for the A record through the search path, without assuming the cluster domain, with every response of the search and its TTLs shown', () => {
    expect(digCommand(lookupName('web', 'x-np-1'), 2)).toEqual(['dig', '+noall', '+comments', '+question', '+answer', '+authority', '+search', '+showsearch', '+time=2', '+tries=1', 'A', 'web.x-np-1.svc']);
  });
  it('reads the addresses and the longest TTL of the answer, skipping CNAMEs, comments and errors', () => {
    expect(digAnswers('web.x.svc.cluster.local. 25 IN A 10.244.1.3\nweb.x.svc.cluster.local. 30 IN A 10.244.1.2\n')).toEqual({ ips: ['10.244.1.2', '10.244.1.3'], ttlSeconds: 30 });
    expect(digAnswers('web.x.svc.example. 5 IN CNAME alias.example.\nalias.example. 7 IN A 10.96.0.10\n')).toEqual({ ips: ['10.96.0.10'], ttlSeconds: 7 });
    expect(digAnswers(';; connection timed out; no servers could be reached\n')).toEqual({ ips: [] });
    expect(digAnswers('')).toEqual({ ips: [] });
  });
  it('a negative answer carries its SOA\'s TTL: how long a cache may go on saying the name is absent', () => {
    expect(digAnswers('cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5\n')).toEqual({ ips: [], ttlSeconds: 5 });
  });
});

// Captured from a pod of the local cluster (CoreDNS 1.12, `cache 30`, kubernetes plugin `ttl 30`;
// names renamed): the pod's search list is y-np-1.svc.cluster.local, svc.cluster.local,
// cluster.local, then the name as given. A headless Service without endpoints answered NXDOMAIN
// (fresh: SOA TTL 30); recreated with a ClusterIP, one CoreDNS replica still served that NXDOMAIN
// from its cache (SOA TTL 27, 3 s later) while the other answered the address.
describe('dig through the search list (+showsearch)', () => {
  const fixture = (name: string) => readFileSync(new URL(`./fixtures/dig-search-${name}.txt`, import.meta.url), 'utf8');
  it('an address found along the search list is the answer, whatever the searches before it said', () => {
    expect(digAnswers(fixture('answer'), 'web.x-np-1.svc')).toEqual({ ips: ['10.96.191.152'], ttlSeconds: 30, status: 'NOERROR' });
  });
  it('no address: the negative answer for the name in the zone its SOA names, not the SERVFAIL of the name as given, nor an earlier search name\'s NXDOMAIN', () => {
    expect(digAnswers(fixture('nxdomain-fresh'), 'web.x-np-1.svc')).toEqual({ ips: [], ttlSeconds: 30, status: 'NXDOMAIN' });
    // The first search name's NXDOMAIN here also has TTL 27, the second's 30: the third one is read.
    expect(digAnswers(fixture('nxdomain-cached'), 'web.x-np-1.svc')).toEqual({ ips: [], ttlSeconds: 27, status: 'NXDOMAIN' });
    expect(unansweredBecause(0, fixture('nxdomain-cached'), '', digAnswers(fixture('nxdomain-cached'), 'web.x-np-1.svc'))).toBe('NXDOMAIN, TTL 27 s');
    // Without the name, the last response is read: the name as given, which no zone holds.
    expect(digAnswers(fixture('nxdomain-cached'))).toEqual({ ips: [], status: 'SERVFAIL' });
  });
});

describe('dnsDeadline', () => {
  it('is the enforcement deadline when no wrong answer could still be cached', () => {
    expect(dnsDeadline(10_000, 0)).toBe(10_000);
    expect(dnsDeadline(10_000, 9_000)).toBe(10_000);
  });
  it('follows a cached answer\'s TTL past the deadline', () => {
    expect(dnsDeadline(10_000, 25_000)).toBe(25_000);
  });
  it('never waits more than the grace bound past the deadline (a wrong answer renewed forever is wrong)', () => {
    expect(dnsDeadline(10_000, 10_000 + (DNS_TTL_GRACE_SECONDS + 100) * 1000)).toBe(10_000 + DNS_TTL_GRACE_SECONDS * 1000);
  });
});

describe('mayBeCachedFromBefore', () => {
  it('an entry counting down in step with the time since the change may be from before it', () => {
    expect(mayBeCachedFromBefore(25, 4_000, 30)).toBe(true);
    expect(mayBeCachedFromBefore(19, 10_500, 30)).toBe(true);
  });
  it('a full-TTL answer well after the change was taken after it: wrong, not stale', () => {
    expect(mayBeCachedFromBefore(30, 5_000, 30)).toBe(false);
    expect(mayBeCachedFromBefore(30, 31_000, 30)).toBe(false);
  });
  it('right after the change a full-TTL answer gets the benefit of the doubt', () => {
    expect(mayBeCachedFromBefore(30, 200, 30)).toBe(true);
  });
});

describe('why a lookup gave no address', () => {
  const header = (status: string) => `\n; <<>> DiG 9.18 <<>> +search A web.x.svc\n;; global options: +cmd\n;; Got answer:\n;; ->>HEADER<<- opcode: QUERY, status: ${status}, id: 4242\n;; flags: qr aa rd; QUERY: 1, ANSWER: 0, AUTHORITY: 1\n`;
  it('reads the response code from dig\'s header, beside the records', () => {
    const out = `${header('NXDOMAIN')}cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5\n`;
    expect(digAnswers(out)).toEqual({ ips: [], ttlSeconds: 5, status: 'NXDOMAIN' });
    expect(unansweredBecause(0, out, '', digAnswers(out))).toBe('NXDOMAIN, TTL 5 s');
    expect(unansweredBecause(0, header('SERVFAIL'), '', digAnswers(header('SERVFAIL')))).toBe('SERVFAIL');
  });
  it('a dig that failed names its exit code and first line', () => {
    expect(unansweredBecause(9, '\n;; connection timed out; no servers could be reached\n', '', { ips: [] })).toBe('dig exited 9: ;; connection timed out; no servers could be reached');
    expect(unansweredBecause(126, '', 'exec: dig: not found\n', { ips: [] })).toBe('dig exited 126: exec: dig: not found');
    expect(unansweredBecause(0, '', '', digAnswers(''))).toBe('no status');
  });
});
