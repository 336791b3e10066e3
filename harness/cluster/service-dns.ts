// Cluster DNS for Services (the Kubernetes DNS-based service discovery specification): the name
// `<service>.<namespace>.svc.<zone>` has an A record with the ClusterIP; for a headless Service,
// one A record per ready endpoint address (not-ready ones too with publishNotReadyAddresses), and
// none for a selector-less or endpoint-less one. Looked up from inside a pod with dig (the agnhost
// image has bind-tools), through the pod's resolver search path, so no cluster domain is assumed.
import type { ClusterState, Service } from '../../cluster/types.ts';
import { serviceEndpoints } from '../model/endpoints.ts';

/** What the name must resolve to, from the state alone (sorted). */
export function expectedServiceRecords(state: ClusterState, svc: Service): string[] {
  if (svc.clusterIP !== 'None') return [svc.clusterIP];
  const ips = new Set<string>();
  for (const port of serviceEndpoints(state, svc)) for (const e of port.endpoints) if (e.ready) ips.add(e.ip);
  return [...ips].sort();
}

/**
 * The lookup command; `+search` lets the pod's resolv.conf complete the cluster domain. The answer
 * and authority sections are printed whole (`+noall +answer +authority`) so each record's TTL
 * shows: a cache in front of the cluster's DNS (CoreDNS's `cache` plugin) may go on serving an
 * answer for as long as its TTL says, and a negative answer for its SOA's.
 */
export function digCommand(serviceName: string, clusterNamespace: string, timeoutSeconds: number): string[] {
  // +comments: the header's status (NXDOMAIN, SERVFAIL, ...) says why an answer has no address.
  return ['dig', '+noall', '+comments', '+answer', '+authority', '+search', `+time=${timeoutSeconds}`, '+tries=1', 'A', `${serviceName}.${clusterNamespace}.svc`];
}

/** One lookup's answer: its IPv4 addresses (sorted, unique) and the longest TTL among its records. */
export interface DnsAnswer {
  ips: string[];
  /** The longest TTL of an A record, or of the SOA of a negative answer; absent when dig printed none. */
  ttlSeconds?: number;
}

/**
 * Reads dig's records (`name. TTL IN A 10.96.0.10`, or `... IN SOA ...` for a negative answer);
 * CNAME lines count only for their TTL's sake when an A follows, comments and errors are skipped.
 */
export function digAnswers(output: string): DnsAnswer {
  const ips = new Set<string>();
  let ttl: number | undefined;
  for (const line of output.split('\n')) {
    const m = /^\S+\s+(\d+)\s+IN\s+(A|SOA)\s+(\S+)/.exec(line.trim());
    if (!m) continue;
    if (m[2] === 'A') {
      if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(m[3])) continue;
      ips.add(m[3]);
    }
    ttl = Math.max(ttl ?? 0, Number(m[1]));
  }
  return { ips: [...ips].sort(), ...(ttl === undefined ? {} : { ttlSeconds: ttl }) };
}

/** The response code in dig's header comment (`;; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 1`). */
export function digStatus(output: string): string | undefined {
  return /->>HEADER<<-.*\bstatus: ([A-Z]+)/.exec(output)?.[1];
}

/** Why a lookup gave no address, in dig's words: its exit code and first line, or the response code. */
export function unansweredBecause(exitCode: number, stdout: string, stderr: string): string {
  if (exitCode !== 0) {
    const line = [...stdout.split('\n'), ...stderr.split('\n')].map((l) => l.trim()).find((l) => l.length > 0);
    return `dig exited ${exitCode}${line ? `: ${line}` : ''}`;
  }
  return digStatus(stdout) ?? 'no status';
}

/**
 * How much longer than the enforcement deadline a wrong answer may be waited out: a cache may serve
 * what it cached just before the change for the answer's whole TTL (CoreDNS's `cache 30` caps it at
 * 30 s, and each replica has its own cache), so the wait follows the TTLs seen, up to this bound.
 */
export const DNS_TTL_GRACE_SECONDS = 60;

/**
 * Whether a wrong answer may have been cached before the change, so may still be served: a cache
 * hands out an entry with its TTL counting down from the full TTL a fresh answer carries, so an
 * entry taken before the change has, `sinceChangeMs` later, at most that full TTL less the time
 * since (the longest TTL seen in the run stands for the full one; 1 s for dig's whole seconds). A
 * wrong answer taken after the change is simply wrong; right after the change the two cannot be
 * told apart, so the benefit of the doubt lasts one TTL.
 */
export function mayBeCachedFromBefore(ttlSeconds: number, sinceChangeMs: number, longestTtlSeconds: number): boolean {
  return ttlSeconds * 1000 + sinceChangeMs <= (Math.max(longestTtlSeconds, ttlSeconds) + 1) * 1000;
}

/**
 * When to stop asking: the enforcement deadline, or later while a wrong answer seen may still be a
 * cached one (`cachedUntil`: the latest time an answer's TTL ran to), never past the grace bound.
 */
export function dnsDeadline(enforcementDeadline: number, cachedUntil: number): number {
  return Math.min(Math.max(enforcementDeadline, cachedUntil), enforcementDeadline + DNS_TTL_GRACE_SECONDS * 1000);
}
