// metadata.name / namespace / labels of one object, with the name rule of its kind
// (apimachinery: Namespaces are RFC 1123 labels, Services RFC 1035 labels, the rest subdomains).
import type { Labels } from '../types.ts';
import type { DocumentField } from '../document-field.ts';
import { dns1123LabelProblem } from '../name-validation.ts';
import { decodeLabels } from '../selector-validation.ts';

export interface Metadata {
  name: string;
  namespace: string;
  labels: Labels;
  /** The document, now naming its object ("Pod x/web") in every error. */
  doc: DocumentField;
}

export function decodeMetadata(
  doc: DocumentField,
  kind: string,
  nameProblem: (name: string) => string | undefined,
  namespaced: boolean,
): Metadata {
  const metadata = doc.get('metadata');
  if (!metadata.present) metadata.fail('is required (metadata.name at least)');
  const name = metadata.get('name').requiredString();
  const named = doc.inObject(`${kind} ${name}`);
  const nameField = named.get('metadata').get('name');
  const problem = nameProblem(name);
  if (problem) nameField.fail(problem);
  let namespace = '';
  if (namespaced) {
    const ns = named.get('metadata').optional('namespace');
    // An object without a namespace lands in `default`, as kubectl apply puts it.
    namespace = ns ? ns.check(dns1123LabelProblem) : 'default';
  } else if (named.get('metadata').optional('namespace')) {
    named.get('metadata').get('namespace').fail(`a ${kind} is not namespaced`);
  }
  const withObject = named.inObject(namespaced ? `${kind} ${namespace}/${name}` : `${kind} ${name}`);
  const labels = decodeLabels(withObject.get('metadata').get('labels'));
  return { name, namespace, labels, doc: withObject };
}
