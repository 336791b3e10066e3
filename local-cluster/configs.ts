// Every configuration file and command line of a local cluster, as pure functions of its layout.
// The values follow kubeadm's and kind's defaults; where a default would reach outside the
// cluster's own folder (a host path, a host-wide setting), it is pointed into the folder instead,
// and the comment says why.
import path from 'node:path';
import YAML from 'yaml';
import {
  API_SERVER_PORT,
  CLUSTER_DOMAIN,
  DNS_SERVICE_IP,
  POD_CIDR,
  SERVICE_CIDR,
  type ClusterLayout,
  type NodeLayout,
} from './layout.ts';

export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';
export const COREDNS_IMAGE = 'registry.k8s.io/coredns/coredns:v1.14.7';

export function apiServerURL(layout: ClusterLayout): string {
  return `https://${layout.controlPlane.ip}:${API_SERVER_PORT}`;
}

/** A kubeconfig for one client certificate. */
export function kubeconfig(layout: ClusterLayout, stem: string, server = apiServerURL(layout)): string {
  const pki = layout.pkiDir;
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: `netprops-${layout.id}`, cluster: { server, 'certificate-authority': path.join(pki, 'ca.crt') } }],
    users: [{ name: stem, user: { 'client-certificate': path.join(pki, `${stem}.crt`), 'client-key': path.join(pki, `${stem}.key`) } }],
    contexts: [{ name: `netprops-${layout.id}`, context: { cluster: `netprops-${layout.id}`, user: stem } }],
    'current-context': `netprops-${layout.id}`,
  });
}

export function kubeconfigPath(layout: ClusterLayout, stem: string): string {
  return path.join(layout.dir, 'kubeconfigs', `${stem}.yaml`);
}

export function etcdArgs(layout: ClusterLayout): string[] {
  const pki = layout.pkiDir;
  return [
    '--name=etcd',
    `--data-dir=${path.join(layout.dir, 'etcd')}`,
    '--listen-client-urls=https://127.0.0.1:2379',
    '--advertise-client-urls=https://127.0.0.1:2379',
    '--listen-peer-urls=http://127.0.0.1:2380',
    '--initial-advertise-peer-urls=http://127.0.0.1:2380',
    '--initial-cluster=etcd=http://127.0.0.1:2380',
    '--listen-metrics-urls=http://127.0.0.1:2381',
    `--cert-file=${path.join(pki, 'etcd-server.crt')}`,
    `--key-file=${path.join(pki, 'etcd-server.key')}`,
    `--trusted-ca-file=${path.join(pki, 'ca.crt')}`,
    '--client-cert-auth=true',
    '--snapshot-count=10000',
  ];
}

