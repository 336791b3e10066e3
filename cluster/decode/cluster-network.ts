// netprops.dev/v1alpha1 ClusterNetwork: what of the cluster's configuration a dump of its objects
// does not show. `serviceCIDR` is kube-apiserver's --service-cluster-ip-range (kubeadm's
// networking.serviceSubnet); ClusterIPs must lie in it. Without the document it is inferred.
import ipaddr from 'ipaddr.js';
import type { DocumentField } from '../document-field.ts';
import { ipv4AddressProblem, ipv4CidrProblem } from '../address-validation.ts';
import { SERVICE_CIDR } from '../allocate.ts';
import { ipv4ToNumber, numberToIPv4 } from '../ipv4-number.ts';

export function decodeClusterNetwork(doc: DocumentField): { serviceCIDR?: string } {
  const named = doc.inObject('ClusterNetwork');
  named.onlyKeys(['apiVersion', 'kind', 'metadata', 'serviceCIDR']);
  const field = named.optional('serviceCIDR');
  if (!field) return {};
  const cidr = field.check(ipv4CidrProblem);
  const network = ipaddr.IPv4.networkAddressFromCIDR(cidr).toString();
  if (network !== cidr.split('/')[0]) field.fail(`'${cidr}' has host bits set: write ${network}/${cidr.split('/')[1]}`);
  return { serviceCIDR: cidr };
}

/**
 * The service CIDR of ClusterIPs written without a ClusterNetwork document: kubeadm's default when
 * they all lie in it (or none is written); else the smallest range holding them all, at least a /24
 * (k3s' 10.43.0.0/16, for one, is the /16 of its ClusterIPs once they spread).
 */
export function inferServiceCIDR(clusterIPs: readonly (string | undefined)[]): string {
  const ips = clusterIPs.filter((ip): ip is string => ip !== undefined && ip !== 'None' && ipv4AddressProblem(ip) === undefined);
  const [net, bits] = ipaddr.IPv4.parseCIDR(SERVICE_CIDR);
  if (ips.every((ip) => ipaddr.IPv4.parse(ip).match(net, bits))) return SERVICE_CIDR;
  const numbers = ips.map(ipv4ToNumber);
  let prefix = 24;
  const base = numbers[0]!;
  while (prefix > 0 && numbers.some((n) => Math.floor(n / 2 ** (32 - prefix)) !== Math.floor(base / 2 ** (32 - prefix)))) prefix--;
  const network = Math.floor(base / 2 ** (32 - prefix)) * 2 ** (32 - prefix);
  return `${numberToIPv4(network)}/${prefix}`;
}
