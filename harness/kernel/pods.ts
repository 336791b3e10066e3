// Pods: a network namespace per pod wired by the CNI plugin (ADD on create, DEL on delete), with
// its loopback up as a runtime does; the pod's IP is the one the ADD result reports. The state's
// podIP is requested through CNI_ARGS `IP=` (host-local honours it), so the realized IP usually
// equals the model's; a plugin that refuses the request is asked again without it. hostNetwork pods
// get no namespace of their own: they live in their node's.
import type { Pod } from '../../cluster/types.ts';
import { cniAdd, cniCheck, cniDel, CniError, resultIPv4, type CniConfig, type CniContainer, type CniResult } from './cni.ts';
import type { Agent } from './agent.ts';

export const POD_IFNAME = 'eth0';

export interface RealizedPod {
  /** The pod as realized: its ip is the ADD result's (the node's IP for hostNetwork). */
  pod: Pod;
  /** The podIP the state asked for when the pod was made. */
  requestedIP: string;
  /** Where the pod's sockets live: its own namespace, or its node's for hostNetwork. */
  netns: string;
  /** The node namespace the CNI plugin ran in. */
  nodeNetns: string;
  /** Present for pods wired by CNI. */
  cni?: { config: CniConfig; container: CniContainer; result: CniResult };
}

export interface PodWiring {
  agent: Agent;
  binDirs: string[];
  /** Node name -> its namespace, its InternalIP and its CNI configuration. */
  node(name: string): { netns: string; ip: string; config: CniConfig };
}

/**
 * A MAC derived from the pod's IP (0a:58 + the four address bytes, as OVN-Kubernetes does): a pod
 * re-created with the address of a deleted one keeps the neighbours' ARP entries valid. Without
 * it, re-applying a case that reuses an address loses traffic for as long as the stale entries live
 * (a runtime normally avoids that by not reusing addresses at once; requesting the state's IPs does).
 */
export function macForIP(ip: string): string {
  return ['0a', '58', ...ip.split('.').map((b) => Number(b).toString(16).padStart(2, '0'))].join(':');
}

function podArgs(pod: Pod, containerId: string): Record<string, string> {
  // What kubelet passes; IgnoreUnknown lets plugins that know none of them accept the rest.
  return {
    IgnoreUnknown: '1',
    K8S_POD_NAMESPACE: pod.namespace,
    K8S_POD_NAME: pod.name,
    K8S_POD_INFRA_CONTAINER_ID: containerId,
  };
}

/** Wires a pod whose namespace `netns` already exists (for hostNetwork pods, pass undefined). */
export async function createPod(w: PodWiring, pod: Pod, netns: string | undefined): Promise<RealizedPod> {
  const node = w.node(pod.nodeName);
  if (pod.hostNetwork || netns === undefined) {
    return { pod: { ...pod, ip: node.ip }, requestedIP: pod.ip, netns: node.netns, nodeNetns: node.netns };
  }
  await w.agent.linkUp(netns, 'lo');
  const base = podArgs(pod, netns);
  const container: CniContainer = {
    containerId: netns,
    netnsPath: `/run/netns/${netns}`,
    ifName: POD_IFNAME,
    args: { ...base, IP: pod.ip, MAC: macForIP(pod.ip) },
  };
  let result: CniResult;
  try {
    result = await cniAdd(node.config, container, w.binDirs, node.netns);
  } catch (e) {
    if (!(e instanceof CniError)) throw e;
    // The requested address was refused (outside the range, taken, or IP= unsupported): let the
    // plugin choose, after cleaning up the failed attempt as the spec asks of a runtime.
    await cniDel(node.config, container, w.binDirs, node.netns).catch(() => {});
    container.args = base;
    try {
      result = await cniAdd(node.config, container, w.binDirs, node.netns);
    } catch (again) {
      if (!(again instanceof CniError)) throw again;
      throw new CniError(`pod ${pod.namespace}/${pod.name} on node ${pod.nodeName}: ${again.message} (with IP=${pod.ip} requested: ${e.message})`, again.cniCode);
    }
  }
  const ip = resultIPv4(result);
  if (!ip) throw new CniError(`CNI ADD for pod ${pod.namespace}/${pod.name} returned no IPv4 address: ${JSON.stringify(result)}`);
  return { pod: { ...pod, ip }, requestedIP: pod.ip, netns, nodeNetns: node.netns, cni: { config: node.config, container, result } };
}

export async function checkPod(w: PodWiring, rp: RealizedPod): Promise<void> {
  if (rp.cni) await cniCheck(rp.cni.config, rp.cni.container, w.binDirs, rp.nodeNetns, rp.cni.result);
}

/** Releases the pod's network (CNI DEL); the caller deletes the namespace afterwards. */
export async function deletePod(binDirs: string[], rp: RealizedPod): Promise<void> {
  if (rp.cni) await cniDel(rp.cni.config, rp.cni.container, binDirs, rp.nodeNetns, rp.cni.result);
}