export function apiServerArgs(layout: ClusterLayout): string[] {
  const pki = layout.pkiDir;
  const f = (n: string) => path.join(pki, n);
  return [
    `--advertise-address=${layout.controlPlane.ip}`,
    `--bind-address=0.0.0.0`,
    `--secure-port=${API_SERVER_PORT}`,
    '--etcd-servers=https://127.0.0.1:2379',
    `--etcd-cafile=${f('ca.crt')}`,
    `--etcd-certfile=${f('etcd-client.crt')}`,
    `--etcd-keyfile=${f('etcd-client.key')}`,
    `--client-ca-file=${f('ca.crt')}`,
    `--tls-cert-file=${f('apiserver.crt')}`,
    `--tls-private-key-file=${f('apiserver.key')}`,
    `--kubelet-client-certificate=${f('apiserver-kubelet-client.crt')}`,
    `--kubelet-client-key=${f('apiserver-kubelet-client.key')}`,
    '--kubelet-preferred-address-types=InternalIP',
    `--service-account-issuer=https://kubernetes.default.svc.${CLUSTER_DOMAIN}`,
    `--service-account-key-file=${f('sa.pub')}`,
    `--service-account-signing-key-file=${f('sa.key')}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--service-node-port-range=30000-32767',
    // kubeadm's: Node and RBAC authorization, NodeRestriction on top of the default admission plugins.
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    '--allow-privileged=true',
    '--enable-bootstrap-token-auth=false',
    '--profiling=false',
  ];
}

export function controllerManagerArgs(layout: ClusterLayout): string[] {
  const pki = layout.pkiDir;
  return [
    `--kubeconfig=${kubeconfigPath(layout, 'controller-manager')}`,
    `--authentication-kubeconfig=${kubeconfigPath(layout, 'controller-manager')}`,
    `--authorization-kubeconfig=${kubeconfigPath(layout, 'controller-manager')}`,
    '--bind-address=127.0.0.1',
    '--secure-port=10257',
    '--leader-elect=false',
    '--use-service-account-credentials=true',
    '--controllers=*,bootstrapsigner,tokencleaner',
    // Node IPAM: each node gets a /24 of the pod CIDR in spec.podCIDR, as kubeadm configures it.
    '--allocate-node-cidrs=true',
    `--cluster-cidr=${POD_CIDR}`,
    '--node-cidr-mask-size=24',
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    `--cluster-signing-cert-file=${path.join(pki, 'ca.crt')}`,
    `--cluster-signing-key-file=${path.join(pki, 'ca.key')}`,
    `--root-ca-file=${path.join(pki, 'ca.crt')}`,
    `--service-account-private-key-file=${path.join(pki, 'sa.key')}`,
    // No cloud: routes between nodes are the network implementation's job.
    '--configure-cloud-routes=false',
  ];
}

export function schedulerArgs(layout: ClusterLayout): string[] {
  return [
    `--kubeconfig=${kubeconfigPath(layout, 'scheduler')}`,
    `--authentication-kubeconfig=${kubeconfigPath(layout, 'scheduler')}`,
    `--authorization-kubeconfig=${kubeconfigPath(layout, 'scheduler')}`,
    '--bind-address=127.0.0.1',
    '--secure-port=10259',
    '--leader-elect=false',
  ];
}

/** containerd's configuration (version 2, as Debian's 1.6 reads it), all state under the node's folder. */
export function containerdConfig(layout: ClusterLayout, node: NodeLayout): string {
  const d = node.containerdDir;
  return `version = 2
root = "${path.join(d, 'root')}"
state = "${path.join(d, 'state')}"
# No btrfs, zfs, aufs or devmapper here: overlayfs is the snapshotter.
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${node.containerdSocket}"

[ttrpc]
  address = "${node.containerdSocket}.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "${path.join(d, 'opt')}"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  enable_selinux = false
  # Measured here: this machine's processes may not lower their oom_score_adj (runc's nsexec fails
  # on the kubelet's -998 with "Permission denied"), so containerd clamps it to its own, as for
  # rootless or nested runs.
  restrict_oom_score_adj = true
  # Pod network namespaces are mounted under the state folder, not in the host's netns folder.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${path.join(layout.dir, 'cni', 'bin')}"
    conf_dir = "${node.cniConfDir}"
    max_conf_num = 1
`;
}

export function kubeletConfig(layout: ClusterLayout, node: NodeLayout): string {
  return YAML.stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // cgroup v1 on these machines: the cgroupfs driver, and a cgroup root of the node's own so that
    // its pods live apart from the host's and from other nodes'. Since v1.31 cgroup v1 is in
    // maintenance; kubelets from v1.35 refuse it unless failCgroupV1 is false.
    cgroupDriver: 'cgroupfs',
    cgroupRoot: node.cgroupRoot,
    cgroupsPerQOS: true,
    enforceNodeAllocatable: ['pods'],
    failCgroupV1: false,
    failSwapOn: false,
    containerRuntimeEndpoint: `unix://${node.containerdSocket}`,
    podLogsDir: path.join(node.dir, 'pod-logs'),
    clusterDNS: [DNS_SERVICE_IP],
    clusterDomain: CLUSTER_DOMAIN,
    resolvConf: path.join(layout.dir, 'resolv.conf'),
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: path.join(layout.pkiDir, 'ca.crt') },
    },
    authorization: { mode: 'Webhook' },
    // Health and metrics on the node's own loopback (its namespace), not the host's.
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    readOnlyPort: 0,
    serializeImagePulls: false,
    // All images are imported beforehand; a disk filling up must not evict the cluster's pods.
    imageGCHighThresholdPercent: 100,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
    // Fast status updates: a test cluster wants to see Ready soon.
    nodeStatusUpdateFrequency: '4s',
    syncFrequency: '10s',
    fileCheckFrequency: '10s',
    protectKernelDefaults: false,
    maxPods: 250,
  });
}

