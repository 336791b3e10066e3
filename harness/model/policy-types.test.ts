import { describe, it, expect } from 'vitest';
import { effectivePolicyTypes, governsEgress, governsIngress } from './policy-types.ts';
import type { NetworkPolicy } from '../../cluster/types.ts';

const base: NetworkPolicy = { namespace: 'x', name: 'p', podSelector: {} };

describe('policyTypes defaulting (networking/v1 SetDefaults_NetworkPolicy)', () => {
  it('omitted policyTypes with no egress field default to [Ingress]', () => {
    expect(effectivePolicyTypes(base)).toEqual(['Ingress']);
  });

  it('omitted policyTypes with an empty egress list stay [Ingress]: egress: [] adds nothing', () => {
    expect(effectivePolicyTypes({ ...base, egress: [] })).toEqual(['Ingress']);
    expect(governsEgress({ ...base, egress: [] })).toBe(false);
  });

  it('omitted policyTypes with at least one egress rule default to [Ingress, Egress]', () => {
    expect(effectivePolicyTypes({ ...base, egress: [{}] })).toEqual(['Ingress', 'Egress']);
  });

  it('Ingress is defaulted even when the policy has only egress rules', () => {
    expect(governsIngress({ ...base, egress: [{ to: [] }] })).toBe(true);
  });

  it('an explicit empty policyTypes list is defaulted like an omitted one (the defaulter checks the length)', () => {
    expect(effectivePolicyTypes({ ...base, policyTypes: [] })).toEqual(['Ingress']);
    expect(effectivePolicyTypes({ ...base, policyTypes: [], egress: [{}] })).toEqual(['Ingress', 'Egress']);
  });

  it('explicit policyTypes are kept as written', () => {
    expect(effectivePolicyTypes({ ...base, policyTypes: ['Egress'], ingress: [{}] })).toEqual(['Egress']);
    expect(governsIngress({ ...base, policyTypes: ['Egress'], ingress: [{}] })).toBe(false);
  });
});
