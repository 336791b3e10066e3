// What real clusters' objects bring to the case-file loader (issue 11): each rule with the
// upstream behaviour it follows. Errors are one CaseFileError line naming file, document and field.
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaseFileError } from './errors.ts';
import { decodeCase, decodeCaseFile, loadCaseFile, MAX_NESTING } from './case-file.ts';

const PROBE = '{from: x/a, to: x/b, port: 80, expect: allow}';
const EXPECT = (...probes: string[]) => `apiVersion: netprops.dev/v1alpha1\nkind: Expectations\nprobes: [${(probes.length ? probes : [PROBE]).join(', ')}]\n`;
const POD = (name: string, more = '', status = '') =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: x, labels: {app: ${name}}}\nspec: {containers: [{name: c, ports: [{containerPort: 80}]}]${more}}\n${status ? `status: ${status}\n` : ''}`;
const stream = (...docs: string[]) => docs.join('---\n');
const failure = (text: string): CaseFileError => {
  try {
    decodeCase(text, 'case.yaml');
  } catch (err) {
    if (err instanceof CaseFileError) return err;
    throw err;
  }
  throw new Error('decoded without an error');
};

describe('objects as a cluster prints them', () => {
  it('a v1 List (kubectl get -o yaml of several objects) is read as its items, errors naming items[i]', () => {
    const list = `apiVersion: v1\nkind: List\nmetadata: {resourceVersion: ""}\nitems:\n${[POD('a'), POD('b')].map((d) => `- ${d.trim().split('\n').join('\n  ')}`).join('\n')}\n`;
    expect(decodeCase(stream(list, EXPECT()), 'l.yaml').state.pods.map((p) => p.name)).toEqual(['a', 'b']);
    const bad = list.replace('containerPort: 80}]}]}', 'containerPort: 0}]}]}');
    expect(failure(stream(bad, EXPECT())).at.field).toBe('items[0].spec.containers[0].ports[0].containerPort');
  });

  it('Namespaces that only objects name are implied, with the one label the API server sets, and one warning line names them', () => {
    const { case: c, warnings } = decodeCaseFile(stream(POD('a'), POD('b'), EXPECT()), 'n.yaml');
    expect(c.state.namespaces).toEqual([{ name: 'x', labels: {} }]);
    expect(warnings).toEqual(['n.yaml: Namespaces without a document, implied with only their kubernetes.io/metadata.name label: x']);
  });

  it('a given podIP is used as given, outside the node podCIDR and at a block\'s first address (the CNI\'s IPAM chose it)', () => {
    const node = 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: {podCIDR: 10.244.1.0/24}\n';
    const c = decodeCase(stream(node, POD('a', ', nodeName: n1', '{podIP: 192.168.10.0}'), POD('b', ', nodeName: n1', '{podIP: 10.244.1.1}'), EXPECT()), 'f');
    expect(c.state.pods.map((p) => p.ip)).toEqual(['192.168.10.0', '10.244.1.1']);
  });

  it('a node named only by pods gets the /24 its pods\' IPs lie in, not the next one in order (10.244.3.x on node-3)', () => {
    const c = decodeCase(stream(POD('a', ', nodeName: node-3', '{podIP: 10.244.3.7}'), POD('b', ', nodeName: node-1', '{podIP: 10.244.1.9}'), EXPECT()), 'f');
    expect(c.state.nodes.map((n) => `${n.name} ${n.podCIDR}`)).toEqual(['node-3 10.244.3.0/24', 'node-1 10.244.1.0/24']);
  });

  it('a pod with an IP and no nodeName goes on the node whose podCIDR holds the IP', () => {
    const nodes = ['n1', 'n2'].map((n, i) => `apiVersion: v1\nkind: Node\nmetadata: {name: ${n}}\nspec: {podCIDR: 10.244.${i + 1}.0/24}\n`);
    const c = decodeCase(stream(...nodes, POD('a', '', '{podIP: 10.244.2.5}'), POD('b'), EXPECT()), 'f');
    expect(c.state.pods.map((p) => `${p.name} ${p.nodeName}`)).toEqual(['a n2', 'b n1']);
  });

  it('the service CIDR is kubeadm\'s 10.96.0.0/12 by default, inferred from the ClusterIPs outside it (with a warning), or given', () => {
    const svc = (ip: string, name = 's') => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: x}\nspec: {clusterIP: ${ip}, ports: [{port: 80}]}\n`;
    expect(decodeCaseFile(stream(POD('a'), POD('b'), svc('10.108.47.201'), EXPECT()), 'f').warnings).not.toContainEqual(expect.stringMatching(/service CIDR/));
    const k3s = decodeCaseFile(stream(POD('a'), POD('b'), svc('10.43.0.1'), svc('10.43.112.9', 't'), svc('', 'u'), EXPECT()), 'f');
    expect(k3s.warnings).toContainEqual(expect.stringMatching(/the service CIDR is taken to be 10\.43\.0\.0\/17/));
    expect(k3s.case.state.services.map((s) => s.clusterIP)).toEqual(['10.43.0.1', '10.43.112.9', '10.43.0.10']);
    const given = 'apiVersion: netprops.dev/v1alpha1\nkind: ClusterNetwork\nserviceCIDR: 10.43.0.0/16\n';
    expect(decodeCaseFile(stream(given, POD('a'), POD('b'), svc('10.43.0.1'), EXPECT()), 'f').warnings).toEqual([expect.stringMatching(/implied/)]);
    expect(failure(stream(given, POD('a'), POD('b'), svc('10.96.0.1'), EXPECT())).message).toMatch(/not in the valid range: the service CIDR is 10\.43\.0\.0\/16/);
  });

  it('EndpointSlices are read: conditions with the API\'s nil meanings (ready nil = true, serving nil = ready, terminating nil = false)', () => {
    const slice = 'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: ext-1, namespace: x, labels: {kubernetes.io/service-name: ext}}\naddressType: IPv4\nports: [{name: "", port: 8080}]\nendpoints:\n- addresses: [203.0.113.5]\n- addresses: [203.0.113.6]\n  conditions: {ready: false, terminating: true}\n';
    const c = decodeCase(stream(POD('a'), POD('b'), slice, EXPECT()), 'f');
    expect(c.state.endpointSlices).toEqual([{ namespace: 'x', name: 'ext-1', serviceName: 'ext', ports: [{ port: 8080, protocol: 'TCP' }], endpoints: [
      { address: '203.0.113.5', ready: true, serving: true, terminating: false },
      { address: '203.0.113.6', ready: false, serving: false, terminating: true },
    ] }]);
  });

  // The EndpointSlice controller's ShouldPodBeInEndpoints (k8s.io/endpointslice): a
  // terminal pod (Succeeded, Failed) and a pod without an IP are never endpoints; the kubelet has
  // released a terminal pod's IP, so a running pod may hold it.
  it('a Succeeded or Failed pod is kept out (it serves nothing) and its IP may be a running pod\'s; a Pending pod without an IP is not scheduled', () => {
    const c = decodeCase(stream(
      POD('done', '', '{phase: Succeeded, podIP: 10.244.1.5}'), POD('failed', '', '{phase: Failed, podIP: 10.244.1.6}'), POD('waiting', '', '{phase: Pending}'),
      POD('a', '', '{phase: Running, podIP: 10.244.1.5}'), POD('b'), EXPECT()), 'f');
    expect(c.state.pods.map((p) => `${p.name} ${p.ip}`)).toEqual(['a 10.244.1.5', 'b 10.244.1.2']);
    expect(failure(stream(POD('waiting', '', '{phase: Pending}'), POD('b'), EXPECT('{from: x/b, to: x/waiting, port: 80, expect: deny}'))).message).toMatch(/Pod x\/waiting is Pending without an IP: it is not running yet/);
  });

  it('a terminating pod (deletionTimestamp) is kept, marked terminating', () => {
    const c = decodeCase(stream(POD('a').replace('labels: {app: a}}', 'labels: {app: a}, deletionTimestamp: "2026-01-01T00:00:00Z"}'), POD('b'), EXPECT()), 'f');
    expect(c.state.pods.map((p) => p.terminating === true)).toEqual([true, false]);
  });

  it('ports of native sidecars (initContainers with restartPolicy Always) are served; other init containers\' are not', () => {
    const init = ', initContainers: [{name: side, restartPolicy: Always, ports: [{name: proxy, containerPort: 9090}]}, {name: setup, ports: [{containerPort: 7070}]}]';
    expect(decodeCase(stream(POD('a', init), POD('b'), EXPECT()), 'f').state.pods[0]!.ports.map((p) => p.containerPort)).toEqual([80, 9090]);
  });

  it('a LoadBalancer Service is its ClusterIP and nodePorts, with a plain note that load-balancer addresses are not probed', () => {
    const lb = 'apiVersion: v1\nkind: Service\nmetadata: {name: lb, namespace: x, labels: {service.kubernetes.io/service-proxy-name: other}}\nspec: {type: LoadBalancer, allocateLoadBalancerNodePorts: true, externalTrafficPolicy: Local, selector: {app: a}, ports: [{port: 80}]}\nstatus: {loadBalancer: {ingress: [{ip: 203.0.113.9}]}}\n';
    const { case: c, warnings } = decodeCaseFile(stream(POD('a'), POD('b'), lb, EXPECT()), 'f');
    expect(c.state.services[0]).toMatchObject({ type: 'NodePort', externalTrafficPolicy: 'Local', serviceProxyName: 'other' });
    expect(c.state.services[0]!.ports[0]!.nodePort).toBe(30000);
    expect(warnings).toContainEqual('f: document 3: LoadBalancer Service x/lb is checked as its ClusterIP and nodePorts; its load-balancer addresses are not probed');
  });
});

