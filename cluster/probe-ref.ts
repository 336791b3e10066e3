// How a case file names the two ends of a probe: `ns/name` (a pod), `node:NAME`, `svc:ns/name`
// (a Service) and `ip:A.B.C.D` (a bare address). Pure syntax: whether the pod, node or Service
// exists is checked by the case-file decoder, which knows the state.
import ipaddr from 'ipaddr.js';
import { NetpropsError } from './errors.ts';
import type { ProbeSource, ProbeTarget } from './types.ts';
import { dns1123LabelProblem, dns1123SubdomainProblem, dns1035LabelProblem } from './name-validation.ts';

export type ProbeRef = ProbeSource | ProbeTarget;

/** A probe reference that does not parse; the case-file decoder adds the file and field. */
export class ProbeRefError extends NetpropsError {
  constructor(message: string) {
    super('E_PROBE_REF', message);
  }
}

export function formatProbeRef(ref: ProbeRef): string {
  switch (ref.kind) {
    case 'pod':
      return `${ref.namespace}/${ref.name}`;
    case 'node':
      return `node:${ref.name}`;
    case 'service':
      return `svc:${ref.namespace}/${ref.name}`;
    case 'ip':
      return `ip:${ref.ip}`;
  }
}

const FORMS = "use 'namespace/pod', 'node:NAME', 'svc:namespace/name' or 'ip:A.B.C.D'";

function namespacedName(text: string, whole: string, nameProblem: (s: string) => string | undefined): { namespace: string; name: string } {
  const parts = text.split('/');
  if (parts.length !== 2) throw new ProbeRefError(`'${whole}' is not a probe reference: ${FORMS}`);
  const [namespace, name] = parts as [string, string];
  const problem = dns1123LabelProblem(namespace) ?? nameProblem(name);
  if (problem) throw new ProbeRefError(`'${whole}': ${problem}`);
  return { namespace, name };
}

export function parseProbeRef(text: string): ProbeRef {
  if (text.startsWith('node:')) {
    const name = text.slice('node:'.length);
    const problem = dns1123SubdomainProblem(name);
    if (problem) throw new ProbeRefError(`'${text}': node name ${problem}`);
    return { kind: 'node', name };
  }
  if (text.startsWith('svc:')) {
    return { kind: 'service', ...namespacedName(text.slice('svc:'.length), text, dns1035LabelProblem) };
  }
  if (text.startsWith('ip:')) {
    const ip = text.slice('ip:'.length);
    if (ipaddr.IPv6.isValid(ip)) throw new ProbeRefError(`'${text}': IPv6 is not supported, netprops models IPv4 single-stack clusters`);
    if (!ipaddr.IPv4.isValidFourPartDecimal(ip)) throw new ProbeRefError(`'${text}': '${ip}' is not an IPv4 address (A.B.C.D)`);
    return { kind: 'ip', ip };
  }
  if (text.includes(':')) throw new ProbeRefError(`'${text}' is not a probe reference: ${FORMS}`);
  return { kind: 'pod', ...namespacedName(text, text, dns1123SubdomainProblem) };
}
