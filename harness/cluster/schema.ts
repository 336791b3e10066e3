// Validation of the objects netprops applies against the Kubernetes OpenAPI schema shipped in the
// `kubernetes-models` package (its generated classes' validate()), not a hand-written check. The
// schema checks types, enums and required fields; it does not check what only the API server's
// validation does (name formats, port ranges, cross-field rules), so a real cluster may still
// reject a manifest the schema accepts.
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace as unknown as ModelClass,
  'v1/Pod': Pod as unknown as ModelClass,
  'v1/Service': Service as unknown as ModelClass,
  'v1/ServiceAccount': ServiceAccount as unknown as ModelClass,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as ModelClass,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole as unknown as ModelClass,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding as unknown as ModelClass,
};

/** The kinds this module can check, as `apiVersion/kind`. */
export const SCHEMA_KINDS: readonly string[] = Object.keys(MODELS);

/** Every schema violation of one object, each as `Kind namespace/name: path message`; [] when valid. */
export function schemaErrors(object: unknown): string[] {
  if (typeof object !== 'object' || object === null) return ['not an object'];
  const o = object as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  const key = `${String(o.apiVersion)}/${String(o.kind)}`;
  const Model = MODELS[key];
  const what = `${String(o.kind)} ${o.metadata?.namespace ? `${String(o.metadata.namespace)}/` : ''}${String(o.metadata?.name)}`;
  if (!Model) return [`${what}: no schema for ${key} (known: ${SCHEMA_KINDS.join(', ')})`];
  try {
    // The classes copy the plain object; validate() runs the package's compiled OpenAPI schema.
    new Model(structuredClone(object) as never).validate();
    return [];
  } catch (err) {
    const e = err as { errors?: { instancePath?: string; message?: string }[]; message: string };
    if (Array.isArray(e.errors) && e.errors.length > 0) {
      return e.errors.map((x) => `${what}: ${x.instancePath || '/'} ${x.message ?? ''}`.trim());
    }
    return [`${what}: ${e.message}`];
  }
}

/** Throws (a bug: netprops built an invalid object) with every violation listed. */
export function assertSchemaValid(objects: readonly unknown[]): void {
  const errors = objects.flatMap(schemaErrors);
  if (errors.length > 0) throw new Error(`manifests violate the Kubernetes schema:\n  ${errors.join('\n  ')}`);
}
