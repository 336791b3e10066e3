// Which directions a NetworkPolicy governs.
import type { NetworkPolicy, PolicyType } from '../../cluster/types.ts';

/**
 * spec.policyTypes after API defaulting (networking/v1 SetDefaults_NetworkPolicySpec): when omitted
 * or empty (the defaulter tests the length, so `policyTypes: []` is defaulted too) it is [Ingress],
 * plus Egress only when spec.egress has at least one rule (`egress: []` adds nothing).
 */
export function effectivePolicyTypes(policy: NetworkPolicy): PolicyType[] {
  if (policy.policyTypes !== undefined && policy.policyTypes.length > 0) return [...policy.policyTypes];
  return (policy.egress?.length ?? 0) > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

export function governsIngress(policy: NetworkPolicy): boolean {
  return effectivePolicyTypes(policy).includes('Ingress');
}

export function governsEgress(policy: NetworkPolicy): boolean {
  return effectivePolicyTypes(policy).includes('Egress');
}
