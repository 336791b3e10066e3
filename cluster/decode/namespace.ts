// v1 Namespace: a name and labels. The API server sets kubernetes.io/metadata.name to the name
// on every Namespace, so a manifest may write it, but only with that value.
import type { Namespace } from '../types.ts';
import type { DocumentField } from '../document-field.ts';
import { dns1123LabelProblem } from '../name-validation.ts';
import { decodeMetadata } from './metadata.ts';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export function decodeNamespace(doc: DocumentField): Namespace {
  const { name, labels, doc: named } = decodeMetadata(doc, 'Namespace', dns1123LabelProblem, false);
  const written = labels[NAMESPACE_NAME_LABEL];
  if (written !== undefined && written !== name) {
    named.get('metadata').get('labels').get(NAMESPACE_NAME_LABEL).fail(`the API server sets this label to the Namespace's name '${name}'; remove it or write '${name}'`);
  }
  return { name, labels };
}