export function kubeletArgs(layout: ClusterLayout, node: NodeLayout): string[] {
  return [
    `--config=${path.join(node.dir, 'kubelet.yaml')}`,
    `--kubeconfig=${kubeconfigPath(layout, `kubelet-${node.name}`)}`,
    `--root-dir=${node.kubeletDir}`,
    `--cert-dir=${path.join(node.kubeletDir, 'pki')}`,
    // Not the host's /usr/libexec/kubernetes: every folder the kubelet writes is the node's.
    `--volume-plugin-dir=${path.join(node.kubeletDir, 'volume-plugins')}`,
    `--hostname-override=${node.name}`,
    `--node-ip=${node.ip}`,
    '--v=1',
  ];
}

export function kubeProxyConfig(layout: ClusterLayout, node: NodeLayout): string {
  return YAML.stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: layout.options.proxyMode,
    clientConnection: { kubeconfig: kubeconfigPath(layout, 'kube-proxy') },
    hostnameOverride: node.name,
    bindAddress: '0.0.0.0',
    clusterCIDR: POD_CIDR,
    // conntrack's table size and timeouts are host-wide settings: leave them as they are.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    healthzBindAddress: '127.0.0.1:10256',
    metricsBindAddress: '127.0.0.1:10249',
  });
}

export function kubeProxyArgs(layout: ClusterLayout, node: NodeLayout): string[] {
  return [`--config=${path.join(node.dir, 'kube-proxy.yaml')}`, '--v=1'];
}

