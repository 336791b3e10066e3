// netprops.dev/v1alpha1 Expectations: the probes of a case file and what each must see. Read in
// two steps: the syntax of every probe, then (once the state is allocated) whether the pods,
// nodes, Services and named ports it refers to exist.
import type { ClusterState, ExpectedProbe, Protocol } from '../types.ts';
import { PROTOCOLS, podKey } from '../types.ts';
import type { DocumentField } from '../document-field.ts';
import { ProbeRefError, parseProbeRef, type ProbeRef } from '../probe-ref.ts';

export interface DecodedProbe {
  probe: ExpectedProbe;
  field: DocumentField;
}

/** Largest UDP payload in one IPv4 datagram; a TCP probe may send more, within reason. */
const MAX_PAYLOAD = { UDP: 65507, TCP: 1 << 20, SCTP: 65507 } as const;

function ref(field: DocumentField): ProbeRef {
  if (!field.present) field.fail('is required');
  try {
    return parseProbeRef(field.string());
  } catch (err) {
    if (err instanceof ProbeRefError) field.fail(err.message);
    throw err;
  }
}

export function decodeExpectations(doc: DocumentField): DecodedProbe[] {
  const named = doc.inObject('Expectations');
  named.onlyKeys(['apiVersion', 'kind', 'metadata', 'probes']);
  return named.get('probes').items().map((item) => {
    item.onlyKeys(['from', 'to', 'port', 'protocol', 'expect', 'payloadBytes', 'sourcePort', 'backends']);
    const from = ref(item.get('from'));
    if (from.kind !== 'pod' && from.kind !== 'node') item.get('from').fail(`a probe starts at a pod ('namespace/name') or a node ('node:NAME')`);
    const to = ref(item.get('to'));
    if (to.kind === 'node') item.get('to').fail(`a probe goes to a pod, a Service ('svc:namespace/name') or an address ('ip:A.B.C.D'); for a node use its address`);
    const portField = item.get('port');
    if (!portField.present) portField.fail('is required');
    const port = typeof portField.value === 'number' ? portField.int(1, 65535) : portField.requiredString();
    // A port name always has a letter (IANA_SVC_NAME); "80" is a quoted number.
    if (typeof port === 'string' && /^[0-9]+$/.test(port)) portField.fail(`'${port}' is a quoted number: write ${port} without quotes`);
    const protocol: Protocol = item.optional('protocol')?.oneOf(PROTOCOLS) ?? 'TCP';
    const expectField = item.get('expect');
    if (!expectField.present) expectField.fail('is required: allow or deny');
    const expect = expectField.oneOf(['allow', 'deny'] as const);
    const probe: ExpectedProbe = { from, to, port, protocol, expect } as ExpectedProbe;
    const payload = item.optional('payloadBytes');
    if (payload) probe.payloadBytes = payload.int(1, MAX_PAYLOAD[protocol]);
    const sourcePort = item.optional('sourcePort');
    if (sourcePort) probe.sourcePort = sourcePort.int(1, 65535);
    // The pods that may answer a probe through a Service: what its endpoints must be, written down.
    const backends = item.optional('backends');
    if (backends) {
      if (to.kind !== 'service' && to.kind !== 'ip') backends.fail(`names the pods behind a Service: the probe must go to 'svc:namespace/name' or a ClusterIP`);
      if (expect !== 'allow') backends.fail('only an allowed probe has backends');
      probe.backends = backends.items().map((b) => {
        const written = ref(b);
        if (written.kind !== 'pod') b.fail(`a backend is a pod ('namespace/name')`);
        return podKey(written as { namespace: string; name: string });
      });
      if (probe.backends.length === 0) backends.fail('lists no pod: leave it out, or expect deny');
    }
    return { probe, field: item };
  });
}

/**
 * Every pod, node, Service and named port a probe names must exist in the state. `gone` holds the
 * pods the file has that have no network (a finished Job's pod), with why.
 */
export function checkProbeReferences(state: ClusterState, probes: DecodedProbe[], gone: ReadonlyMap<string, string> = new Map()): void {
  const pods = new Map(state.pods.map((p) => [podKey(p), p]));
  const missing = (key: string) => (gone.has(key) ? `Pod ${key} ${gone.get(key)}; a probe cannot start or end there` : `no Pod ${key} in this case file`);
  const services = new Map(state.services.map((s) => [podKey(s), s]));
  const nodes = new Set(state.nodes.map((n) => n.name));
  for (const { probe, field } of probes) {
    const { from, to } = probe;
    if (from.kind === 'pod' && !pods.has(podKey(from))) field.get('from').fail(missing(podKey(from)));
    (probe.backends ?? []).forEach((b, i) => {
      if (!pods.has(b)) field.get('backends').items()[i]!.fail(missing(b));
    });
    if (from.kind === 'node' && !nodes.has(from.name)) field.get('from').fail(`no node '${from.name}' in this case file (nodes: ${[...nodes].join(', ')})`);
    const portField = field.get('port');
    if (to.kind === 'pod') {
      const pod = pods.get(podKey(to));
      if (!pod) return field.get('to').fail(missing(podKey(to)));
      if (typeof probe.port === 'string') {
        const named = pod.ports.find((p) => p.name === probe.port);
        if (!named) return portField.fail(`Pod ${podKey(to)} has no container port named '${probe.port}'`);
        if (named.protocol !== probe.protocol) portField.fail(`port '${probe.port}' of Pod ${podKey(to)} is ${named.protocol}, the probe says ${probe.protocol} (write protocol: ${named.protocol})`);
      }
    } else if (to.kind === 'service') {
      const service = services.get(podKey(to));
      if (!service) return field.get('to').fail(`no Service ${podKey(to)} in this case file`);
      if (typeof probe.port === 'string') {
        const named = service.ports.find((p) => p.name === probe.port);
        if (!named) return portField.fail(`Service ${podKey(to)} has no port named '${probe.port}'`);
        if (named.protocol !== probe.protocol) portField.fail(`port '${probe.port}' of Service ${podKey(to)} is ${named.protocol}, the probe says ${probe.protocol} (write protocol: ${named.protocol})`);
      }
    } else if (typeof probe.port === 'string') {
      portField.fail(`a probe to an address needs a port number`);
    }
  }
}
