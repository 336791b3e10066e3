// Every validation rule of the case-file decoder: the error is a CaseFileError whose one line names
// the file, the document (1-based) and the field, and `netprops check` turns it into exit code 2
// with that one line on stderr (no stack). Upstream rules are cited per group.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CaseFileError } from './errors.ts';
import { decodeCase, loadCases } from './case-file.ts';
import { main } from '../cli/main.ts';
import { SHARED_CASES } from './shared-cases.fixture.ts';

const NS = (name: string, labels = '') => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}${labels ? `, labels: {${labels}}` : ''}}\n`;
const POD = (name: string, spec = 'containers: [{name: c, ports: [{name: http, containerPort: 80}]}]', more = '') =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: x, labels: {app: web}}\nspec:\n  ${spec.split('\n').join('\n  ')}\n${more}`;
const SVC = (spec: string, name = 'web') => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: x}\nspec:\n  ${spec.split('\n').join('\n  ')}\n`;
const POLICY = (spec: string, name = 'p') =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: x}\nspec:\n  ${spec.split('\n').join('\n  ')}\n`;
const EXPECT = (...probes: string[]) =>
  `apiVersion: netprops.dev/v1alpha1\nkind: Expectations\nprobes:${probes.length ? probes.map((p) => `\n  - ${p}`).join('') : ' []'}\n`;
const stream = (...docs: string[]) => docs.join('---\n');

interface Rule {
  rule: string;
  text: string;
  document?: number;
  field?: string;
  object?: string;
  problem: RegExp;
}

