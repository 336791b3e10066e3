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
 * The lookup command for `name` (lookupName); `+search` lets the pod's resolv.conf complete the cluster domain. Every
 * response along the search list is printed (`+showsearch`), each with its question, header
 * status, answer and authority, so each record's TTL shows: a cache in front of the cluster's DNS
 * (CoreDNS's `cache` plugin) may go on serving an answer for as long as its TTL says, and a
 * negative answer for its SOA's. Without `+showsearch` dig prints only the last response, for the
 * name as given, which no cluster zone holds (SERVFAIL from CoreDNS), and a cached NXDOMAIN for
 * the name in the cluster's zone could not be told from a fresh one.
 */
export function digCommand(name: string, timeoutSeconds: number): string[] {
  return ['dig', '+noall', '+comments', '+question', '+answer', '+authority', '+search', '+showsearch', `+time=${timeoutSeconds}`, '+tries=1', 'A', name];
}

/** The name a lookup asks for, `<service>.<namespace>.svc`: the pod's search list adds the cluster domain. */
export function lookupName(serviceName: string, clusterNamespace: string): string {
  return `${serviceName}.${clusterNamespace}.svc`;
}

/** One lookup's answer: its IPv4 addresses (sorted, unique) and the longest TTL among its records. */
export interface DnsAnswer {
  ips: string[];
  /** The longest TTL of an A record, or of the SOA of a negative answer; absent when dig printed none. */
  ttlSeconds?: number;
  /** The response code of the response read (NOERROR, NXDOMAIN, SERVFAIL, ...), when dig printed one. */
  status?: string;
}

/** One response of dig's output: its question's name, header status, addresses, TTLs and the zone of a negative answer's SOA. */
interface DigResponse {
  question?: string;
  status?: string;
  ips: Set<string>;
  ttl?: number;
  soaZone?: string;
}

function digResponses(output: string): DigResponse[] {
  const responses: DigResponse[] = [];
  let r: DigResponse | undefined;
  const current = () => {
    if (!r) {
      r = { ips: new Set() };
      responses.push(r);
    }
    return r;
  };
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (line === ';; Got answer:') {
      r = undefined;
      continue;
    }
    const status = /->>HEADER<<-.*\bstatus: ([A-Z]+)/.exec(line);
    if (status) {
      current().status = status[1];
      continue;
    }
    const question = /^;([^;\s]\S*)\s+IN\s+A$/.exec(line);
    if (question) {
      current().question = question[1].toLowerCase();
      continue;
    }
    const record = /^(\S+)\s+(\d+)\s+IN\s+(A|SOA)\s+(\S+)/.exec(line);
    if (!record) continue;
    const at = current();
    if (record[3] === 'A') {
      if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(record[4])) continue;
      at.ips.add(record[4]);
    } else at.soaZone = record[1].toLowerCase();
    at.ttl = Math.max(at.ttl ?? 0, Number(record[2]));
  }
  return responses;
}

/**
 * Reads dig's responses (`name. TTL IN A 10.96.0.10`, or `... IN SOA ...` for a negative answer;
 * CNAME lines, comments and errors are skipped)
 * and keeps the one that answers for the Service: one with addresses (the search stops there), or
 * else the negative answer for `name` in the zone its SOA names (the cluster's domain, however it
 * is called), or else the last. `name` is the name asked, `<service>.<namespace>.svc`.
 */
export function digAnswers(output: string, name?: string): DnsAnswer {
  const responses = digResponses(output);
  const inZone = (r: DigResponse) => name !== undefined && r.soaZone !== undefined && r.question === `${name.toLowerCase()}.${r.soaZone === '.' ? '' : r.soaZone}`;
  const read = responses.find((r) => r.ips.size > 0) ?? responses.find(inZone) ?? responses.at(-1);
  if (!read) return { ips: [] };
  return { ips: [...read.ips].sort(), ...(read.ttl === undefined ? {} : { ttlSeconds: read.ttl }), ...(read.status === undefined ? {} : { status: read.status }) };
}

/**
 * Why a lookup gave no address, in dig's words: its exit code and first line, or the response code
 * of the response digAnswers read for the Service (`answer`), with its TTL when it had one.
 */
export function unansweredBecause(exitCode: number, stdout: string, stderr: string, answer: DnsAnswer): string {
  if (exitCode !== 0) {
    const line = [...stdout.split('\n'), ...stderr.split('\n')].map((l) => l.trim()).find((l) => l.length > 0);
    return `dig exited ${exitCode}${line ? `: ${line}` : ''}`;
  }
  if (answer.status === undefined) return 'no status';
  return answer.ttlSeconds === undefined ? answer.status : `${answer.status}, TTL ${answer.ttlSeconds} s`;
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