describe('unknown fields are refused by the Kubernetes OpenAPI schema (kubectl apply\'s strict field validation)', () => {
  it.each([
    ['lables', POD('a').replace('labels:', 'lables:'), 'metadata.lables', 'labels'],
    ['nodename', POD('a', ', nodename: n1'), 'spec.nodename', 'nodeName'],
    ['hostnetwork', POD('a', ', hostnetwork: true'), 'spec.hostnetwork', 'hostNetwork'],
    ['podCidr', 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: {podCidr: 10.244.1.0/24}\n', 'spec.podCidr', 'podCIDR'],
  ])('%s', (_typo, doc, field, known) => {
    const e = failure(stream(doc, EXPECT()));
    expect(e.at).toMatchObject({ document: 1, field });
    expect(e.message).toContain(`unknown field (the Kubernetes API schema of`);
    expect(e.message).toContain(`did you mean '${known}'?`);
    expect(e.message.split('\n')).toHaveLength(1);
  });

  it('every field a real object has is known: managedFields, status, annotations, ownerReferences', () => {
    const pod = POD('a').replace('labels: {app: a}}', 'labels: {app: a}, uid: u, resourceVersion: "5", ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: r, uid: u2, controller: true}], managedFields: [{manager: m, operation: Update, fieldsType: FieldsV1, fieldsV1: {"f:spec": {"f:anything": {}}}}]}');
    expect(decodeCase(stream(pod, POD('b'), EXPECT()), 'f').state.pods).toHaveLength(2);
  });
});

describe('YAML as kubectl reads it', () => {
  it('merge keys (<<) are merged, into metadata too', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  <<: &m {namespace: x, labels: {app: a}}\n  name: a\nspec: {containers: [{name: c}]}\n---\n' + POD('b') + '---\n' + EXPECT();
    expect(decodeCase(text, 'f').state.pods[0]).toMatchObject({ namespace: 'x', labels: { app: 'a' } });
  });

  it('a merge key may repeat and may merge a list of mappings and aliases', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  <<: {namespace: x}\n  <<: [&l {labels: {app: a}}, {annotations: {n: "1"}}]\n  <<: *l\n  name: a\nspec: {containers: [{name: c}]}\n---\n' + POD('b') + '---\n' + EXPECT();
    expect(decodeCase(text, 'f').state.pods[0]).toMatchObject({ name: 'a', namespace: 'x', labels: { app: 'a' } });
  });

  it.each(['yes', 'on', 'no', 'off', 'Yes', 'OFF'])('a label value written %s is a boolean to kubectl (YAML 1.1), so it is refused; quoted it is a string', (word) => {
    expect(failure(stream(POD('a').replace('app: a', `app: ${word}`), EXPECT())).message).toMatch(/metadata\.labels\.app: must be a string, got boolean .*quote it/);
    expect(decodeCase(stream(POD('a').replace('app: a', `app: "${word}"`), POD('b'), EXPECT()), 'f').state.pods[0]!.labels.app).toBe(word);
  });
});