/** kindnet's wiring for --network routes: the ptp plugin and host-local on the node's podCIDR. */
export function ptpConflist(node: NodeLayout, podCIDR: string): string {
  return JSON.stringify(
    {
      cniVersion: '0.4.0',
      name: 'routes',
      plugins: [
        {
          type: 'ptp',
          ipMasq: false,
          ipam: { type: 'host-local', dataDir: path.join(node.dir, 'cni', 'ipam'), ranges: [[{ subnet: podCIDR }]], routes: [{ dst: '0.0.0.0/0' }] },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

/** flannel's CNI configuration (as its kube-flannel.yml installs it), with its files in the node's folder. */
export function flannelConflist(node: NodeLayout): string {
  return JSON.stringify(
    {
      cniVersion: '0.3.1',
      name: 'cbr0',
      plugins: [
        {
          type: 'flannel',
          subnetFile: path.join(node.dir, 'flannel', 'subnet.env'),
          dataDir: path.join(node.dir, 'cni', 'flannel'),
          // The plugin refuses `ipam` inside `delegate`; a top-level `ipam` is merged into the
          // delegate's (containernetworking/plugins v0.9.1 meta/flannel getDelegateIPAM), so the
          // node's host-local state stays under its own folder.
          ipam: { dataDir: path.join(node.dir, 'cni', 'ipam') },
          // flanneld runs with --ip-masq=false, and a delegate without ipMasq would then get
          // ipMasq: true (meta/flannel: "if flannel is not doing ipmasq, we should"): the bridge
          // would masquerade traffic to other nodes' pods, which the network model forbids (seen:
          // the receiver saw the sender's flannel.1 address). Nothing leaves the underlay, so no
          // masquerade at all.
          delegate: { hairpinMode: true, isDefaultGateway: true, ipMasq: false },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

/** flannel's net-conf.json: the pod network and the VXLAN backend. */
export function flannelNetConf(): string {
  return JSON.stringify({ Network: POD_CIDR, Backend: { Type: 'vxlan' } }, null, 2);
}

export function flannelArgs(layout: ClusterLayout, node: NodeLayout): string[] {
  return [
    '--kube-subnet-mgr',
    `--kubeconfig-file=${kubeconfigPath(layout, 'flannel')}`,
    '--iface=eth0',
    '--ip-masq=false',
    `--subnet-file=${path.join(node.dir, 'flannel', 'subnet.env')}`,
    `--net-config-path=${path.join(layout.dir, 'flannel-net-conf.json')}`,
    '--healthz-port=0',
  ];
}

/**
 * kube-router's bridge CNI configuration, the template it fills with the node's podCIDR
 * (kube-router's generic-kuberouter-all-features.yaml installs the same).
 */
export function kubeRouterConflist(node: NodeLayout): string {
  return JSON.stringify(
    {
      cniVersion: '0.3.0',
      name: 'kubernetes',
      plugins: [
        {
          name: 'kubernetes',
          type: 'bridge',
          bridge: 'kube-bridge',
          isDefaultGateway: true,
          hairpinMode: true,
          ipam: { type: 'host-local', dataDir: path.join(node.dir, 'cni', 'ipam') },
        },
        { type: 'portmap', capabilities: { snat: true, portMappings: true } },
      ],
    },
    null,
    2,
  );
}

export function kubeRouterArgs(layout: ClusterLayout, node: NodeLayout): string[] {
  const routing = layout.options.network === 'kube-router';
  return [
    `--kubeconfig=${kubeconfigPath(layout, 'kube-router')}`,
    `--hostname-override=${node.name}`,
    `--run-router=${routing}`,
    '--run-firewall=true',
    '--run-service-proxy=false',
    `--enable-cni=${routing}`,
    // Nodes share one L2 underlay: routes, no tunnels (this kernel has no IPIP anyway).
    '--enable-overlay=false',
    `--runtime-endpoint=unix://${node.containerdSocket}`,
    '--metrics-port=0',
    '--health-port=0',
    '--v=1',
  ];
}

/** kubelet's resolv.conf for pods with dnsPolicy Default: no nameserver outside the cluster is reachable. */
export function resolvConf(): string {
  return 'nameserver 127.0.0.1\noptions ndots:1\n';
}

/** CoreDNS as kubeadm deploys it: a Deployment behind the kube-dns Service at 10.96.0.10. */
export function coreDNSManifests(): object[] {
  const labels = { 'k8s-app': 'kube-dns' };
  const corefile = [
    '.:53 {',
    '    errors',
    '    health {',
    '       lameduck 5s',
    '    }',
    '    ready',
    `    kubernetes ${CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {`,
    '       pods insecure',
    '       fallthrough in-addr.arpa ip6.arpa',
    '       ttl 30',
    '    }',
    '    prometheus :9153',
    // No upstream resolver is reachable from these machines: names outside the cluster fail fast.
    '    cache 30',
    '    loadbalance',
    '}',
    '',
  ].join('\n');
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'coredns', namespace: 'kube-system' } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:coredns' },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:coredns' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
      subjects: [{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }],
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: corefile } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'coredns', namespace: 'kube-system', labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'coredns',
            priorityClassName: 'system-cluster-critical',
            dnsPolicy: 'Default',
            containers: [
              {
                name: 'coredns',
                image: COREDNS_IMAGE,
                imagePullPolicy: 'Never',
                args: ['-conf', '/etc/coredns/Corefile'],
                ports: [
                  { name: 'dns', containerPort: 53, protocol: 'UDP' },
                  { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                  { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
                ],
                volumeMounts: [{ name: 'config-volume', mountPath: '/etc/coredns', readOnly: true }],
                livenessProbe: { httpGet: { path: '/health', port: 8080 }, initialDelaySeconds: 5, timeoutSeconds: 5 },
                readinessProbe: { httpGet: { path: '/ready', port: 8181 } },
                securityContext: { capabilities: { add: ['NET_BIND_SERVICE'] } },
              },
            ],
            volumes: [{ name: 'config-volume', configMap: { name: 'coredns', items: [{ key: 'Corefile', path: 'Corefile' }] } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { ...labels, 'kubernetes.io/name': 'CoreDNS' } },
      spec: {
        selector: labels,
        clusterIP: DNS_SERVICE_IP,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
          { name: 'metrics', port: 9153, protocol: 'TCP' },
        ],
      },
    },
  ];
}

/** RBAC for the network daemons, as their upstream manifests grant it (they run as processes here). */
export function networkRBAC(): object[] {
  const role = (name: string, rules: object[]) => [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name }],
    },
  ];
  return [
    // kube-flannel.yml's ClusterRole.
    ...role('netprops:flannel', [
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch'] },
    ]),
    // kube-router's generic manifests' ClusterRole.
    ...role('netprops:kube-router', [
      { apiGroups: [''], resources: ['namespaces', 'pods', 'services', 'nodes', 'endpoints'], verbs: ['list', 'get', 'watch'] },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['list', 'get', 'watch'] },
      { apiGroups: ['extensions'], resources: ['networkpolicies'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
      { apiGroups: [''], resources: ['services/status'], verbs: ['update'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
    ]),
  ];
}
