// client-node sends an object through its generated models: it reads each model's own property
// names, not the API's (NetworkPolicyIngressRule's `from` is `_from` there), and leaves out what its
// models lack. Handed an object in the API's wire form, as our manifests are, it silently dropped
// every ingress rule's `from`: each rule then admitted every source (seen on the local cluster,
// docs/findings.md). So an object is loaded into the models' form first, and one the round trip
// would change is refused as the bug it is.
import { isDeepStrictEqual } from 'node:util';
import { dumpYaml, type KubernetesObject, loadYaml } from '@kubernetes/client-node';
import { parse } from 'yaml';

/** The object in client-node's model form, which its serializer turns back into exactly `object`. */
export function clientNodeForm<T extends KubernetesObject>(object: T): KubernetesObject {
  const wire = JSON.parse(JSON.stringify(object)) as KubernetesObject;
  const typed = loadYaml<KubernetesObject>(JSON.stringify(wire));
  const sent: unknown = parse(dumpYaml(typed));
  if (!isDeepStrictEqual(sent, wire)) {
    throw new Error(`client-node would not send ${wire.kind} ${wire.metadata?.namespace ?? ''}/${wire.metadata?.name} as written: ${JSON.stringify(sent)} instead of ${JSON.stringify(wire)}`);
  }
  return typed;
}