const RULES: Rule[] = [
  // ---- The stream ----
  { rule: 'broken YAML is reported with its line', text: stream(NS('x'), 'kind: [\n'), document: 2, problem: /YAML syntax error at line \d+/ },
  { rule: 'duplicate keys in one mapping are a YAML error', text: stream(NS('x'), 'kind: Pod\nkind: Pod\n'), document: 2, problem: /Map keys must be unique/ },
  { rule: 'a document must be a mapping', text: stream(NS('x'), '- a\n- b\n', EXPECT()), document: 2, problem: /must be a mapping/ },
  { rule: 'unsupported kinds name the supported ones', text: stream(NS('x'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n', EXPECT()), document: 2, problem: /unsupported kind 'apps\/v1 Deployment'; supported: v1 Namespace, v1 Pod, v1 Service, v1 Node, networking.k8s.io\/v1 NetworkPolicy, discovery.k8s.io\/v1 EndpointSlice, v1 List, netprops.dev\/v1alpha1 Expectations/ },
  { rule: 'a supported kind with the wrong apiVersion is unsupported', text: stream('apiVersion: v2\nkind: Namespace\nmetadata: {name: x}\n', EXPECT()), document: 1, problem: /unsupported kind 'v2 Namespace'/ },
  { rule: 'apiVersion and kind are required', text: stream('metadata: {name: x}\n', EXPECT()), document: 1, problem: /needs apiVersion and kind/ },
  { rule: 'a case file needs an Expectations document', text: stream(NS('x')), problem: /no Expectations document/ },
  { rule: 'with several steps, each ends with its Expectations document: objects after the last one are named', text: stream(NS('x'), EXPECT(), NS('x'), EXPECT(), NS('x'), POD('web')), document: 5, problem: /objects after the last Expectations document/ },
  { rule: 'each step is decoded on its own: document numbers count over the whole file', text: stream(NS('x'), EXPECT(), NS('x'), POD('web', 'containers: [{name: c, ports: [{containerPort: 0}]}]'), EXPECT()), document: 4, problem: /containerPort/ },
  { rule: 'a later step is a complete state: a probe may only name its own step\'s objects', text: stream(NS('x'), POD('web'), EXPECT(), NS('x'), EXPECT('{from: x/web, to: x/web, port: 80, expect: allow}')), document: 5, problem: /web/ },
  { rule: 'an empty file is not a case file', text: '', problem: /no Expectations document|empty file/ },

  // ---- Object names (apimachinery: RFC 1123 labels/subdomains, RFC 1035 labels for Services) ----
  { rule: 'metadata.name is required', text: stream('apiVersion: v1\nkind: Namespace\nmetadata: {labels: {a: b}}\n', EXPECT()), document: 1, field: 'metadata.name', problem: /is required/ },
  { rule: 'a Namespace name is an RFC 1123 label (no dots)', text: stream(NS('x.y'), EXPECT()), document: 1, field: 'metadata.name', problem: /RFC 1123 label/ },
  { rule: 'a Pod name is an RFC 1123 subdomain (no capitals)', text: stream(NS('x'), POD('Web'), EXPECT()), document: 2, field: 'metadata.name', problem: /RFC 1123 subdomain/ },
  { rule: 'a Service name is an RFC 1035 label (starts with a letter)', text: stream(NS('x'), SVC('ports: [{port: 80}]', '1web'), EXPECT()), document: 2, field: 'metadata.name', problem: /RFC 1035 label/ },
  { rule: 'a Namespace name is at most 63 characters', text: stream(NS('a'.repeat(64)), EXPECT()), document: 1, field: 'metadata.name', problem: /no more than 63/ },
  { rule: 'metadata.namespace must be a string', text: stream('apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: 7}\nspec: {containers: [{name: c}]}\n', EXPECT()), document: 1, field: 'metadata.namespace', problem: /must be a string, got number 7/ },
  { rule: 'a Namespace is not namespaced', text: stream('apiVersion: v1\nkind: Namespace\nmetadata: {name: x, namespace: y}\n', EXPECT()), document: 1, field: 'metadata.namespace', problem: /not namespaced/ },

  // ---- Labels (qualified-name keys, label values) ----
  { rule: 'a label key with an empty prefix is invalid', text: stream(NS('x', '"/app": a'), EXPECT()), document: 1, field: 'metadata.labels./app', problem: /prefix before '\/' must not be empty/ },
  { rule: 'a label key name part starts and ends alphanumeric', text: stream(NS('x', '-app: a'), EXPECT()), document: 1, field: 'metadata.labels.-app', problem: /label key '-app'/ },
  { rule: 'a label value is at most 63 characters', text: stream(NS('x', `app: ${'v'.repeat(64)}`), EXPECT()), document: 1, field: 'metadata.labels.app', problem: /no more than 63/ },
  { rule: 'a label value must be a string (YAML reads 1 as a number)', text: stream(NS('x', 'tier: 1'), EXPECT()), document: 1, field: 'metadata.labels.tier', problem: /must be a string, got number 1/ },
  { rule: 'a label value has no spaces', text: stream(NS('x', 'app: "a b"'), EXPECT()), document: 1, field: 'metadata.labels.app', problem: /label value 'a b'/ },
  { rule: 'kubernetes.io/metadata.name is the Namespace name', text: stream(NS('x', 'kubernetes.io/metadata.name: y'), EXPECT()), document: 1, field: 'metadata.labels.kubernetes.io/metadata.name', problem: /sets this label to the Namespace's name 'x'/ },

  // ---- Namespaces and duplicates ----
  { rule: 'two Namespaces with one name', text: stream(NS('x'), NS('x'), EXPECT()), document: 2, field: 'metadata.name', problem: /duplicate Namespace 'x'/ },
  { rule: 'two Pods with one name in one namespace', text: stream(NS('x'), POD('web'), POD('web'), EXPECT()), document: 3, field: 'metadata.name', problem: /duplicate Pod 'x\/web'/ },
  { rule: 'two Services with one name in one namespace', text: stream(NS('x'), SVC('ports: [{port: 80}]'), SVC('ports: [{port: 81}]'), EXPECT()), document: 3, field: 'metadata.name', problem: /duplicate Service 'x\/web'/ },
  { rule: 'two NetworkPolicies with one name in one namespace', text: stream(NS('x'), POLICY('podSelector: {}'), POLICY('podSelector: {}'), EXPECT()), document: 3, field: 'metadata.name', problem: /duplicate NetworkPolicy 'x\/p'/ },

  // ---- Pods (core/v1 validation) ----
  { rule: 'a Pod needs containers', text: stream(NS('x'), POD('web', 'nodeName: n1'), EXPECT()), document: 2, field: 'spec.containers', problem: /at least one container/ },
  { rule: 'containerPort is 1-65535', text: stream(NS('x'), POD('web', 'containers: [{name: c, ports: [{containerPort: 70000}]}]'), EXPECT()), document: 2, field: 'spec.containers[0].ports[0].containerPort', problem: /between 1 and 65535, got 70000/ },
  { rule: 'containerPort 0 is invalid', text: stream(NS('x'), POD('web', 'containers: [{name: c, ports: [{containerPort: 0}]}]'), EXPECT()), document: 2, field: 'spec.containers[0].ports[0].containerPort', problem: /between 1 and 65535/ },
  { rule: 'containerPort must be an integer, not a string', text: stream(NS('x'), POD('web', 'containers: [{name: c, ports: [{containerPort: "80"}]}]'), EXPECT()), document: 2, field: 'spec.containers[0].ports[0].containerPort', problem: /must be an integer, got the string "80"/ },
  { rule: 'a protocol is TCP, UDP or SCTP', text: stream(NS('x'), POD('web', 'containers: [{name: c, ports: [{containerPort: 80, protocol: HTTP}]}]'), EXPECT()), document: 2, field: 'spec.containers[0].ports[0].protocol', problem: /one of TCP, UDP, SCTP, got 'HTTP'/ },
  { rule: 'a container port name is an IANA_SVC_NAME of at most 15 characters', text: stream(NS('x'), POD('web', 'containers: [{name: c, ports: [{name: a-very-long-port-name, containerPort: 80}]}]'), EXPECT()), document: 2, field: 'spec.containers[0].ports[0].name', problem: /no more than 15 characters/ },
  { rule: 'a container port name needs a letter', text: stream(NS('x'), POD('web', 'containers: [{name: c, ports: [{name: "8080", containerPort: 80}]}]'), EXPECT()), document: 2, field: 'spec.containers[0].ports[0].name', problem: /at least one letter/ },
  { rule: 'a port name names one port of the whole pod', text: stream(NS('x'), POD('web', 'containers:\n- {name: a, ports: [{name: http, containerPort: 80}]}\n- {name: b, ports: [{name: http, containerPort: 81}]}'), EXPECT()), document: 2, field: 'spec.containers[1].ports[0].name', problem: /duplicate port name 'http'/ },
  { rule: 'one port/protocol once per pod (containers share a network namespace)', text: stream(NS('x'), POD('web', 'containers:\n- {name: a, ports: [{containerPort: 80}]}\n- {name: b, ports: [{containerPort: 80, protocol: TCP}]}'), EXPECT()), document: 2, field: 'spec.containers[1].ports[0]', problem: /80\/TCP is already declared at spec.containers\[0\].ports\[0\]/ },
  { rule: 'hostNetwork is a boolean', text: stream(NS('x'), POD('web', 'hostNetwork: "yes"\ncontainers: [{name: c}]'), EXPECT()), document: 2, field: 'spec.hostNetwork', problem: /true or false/ },
  { rule: 'hostPort mappings are not modelled', text: stream(NS('x'), POD('web', 'containers: [{name: c, ports: [{containerPort: 80, hostPort: 8080}]}]'), EXPECT()), document: 2, field: 'spec.containers[0].ports[0].hostPort', problem: /hostPort mappings are not supported/ },
  { rule: 'hostIP is not modelled', text: stream(NS('x'), POD('web', 'containers: [{name: c, ports: [{containerPort: 80, hostIP: 1.2.3.4}]}]'), EXPECT()), document: 2, field: 'spec.containers[0].ports[0].hostIP', problem: /hostIP is not supported/ },
  { rule: 'a hostNetwork pod hostPort equals its containerPort', text: stream(NS('x'), POD('web', 'hostNetwork: true\ncontainers: [{name: c, ports: [{containerPort: 80, hostPort: 81}]}]'), EXPECT()), document: 2, field: 'spec.containers[0].ports[0].hostPort', problem: /must equal containerPort/ },
  { rule: 'a container name is an RFC 1123 label', text: stream(NS('x'), POD('web', 'containers: [{name: Web}]'), EXPECT()), document: 2, field: 'spec.containers[0].name', problem: /RFC 1123 label/ },
  { rule: 'a pod names one node (a string)', text: stream(NS('x'), POD('web', 'nodeName: [a]\ncontainers: [{name: c}]'), EXPECT()), document: 2, field: 'spec.nodeName', problem: /must be a string, got a list/ },
  { rule: 'an IPv6 podIP is refused with the reason', text: stream(NS('x'), POD('web', undefined, 'status: {podIP: "fd00::1"}\n'), EXPECT()), document: 2, field: 'status.podIP', problem: /IPv6 is not supported/ },
  { rule: 'a podIP must be an IPv4 address', text: stream(NS('x'), POD('web', undefined, 'status: {podIP: 10.244.1.300}\n'), EXPECT()), document: 2, field: 'status.podIP', problem: /not an IPv4 address/ },
  { rule: 'podIPs[0] must agree with podIP', text: stream(NS('x'), POD('web', undefined, 'status: {podIP: 10.244.1.5, podIPs: [{ip: 10.244.1.6}]}\n'), EXPECT()), document: 2, field: 'status.podIPs[0].ip', problem: /must equal status.podIP/ },
  { rule: 'a podIP is no ClusterIP: it may not lie in the service CIDR', text: stream(NS('x'), POD('web', 'nodeName: n1\ncontainers: [{name: c}]', 'status: {podIP: 10.96.5.5}\n'), EXPECT()), document: 2, field: 'status.podIP', problem: /lies in the service CIDR 10.96.0.0\/12/ },
  { rule: "a podIP is not a node's InternalIP unless the pod is hostNetwork", text: stream(NS('x'), 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 192.168.5.1}]}\n', POD('web', 'nodeName: n1\ncontainers: [{name: c}]', 'status: {podIP: 192.168.5.1}\n'), EXPECT()), document: 3, field: 'status.podIP', problem: /is node n1's InternalIP; only a hostNetwork pod/ },
  { rule: "pods of one node agree on its InternalIP (status.hostIP)", text: stream(NS('x'), POD('web', 'nodeName: n1\ncontainers: [{name: c}]', 'status: {podIP: 10.1.0.5, hostIP: 192.168.5.1}\n'), POD('db', 'nodeName: n1\ncontainers: [{name: c}]', 'status: {podIP: 10.1.0.6, hostIP: 192.168.5.2}\n'), EXPECT()), document: 3, field: 'status.hostIP', problem: /differs from 192.168.5.1/ },
  { rule: 'two pods with one IP name both', text: stream(NS('x'), POD('a', 'nodeName: n1\ncontainers: [{name: c}]', 'status: {podIP: 10.244.1.7}\n'), POD('b', 'nodeName: n1\ncontainers: [{name: c}]', 'status: {podIP: 10.244.1.7}\n'), EXPECT()), document: 3, object: 'Pod x/b', field: 'status.podIP', problem: /10.244.1.7 is also pod x\/a's/ },
  { rule: 'a hostNetwork pod has its node IP', text: stream(NS('x'), POD('web', 'nodeName: n1\nhostNetwork: true\ncontainers: [{name: c}]', 'status: {podIP: 10.244.1.9}\n'), EXPECT()), document: 2, field: 'status.podIP', problem: /hostNetwork pod has its node's IP: n1 is 172.18.0.2/ },
  { rule: 'two hostNetwork pods on a node cannot serve one port', text: stream(NS('x'), POD('a', 'nodeName: n1\nhostNetwork: true\ncontainers: [{name: c, ports: [{containerPort: 80}]}]'), POD('b', 'nodeName: n1\nhostNetwork: true\ncontainers: [{name: c, ports: [{containerPort: 80}]}]'), EXPECT()), document: 3, problem: /hostNetwork pod x\/a already serves 80\/TCP on node n1/ },
  { rule: 'a Ready condition status is True, False or Unknown', text: stream(NS('x'), POD('web', undefined, 'status: {conditions: [{type: Ready, status: "no"}]}\n'), EXPECT()), document: 2, field: 'status.conditions[0].status', problem: /one of True, False, Unknown/ },

  // ---- Nodes ----
  { rule: 'a Node podCIDR is a CIDR', text: stream('apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: {podCIDR: 10.244.1.0/33}\n', EXPECT()), document: 1, field: 'spec.podCIDR', problem: /not a CIDR/ },
  { rule: 'a Node podCIDR has no host bits', text: stream('apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: {podCIDR: 10.244.1.5/24}\n', EXPECT()), document: 1, field: 'spec.podCIDR', problem: /host bits set/ },
  { rule: 'two Nodes cannot share pod addresses', text: stream('apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: {podCIDR: 10.244.0.0/16}\n', 'apiVersion: v1\nkind: Node\nmetadata: {name: n2}\nspec: {podCIDR: 10.244.1.0/24}\n', EXPECT()), document: 2, field: 'spec.podCIDR', problem: /overlaps Node n1's podCIDR/ },
  { rule: 'two Nodes cannot share an InternalIP', text: stream('apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 172.18.0.9}]}\n', 'apiVersion: v1\nkind: Node\nmetadata: {name: n2}\nstatus: {addresses: [{type: InternalIP, address: 172.18.0.9}]}\n', EXPECT()), document: 2, field: 'status.addresses[InternalIP]', problem: /also Node n1's/ },
  { rule: 'spec.podCIDRs[0] must agree with spec.podCIDR', text: stream('apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: {podCIDR: 10.244.1.0/24, podCIDRs: [10.244.2.0/24]}\n', EXPECT()), document: 1, field: 'spec.podCIDRs[0]', problem: /must equal spec.podCIDR/ },
  { rule: 'a Node InternalIP is IPv4', text: stream('apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: "fd00::2"}]}\n', EXPECT()), document: 1, field: 'status.addresses[0].address', problem: /IPv6 is not supported/ },
  { rule: 'a Node podCIDR leaves room for pods (/29 or shorter)', text: stream('apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: {podCIDR: 10.244.1.0/30}\n', EXPECT()), document: 1, field: 'spec.podCIDR', problem: /too small/ },
  { rule: 'two Nodes with one name', text: stream('apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n', 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n', EXPECT()), document: 2, field: 'metadata.name', problem: /duplicate Node 'n1'/ },

  // ---- Services (core/v1 validation) ----
  { rule: 'an ExternalName Service is refused: kube-proxy programs nothing for a DNS alias', text: stream(NS('x'), SVC('type: ExternalName\nexternalName: example.com')), document: 2, field: 'spec.type', problem: /ExternalName is a DNS alias/ },
  { rule: 'externalIPs are refused, not dropped', text: stream(NS('x'), SVC('externalIPs: [203.0.113.7]\nports: [{port: 80}]'), EXPECT()), document: 2, field: 'spec.externalIPs', problem: /not modelled/ },
  { rule: 'load-balancer fields only on a LoadBalancer Service', text: stream(NS('x'), SVC('allocateLoadBalancerNodePorts: true\nports: [{port: 80}]'), EXPECT()), document: 2, field: 'spec.allocateLoadBalancerNodePorts', problem: /only be set for a LoadBalancer/ },
  { rule: 'a Service port is 1-65535', text: stream(NS('x'), SVC('ports: [{port: 0}]'), EXPECT()), document: 2, field: 'spec.ports[0].port', problem: /between 1 and 65535/ },
  { rule: 'a Service needs a port unless headless', text: stream(NS('x'), SVC('selector: {app: web}'), EXPECT()), document: 2, field: 'spec.ports', problem: /at least one port is required/ },
  { rule: 'a multi-port Service names every port', text: stream(NS('x'), SVC('ports: [{name: a, port: 80}, {port: 81}]'), EXPECT()), document: 2, field: 'spec.ports[1].name', problem: /required when a Service has more than one port/ },
  { rule: 'Service port names are unique', text: stream(NS('x'), SVC('ports: [{name: a, port: 80}, {name: a, port: 81}]'), EXPECT()), document: 2, field: 'spec.ports[1].name', problem: /duplicate port name 'a'/ },
  { rule: 'a Service exposes each port/protocol once', text: stream(NS('x'), SVC('ports: [{name: a, port: 80}, {name: b, port: 80, protocol: TCP}]'), EXPECT()), document: 2, field: 'spec.ports[1]', problem: /duplicate port 80\/TCP/ },
  { rule: 'a numeric targetPort is 1-65535', text: stream(NS('x'), SVC('ports: [{port: 80, targetPort: 70000}]'), EXPECT()), document: 2, field: 'spec.ports[0].targetPort', problem: /between 1 and 65535/ },
  { rule: 'a named targetPort is an IANA_SVC_NAME', text: stream(NS('x'), SVC('ports: [{port: 80, targetPort: Http}]'), EXPECT()), document: 2, field: 'spec.ports[0].targetPort', problem: /IANA_SVC_NAME/ },
  { rule: 'a nodePort is in 30000-32767', text: stream(NS('x'), SVC('type: NodePort\nports: [{port: 80, nodePort: 8080}]'), EXPECT()), document: 2, field: 'spec.ports[0].nodePort', problem: /not in the valid range 30000-32767/ },
  { rule: 'a nodePort needs type NodePort', text: stream(NS('x'), SVC('ports: [{port: 80, nodePort: 30080}]'), EXPECT()), document: 2, field: 'spec.ports[0].nodePort', problem: /may not be used when type is 'ClusterIP'/ },
  { rule: 'one nodePort belongs to one Service', text: stream(NS('x'), SVC('type: NodePort\nports: [{port: 80, nodePort: 30080}]', 'a'), SVC('type: NodePort\nports: [{port: 80, nodePort: 30080}]', 'b'), EXPECT()), document: 3, field: 'spec.ports[0].nodePort', problem: /already allocated to Service x\/a/ },
  { rule: 'a ClusterIP lies in the service CIDR', text: stream(NS('x'), SVC('clusterIP: 10.0.0.1\nports: [{port: 80}]'), 'apiVersion: netprops.dev/v1alpha1\nkind: ClusterNetwork\nserviceCIDR: 10.96.0.0/12\n', EXPECT()), document: 2, field: 'spec.clusterIP', problem: /not in the valid range: the service CIDR is 10.96.0.0\/12/ },
  { rule: 'a ClusterNetwork serviceCIDR is a network address', text: stream('apiVersion: netprops.dev/v1alpha1\nkind: ClusterNetwork\nserviceCIDR: 10.96.0.1/12\n', EXPECT()), document: 1, field: 'serviceCIDR', problem: /host bits set/ },
  { rule: 'one ClusterIP belongs to one Service', text: stream(NS('x'), SVC('clusterIP: 10.96.1.1\nports: [{port: 80}]', 'a'), SVC('clusterIP: 10.96.1.1\nports: [{port: 80}]', 'b'), EXPECT()), document: 3, field: 'spec.clusterIP', problem: /already allocated to Service x\/a/ },
  { rule: 'a NodePort Service cannot be headless', text: stream(NS('x'), SVC('type: NodePort\nclusterIP: None\nports: [{port: 80}]'), EXPECT()), document: 2, field: 'spec.clusterIP', problem: /may not be 'None'/ },
  { rule: 'sessionAffinity is None or ClientIP', text: stream(NS('x'), SVC('sessionAffinity: Sticky\nports: [{port: 80}]'), EXPECT()), document: 2, field: 'spec.sessionAffinity', problem: /one of None, ClientIP/ },
  { rule: 'internalTrafficPolicy is Cluster or Local', text: stream(NS('x'), SVC('internalTrafficPolicy: Node\nports: [{port: 80}]'), EXPECT()), document: 2, field: 'spec.internalTrafficPolicy', problem: /one of Cluster, Local/ },
  { rule: 'publishNotReadyAddresses is a boolean', text: stream(NS('x'), SVC('publishNotReadyAddresses: 1\nports: [{port: 80}]'), EXPECT()), document: 2, field: 'spec.publishNotReadyAddresses', problem: /true or false/ },
  { rule: 'spec.clusterIPs[0] must agree with spec.clusterIP', text: stream(NS('x'), SVC('clusterIP: 10.96.1.1\nclusterIPs: [10.96.1.2]\nports: [{port: 80}]'), EXPECT()), document: 2, field: 'spec.clusterIPs[0]', problem: /must equal spec.clusterIP '10.96.1.1'/ },
  { rule: 'ipFamilies is IPv4 only', text: stream(NS('x'), SVC('ipFamilies: [IPv6]\nports: [{port: 80}]'), EXPECT()), document: 2, field: 'spec.ipFamilies[0]', problem: /only IPv4/ },
  { rule: 'externalTrafficPolicy only on a NodePort Service', text: stream(NS('x'), SVC('externalTrafficPolicy: Cluster\nports: [{port: 80}]'), EXPECT()), document: 2, field: 'spec.externalTrafficPolicy', problem: /only be set for a NodePort or LoadBalancer Service/ },
  { rule: 'sessionAffinityConfig needs sessionAffinity ClientIP', text: stream(NS('x'), SVC('sessionAffinityConfig: {clientIP: {timeoutSeconds: 10}}\nports: [{port: 80}]'), EXPECT()), document: 2, field: 'spec.sessionAffinityConfig', problem: /only be set when sessionAffinity is ClientIP/ },
  { rule: 'a ClientIP affinity timeout is 1 to 86400 seconds', text: stream(NS('x'), SVC('sessionAffinity: ClientIP\nsessionAffinityConfig: {clientIP: {timeoutSeconds: 0}}\nports: [{port: 80}]'), EXPECT()), document: 2, field: 'spec.sessionAffinityConfig.clientIP.timeoutSeconds', problem: /between 1 and 86400/ },
  { rule: 'an unknown Service port field is refused', text: stream(NS('x'), SVC('ports: [{port: 80, targetport: 8080}]'), EXPECT()), document: 2, field: 'spec.ports[0].targetport', problem: /unknown field \(the Kubernetes API schema of Service has none by this name; did you mean 'targetPort'\?\)/ },
  { rule: 'an unknown Service spec field is refused (strict field validation)', text: stream(NS('x'), SVC('selecter: {app: web}\nports: [{port: 80}]'), EXPECT()), document: 2, field: 'spec.selecter', problem: /unknown field/ },
  { rule: 'a Service selector value follows label syntax', text: stream(NS('x'), SVC('selector: {app: "a/b"}\nports: [{port: 80}]'), EXPECT()), document: 2, field: 'spec.selector.app', problem: /label value 'a\/b'/ },

  // ---- NetworkPolicies (ValidateNetworkPolicySpec) ----
  { rule: 'endPort needs a port', text: stream(NS('x'), POLICY('podSelector: {}\ningress: [{ports: [{endPort: 90}]}]'), EXPECT()), document: 2, field: 'spec.ingress[0].ports[0].endPort', problem: /may not be specified when port is not specified/ },
  { rule: 'endPort needs a numeric port', text: stream(NS('x'), POLICY('podSelector: {}\ningress: [{ports: [{port: http, endPort: 90}]}]'), EXPECT()), document: 2, field: 'spec.ingress[0].ports[0].endPort', problem: /named port/ },
  { rule: 'endPort is at least port', text: stream(NS('x'), POLICY('podSelector: {}\negress: [{ports: [{port: 100, endPort: 90}]}]'), EXPECT()), document: 2, field: 'spec.egress[0].ports[0].endPort', problem: /equal to or greater than port 100/ },
  { rule: 'a policy port is 1-65535 or a name', text: stream(NS('x'), POLICY('podSelector: {}\ningress: [{ports: [{port: 0}]}]'), EXPECT()), document: 2, field: 'spec.ingress[0].ports[0].port', problem: /between 1 and 65535/ },
  { rule: 'a named policy port is an IANA_SVC_NAME', text: stream(NS('x'), POLICY('podSelector: {}\ningress: [{ports: [{port: "http--x"}]}]'), EXPECT()), document: 2, field: 'spec.ingress[0].ports[0].port', problem: /must not contain '--'/ },
  { rule: 'a policy port protocol is TCP, UDP or SCTP', text: stream(NS('x'), POLICY('podSelector: {}\ningress: [{ports: [{protocol: ICMP}]}]'), EXPECT()), document: 2, field: 'spec.ingress[0].ports[0].protocol', problem: /one of TCP, UDP, SCTP/ },
  { rule: 'an ipBlock cidr is a CIDR', text: stream(NS('x'), POLICY('podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0}}]}]'), EXPECT()), document: 2, field: 'spec.ingress[0].from[0].ipBlock.cidr', problem: /not a CIDR/ },
  { rule: 'an ipBlock cidr is required', text: stream(NS('x'), POLICY('podSelector: {}\ningress: [{from: [{ipBlock: {except: [10.0.0.0/24]}}]}]'), EXPECT()), document: 2, field: 'spec.ingress[0].from[0].ipBlock.cidr', problem: /is required/ },
  { rule: 'an except lies inside the cidr', text: stream(NS('x'), POLICY('podSelector: {}\negress: [{to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}}]}]'), EXPECT()), document: 2, field: 'spec.egress[0].to[0].ipBlock.except[0]', problem: /strict subset of cidr '10.0.0.0\/16'/ },
  { rule: 'an except equal to the cidr is not a strict subset', text: stream(NS('x'), POLICY('podSelector: {}\negress: [{to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/16]}}]}]'), EXPECT()), document: 2, field: 'spec.egress[0].to[0].ipBlock.except[0]', problem: /strict subset/ },
  { rule: 'an IPv6 ipBlock is refused with the reason', text: stream(NS('x'), POLICY('podSelector: {}\negress: [{to: [{ipBlock: {cidr: "fd00::/8"}}]}]'), EXPECT()), document: 2, field: 'spec.egress[0].to[0].ipBlock.cidr', problem: /IPv6 is not supported/ },
  { rule: 'ipBlock stands alone in a peer', text: stream(NS('x'), POLICY('podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]'), EXPECT()), document: 2, field: 'spec.ingress[0].from[0].ipBlock', problem: /may not be combined/ },
  { rule: 'a peer names at least one selector or ipBlock', text: stream(NS('x'), POLICY('podSelector: {}\ningress: [{from: [{}]}]'), EXPECT()), document: 2, field: 'spec.ingress[0].from[0]', problem: /must specify a peer/ },
  { rule: 'In needs values', text: stream(NS('x'), POLICY('podSelector: {matchExpressions: [{key: app, operator: In}]}'), EXPECT()), document: 2, field: 'spec.podSelector.matchExpressions[0].values', problem: /must be specified when operator is 'In'/ },
  { rule: 'NotIn needs values (an empty list is none)', text: stream(NS('x'), POLICY('podSelector: {matchExpressions: [{key: app, operator: NotIn, values: []}]}'), EXPECT()), document: 2, field: 'spec.podSelector.matchExpressions[0].values', problem: /must be specified when operator is 'NotIn'/ },
  { rule: 'Exists takes no values', text: stream(NS('x'), POLICY('podSelector: {}\ningress: [{from: [{namespaceSelector: {matchExpressions: [{key: ns, operator: Exists, values: [a]}]}}]}]'), EXPECT()), document: 2, field: 'spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values', problem: /may not be specified when operator is 'Exists'/ },
  { rule: 'DoesNotExist takes no values', text: stream(NS('x'), POLICY('podSelector: {matchExpressions: [{key: app, operator: DoesNotExist, values: [a]}]}'), EXPECT()), document: 2, field: 'spec.podSelector.matchExpressions[0].values', problem: /may not be specified when operator is 'DoesNotExist'/ },
  { rule: 'Gt is not a label-selector operator', text: stream(NS('x'), POLICY('podSelector: {matchExpressions: [{key: app, operator: Gt, values: ["1"]}]}'), EXPECT()), document: 2, field: 'spec.podSelector.matchExpressions[0].operator', problem: /'Gt' is not a valid selector operator/ },
  { rule: 'a selector key is a label key', text: stream(NS('x'), POLICY('podSelector: {matchExpressions: [{key: "a b", operator: Exists}]}'), EXPECT()), document: 2, field: 'spec.podSelector.matchExpressions[0].key', problem: /label key 'a b'/ },
  { rule: 'selector values are label values', text: stream(NS('x'), POLICY('podSelector: {matchExpressions: [{key: app, operator: In, values: [ok, "not ok"]}]}'), EXPECT()), document: 2, field: 'spec.podSelector.matchExpressions[0].values[1]', problem: /label value 'not ok'/ },
  { rule: 'matchLabels follows label syntax', text: stream(NS('x'), POLICY('podSelector: {matchLabels: {"app/": web}}'), EXPECT()), document: 2, field: 'spec.podSelector.matchLabels.app/', problem: /name part must not be empty/ },
  { rule: 'a selector has only matchLabels and matchExpressions', text: stream(NS('x'), POLICY('podSelector: {app: web}'), EXPECT()), document: 2, field: 'spec.podSelector.app', problem: /unknown field/ },
  { rule: 'policyTypes are Ingress or Egress', text: stream(NS('x'), POLICY('podSelector: {}\npolicyTypes: [ingress]'), EXPECT()), document: 2, field: 'spec.policyTypes[0]', problem: /one of Ingress, Egress/ },
  { rule: 'an ingress rule has only from and ports', text: stream(NS('x'), POLICY('podSelector: {}\ningress: [{to: []}]'), EXPECT()), document: 2, field: 'spec.ingress[0].to', problem: /unknown field/ },
  { rule: 'ingress is a list of rules', text: stream(NS('x'), POLICY('podSelector: {}\ningress: {from: []}'), EXPECT()), document: 2, field: "spec.ingress", problem: /must be a list, got a mapping/ },

  // ---- Expectations ----
  { rule: 'a probe names an existing pod', text: stream(NS('x'), POD('web'), EXPECT('{from: x/nope, to: x/web, port: 80, expect: allow}')), document: 3, field: 'probes[0].from', problem: /no Pod x\/nope/ },
  { rule: 'a probe names an existing node', text: stream(NS('x'), POD('web'), EXPECT('{from: "node:n9", to: x/web, port: 80, expect: allow}')), document: 3, field: 'probes[0].from', problem: /no node 'n9' in this case file \(nodes: node-1\)/ },
  { rule: 'a probe names an existing Service', text: stream(NS('x'), POD('web'), EXPECT('{from: x/web, to: "svc:x/nope", port: 80, expect: allow}')), document: 3, field: 'probes[0].to', problem: /no Service x\/nope/ },
  { rule: "a named probe port is one of the target pod's", text: stream(NS('x'), POD('web'), EXPECT('{from: x/web, to: x/web, port: grpc, expect: allow}')), document: 3, field: 'probes[0].port', problem: /no container port named 'grpc'/ },
  { rule: 'a named probe port has the probe protocol', text: stream(NS('x'), POD('web'), EXPECT('{from: x/web, to: x/web, port: http, protocol: UDP, expect: allow}')), document: 3, field: 'probes[0].port', problem: /is TCP, the probe says UDP/ },
  { rule: 'a named Service port exists', text: stream(NS('x'), POD('web'), SVC('selector: {app: web}\nports: [{name: web, port: 80}]'), EXPECT('{from: x/web, to: "svc:x/web", port: grpc, expect: allow}')), document: 4, field: 'probes[0].port', problem: /Service x\/web has no port named 'grpc'/ },
  { rule: 'a probe to an address uses a port number', text: stream(NS('x'), POD('web'), EXPECT('{from: x/web, to: "ip:10.244.1.2", port: http, expect: allow}')), document: 3, field: 'probes[0].port', problem: /needs a port number/ },
  { rule: 'a probe port written as a quoted number is pointed out', text: stream(NS('x'), POD('web'), EXPECT('{from: x/web, to: x/web, port: "80", expect: allow}')), document: 3, field: 'probes[0].port', problem: /'80' is a quoted number: write 80 without quotes/ },
  { rule: 'expect is allow or deny', text: stream(NS('x'), POD('web'), EXPECT('{from: x/web, to: x/web, port: 80, expect: maybe}')), document: 3, field: 'probes[0].expect', problem: /one of allow, deny, got 'maybe'/ },
  { rule: 'expect is required', text: stream(NS('x'), POD('web'), EXPECT('{from: x/web, to: x/web, port: 80}')), document: 3, field: 'probes[0].expect', problem: /is required: allow or deny/ },
  { rule: 'a probe port number is 1-65535', text: stream(NS('x'), POD('web'), EXPECT('{from: x/web, to: x/web, port: 65536, expect: deny}')), document: 3, field: 'probes[0].port', problem: /between 1 and 65535/ },
  { rule: 'a probe starts at a pod or node, not a Service', text: stream(NS('x'), POD('web'), EXPECT('{from: "svc:x/web", to: x/web, port: 80, expect: allow}')), document: 3, field: 'probes[0].from', problem: /starts at a pod/ },
  { rule: 'a probe goes to a pod, Service or address, not a node', text: stream(NS('x'), POD('web'), EXPECT('{from: x/web, to: "node:node-1", port: 80, expect: allow}')), document: 3, field: 'probes[0].to', problem: /for a node use its address/ },
  { rule: 'a probe reference has a known form', text: stream(NS('x'), POD('web'), EXPECT('{from: web, to: x/web, port: 80, expect: allow}')), document: 3, field: 'probes[0].from', problem: /not a probe reference: use 'namespace\/pod'/ },
  { rule: 'an ip: reference is an IPv4 address', text: stream(NS('x'), POD('web'), EXPECT('{from: x/web, to: "ip:10.1.2", port: 80, expect: allow}')), document: 3, field: 'probes[0].to', problem: /not an IPv4 address/ },
  { rule: 'a probe has only the known fields', text: stream(NS('x'), POD('web'), EXPECT('{from: x/web, to: x/web, port: 80, expect: allow, timeout: 3}')), document: 3, field: 'probes[0].timeout', problem: /unknown field/ },
  { rule: 'a UDP payload fits one datagram', text: stream(NS('x'), POD('web'), EXPECT('{from: x/web, to: x/web, port: 80, protocol: UDP, expect: allow, payloadBytes: 70000}')), document: 3, field: 'probes[0].payloadBytes', problem: /between 1 and 65507/ },
  { rule: 'the Expectations document holds only probes', text: stream(NS('x'), 'apiVersion: netprops.dev/v1alpha1\nkind: Expectations\nprobe: []\n'), document: 2, field: 'probe', problem: /unknown field; expected one of: apiVersion, kind, metadata, probes/ },
  { rule: 'a probe needs from', text: stream(NS('x'), POD('web'), EXPECT('{to: x/web, port: 80, expect: allow}')), document: 3, field: 'probes[0].from', problem: /is required/ },
  { rule: 'a probe needs a port', text: stream(NS('x'), POD('web'), EXPECT('{from: x/web, to: x/web, expect: allow}')), document: 3, field: 'probes[0].port', problem: /is required/ },
  { rule: 'a probe sourcePort is 1-65535', text: stream(NS('x'), POD('web'), EXPECT('{from: x/web, to: x/web, port: 80, expect: allow, sourcePort: 0}')), document: 3, field: 'probes[0].sourcePort', problem: /between 1 and 65535/ },
  { rule: 'probes is a list', text: stream(NS('x'), 'apiVersion: netprops.dev/v1alpha1\nkind: Expectations\nprobes: {from: x/web}\n'), document: 2, field: 'probes', problem: /must be a list/ },
];

describe('case-file validation: each rule is one CaseFileError naming file, document and field', () => {
  for (const r of RULES) {
    it(r.rule, () => {
      let error: unknown;
      try {
        decodeCase(r.text, 'case.yaml');
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(CaseFileError);
      const e = error as CaseFileError;
      expect(e.message).toMatch(r.problem);
      expect(e.at.file).toBe('case.yaml');
      expect(e.at.document).toBe(r.document);
      if (r.field !== undefined) expect(e.at.field).toBe(r.field);
      if (r.object !== undefined) expect(e.at.object).toBe(r.object);
      expect(e.message.startsWith(`case.yaml${r.document !== undefined ? `: document ${r.document}` : ''}`)).toBe(true);
      if (r.field !== undefined) expect(e.message).toContain(`: ${r.field}: `);
      expect(e.message).not.toContain('\n');
    });
  }
});

describe('netprops check: invalid input is exit code 2 with one line on stderr', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'netprops-case-'));
  });
  afterAll(() => vi.restoreAllMocks());

  it.each(RULES.map((r, i) => [r.rule, i] as const))('%s', async (_rule, i) => {
    const r = RULES[i]!;
    const file = path.join(dir, `rule-${i}.yaml`);
    await writeFile(file, r.text);
    const err: string[] = [];
    const out: string[] = [];
    const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    let code: number;
    try {
      code = await main(['check', file]);
    } finally {
      errSpy.mockRestore();
      outSpy.mockRestore();
    }
    expect(code).toBe(2);
    const text = err.join('');
    expect(text.split('\n').filter(Boolean)).toHaveLength(1);
    expect(text).toMatch(r.problem);
    expect(text).toContain(file);
    if (r.field !== undefined) expect(text).toContain(r.field);
    expect(text).not.toMatch(/\n\s+at /); // no stack
    expect(out.join('')).toBe('');
  });
});

describe('case-file defaults and reading', () => {
  const decode = (...docs: string[]) => decodeCase(stream(...docs), 'case.yaml');

  it('a Service takes the API defaults: ClusterIP, targetPort = port, TCP, sessionAffinity None, Cluster, not publishing not-ready', () => {
    const c = decode(NS('x'), SVC('selector: {app: web}\nports: [{port: 80}]'), EXPECT());
    expect(c.state.services[0]).toEqual({
      namespace: 'x', name: 'web', type: 'ClusterIP', clusterIP: '10.96.0.10', selector: { app: 'web' },
      ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }],
      sessionAffinity: 'None', publishNotReadyAddresses: false, internalTrafficPolicy: 'Cluster',
    });
  });

  it('a zero targetPort and an empty one default to the port, like an absent one', () => {
    const c = decode(NS('x'), SVC('ports: [{name: a, port: 80, targetPort: 0}, {name: b, port: 81, targetPort: ""}]'), EXPECT());
    expect(c.state.services[0]!.ports.map((p) => p.targetPort)).toEqual([80, 81]);
  });

  it('an empty Service selector is dropped like the API server does, leaving a selector-less Service', () => {
    const c = decode(NS('x'), SVC('selector: {}\nports: [{port: 80}]', 'a'), SVC('ports: [{port: 80}]', 'b'), EXPECT());
    expect('selector' in c.state.services[0]!).toBe(false);
    expect('selector' in c.state.services[1]!).toBe(false);
  });

  it('container ports of every container are flattened, protocol defaulting to TCP', () => {
    const c = decode(NS('x'), POD('web', 'containers:\n- {name: a, ports: [{name: http, containerPort: 80}]}\n- {name: b, ports: [{containerPort: 53, protocol: UDP}]}'), EXPECT());
    expect(c.state.pods[0]!.ports).toEqual([{ name: 'http', containerPort: 80, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }]);
  });

  it('a pod is ready unless status.conditions has Ready "False" or "Unknown" (endpoints need Ready True: podutil.IsPodReady)', () => {
    const c = decode(
      NS('x'),
      POD('a', undefined, 'status: {conditions: [{type: Ready, status: "False"}]}\n'),
      POD('b', undefined, 'status: {conditions: [{type: Ready, status: "Unknown"}, {type: PodScheduled, status: "False"}]}\n'),
      POD('c', undefined, 'status: {conditions: [{type: Ready, status: "True"}]}\n'),
      POD('d'),
      EXPECT(),
    );
    expect(c.state.pods.map((p) => p.ready)).toEqual([false, false, true, true]);
  });

  it('the default namespace exists without a Namespace document', () => {
    const c = decode('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}]}\n', EXPECT());
    expect(c.state.namespaces).toEqual([{ name: 'default', labels: {} }]);
    expect(c.state.pods[0]!.namespace).toBe('default');
  });

  it('a probe protocol defaults to TCP, and allow/deny are kept', () => {
    const c = decode(NS('x'), POD('web'), EXPECT('{from: x/web, to: x/web, port: http, expect: allow}', '{from: "node:node-1", to: "ip:10.244.1.2", port: 80, protocol: UDP, expect: deny}'));
    expect(c.probes).toEqual([
      { from: { kind: 'pod', namespace: 'x', name: 'web' }, to: { kind: 'pod', namespace: 'x', name: 'web' }, port: 'http', protocol: 'TCP', expect: 'allow' },
      { from: { kind: 'node', name: 'node-1' }, to: { kind: 'ip', ip: '10.244.1.2' }, port: 80, protocol: 'UDP', expect: 'deny' },
    ]);
  });

  it('a numeric Service port that the Service lacks is a valid probe (it must be denied, not rejected)', () => {
    const c = decode(NS('x'), SVC('ports: [{port: 80}]'), POD('web'), EXPECT('{from: x/web, to: "svc:x/web", port: 81, expect: deny}'));
    expect(c.probes[0]!.port).toBe(81);
  });

  it('NetworkPolicy lists keep absent apart from empty; an empty policyTypes is defaulted like an absent one', () => {
    const c = decode(NS('x'), POLICY('podSelector: {}\npolicyTypes: []\ningress: [{from: []}, {}]\negress: []'), EXPECT());
    expect(c.state.policies[0]).toEqual({ namespace: 'x', name: 'p', podSelector: {}, ingress: [{ from: [] }, {}], egress: [] });
    expect('policyTypes' in c.state.policies[0]!).toBe(false);
  });

  it('a policy without podSelector selects every pod ({}), as the decoded empty selector does', () => {
    const c = decode(NS('x'), POLICY('policyTypes: [Ingress]'), EXPECT());
    expect(c.state.policies[0]!.podSelector).toEqual({});
  });

  it('several Expectations documents make several steps: the earlier ones become `before`, in order, each a complete state', () => {
    const c = decode(
      NS('x'), POD('web'), EXPECT('{from: x/web, to: x/web, port: 80, expect: allow}'),
      NS('x'), POD('web', undefined, 'status: {conditions: [{type: Ready, status: "False"}]}\n'), POD('db'), EXPECT('{from: x/db, to: x/web, port: 80, expect: deny}'),
      NS('y'), EXPECT(),
    );
    expect(c.before?.map((s) => s.state.pods.map((p) => `${p.name}:${p.ready}`))).toEqual([['web:true'], ['web:false', 'db:true']]);
    expect(c.before?.map((s) => s.probes.map((p) => `${p.from.kind === 'pod' ? p.from.name : ''}:${p.expect}`))).toEqual([['web:allow'], ['db:deny']]);
    expect(c.state.namespaces.map((n) => n.name)).toContain('y');
    expect(c.state.namespaces.map((n) => n.name)).not.toContain('x');
    expect(c.state.pods).toEqual([]);
    expect(c.probes).toEqual([]);
    // One Expectations document: today's format, no `before` at all, and it may stand anywhere.
    expect('before' in decode(NS('x'), EXPECT())).toBe(false);
    expect(decode(EXPECT('{from: x/web, to: x/web, port: 80, expect: allow}'), NS('x'), POD('web')).state.pods.map((p) => p.name)).toEqual(['web']);
  });

  it('empty documents (a trailing ---) are skipped but still counted', () => {
    expect(() => decodeCase(`---\n${stream(NS('x'), '', 'kind: [\n')}`, 'f.yaml')).toThrow(/document 3/);
    const c = decodeCase(`${stream(NS('x'), EXPECT())}---\n`, 'f.yaml');
    expect(c.state.namespaces).toHaveLength(1);
  });

  it('CRLF line endings and a byte-order mark read the same as plain LF', async () => {
    const [{ file, case: c }] = await loadCases([path.join(SHARED_CASES, 'service-named-targetport.yaml')]);
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(file, 'utf8');
    expect(decodeCase(text.replace(/\n/g, '\r\n'), 'crlf.yaml')).toEqual(c);
    expect(decodeCase(`\ufeff${text}`, 'bom.yaml')).toEqual(c);
  });

  it('loadCases reads every *.yaml of a directory, sorted, and names a missing path', async () => {
    const cases = await loadCases([SHARED_CASES]);
    expect(cases.map((c) => path.basename(c.file))).toEqual(['policy-named-port.yaml', 'service-named-targetport.yaml']);
    await expect(loadCases(['/nonexistent/case.yaml'])).rejects.toThrow(/\/nonexistent\/case.yaml: cannot read: no such file or directory \(ENOENT\)/);
  });
});