describe('YAML as kubectl reads it: the single letters', () => {
  it('y and n stay strings when read (namespaces x, y, z), and are quoted when written, as kubectl would read them as booleans', async () => {
    const c = decodeCase(stream(POD('a').replace('namespace: x', 'namespace: y'), POD('b'), EXPECT('{from: y/a, to: x/b, port: 80, expect: allow}')), 'f');
    expect(c.state.pods[0]!.namespace).toBe('y');
    const { encodeCase } = await import('./case-file.ts');
    expect(encodeCase(c)).toMatch(/namespace: "y"/);
  });
});

describe('bounded input: every such file ends quickly with one line, exit 2', () => {
  it(`nesting deeper than ${MAX_NESTING} levels is refused before it can exhaust the stack (3,000 levels in 8 KB)`, () => {
    const deep = `apiVersion: v1\nkind: Namespace\nmetadata: {name: x, labels: ${'['.repeat(3000)}${']'.repeat(3000)}}\n`;
    expect(failure(deep).message).toMatch(/document 1: nested more than 100 levels deep \(line 3\)/);
    const block = `apiVersion: v1\nkind: Namespace\nmetadata:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 2)}a:`).join('\n')} 1\n`;
    expect(failure(block).message).toMatch(/nested more than 100 levels deep/);
  });

  // How fast is bench/case-file.bench.ts's to say; here, that a large map is read and checked at all.
  it('20,000 annotation keys are read, duplicate keys checked in one pass', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `    k${i}: v`).join('\n');
    const pod = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: x\n  annotations:\n${keys}\nspec: {containers: [{name: c}]}\n`;
    expect(decodeCase(stream(pod, POD('b'), EXPECT()), 'f').state.pods).toHaveLength(2);
    expect(failure(stream(pod.replace('    k19999: v', '    k7: v'), EXPECT())).message).toMatch(/Map keys must be unique: 'k7' appears twice \(line \d+\)/);
  });

  it('a 50 MB label value gives an error line of at most a few hundred characters', () => {
    const e = failure(stream(POD('a').replace('app: a', `app: ${'v'.repeat(50 * 1024 * 1024)}`), EXPECT()));
    expect(e.message.length).toBeLessThan(1000);
    expect(e.message).toMatch(/metadata\.labels\.app: .*more characters/);
  });

  it.skipIf(process.platform === 'win32')('a FIFO is refused at once, not read until a writer comes', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'netprops-fifo-'));
    const fifo = path.join(dir, 'case.yaml');
    execFileSync('mkfifo', [fifo]);
    await expect(loadCaseFile(fifo)).rejects.toThrow(/case\.yaml: not a regular file \(a FIFO, socket or device\)/);
  });

  it('a case file without probes checks nothing and is refused', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'netprops-empty-'));
    const file = path.join(dir, 'case.yaml');
    await writeFile(file, stream(POD('a'), 'apiVersion: netprops.dev/v1alpha1\nkind: Expectations\nprobes: []\n'));
    await expect(loadCaseFile(file)).rejects.toThrow(/case\.yaml: no probes: the Expectations document lists none, so the file checks nothing/);
  });
});
