import { describe, it, expect } from 'vitest';
import { assertSchemaValid, schemaErrors } from './schema.ts';

const pod = (container: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'a', namespace: 'x' },
  spec: { containers: [{ name: 'c', image: 'i', ...container }] },
});

describe('schemaErrors (the Kubernetes OpenAPI schema from kubernetes-models)', () => {
  it('accepts a valid Pod', () => {
    expect(schemaErrors(pod({ ports: [{ containerPort: 80, protocol: 'TCP' }] }))).toEqual([]);
  });

  it('rejects a containerPort that is not an integer (core/v1 ContainerPort.containerPort is int32)', () => {
    const errors = schemaErrors(pod({ ports: [{ containerPort: 'http' }] }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('Pod x/a');
    expect(errors[0]).toContain('/spec/containers/0/ports/0/containerPort');
  });

  it('rejects a Pod without containers (PodSpec.containers is required)', () => {
    expect(schemaErrors({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: {} }).join()).toContain('containers');
  });

  it('rejects a policyType outside Ingress/Egress (NetworkPolicySpec.policyTypes enum)', () => {
    const np = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n' }, spec: { podSelector: {}, policyTypes: ['Both'] } };
    expect(schemaErrors(np).join()).toContain('policyTypes');
  });

  it('rejects a kind it has no schema for, instead of passing it', () => {
    expect(schemaErrors({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } })[0]).toContain('no schema for apps/v1/Deployment');
  });

  it('assertSchemaValid lists every violation and throws', () => {
    expect(() => assertSchemaValid([pod({}), pod({ ports: [{ containerPort: 'x' }] })])).toThrow(/containerPort/);
    expect(() => assertSchemaValid([pod({})])).not.toThrow();
  });
});
