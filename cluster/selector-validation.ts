// Labels and label selectors as the API server validates them (apimachinery metav1 validation):
// keys are qualified names, values label values; In/NotIn need at least one value, Exists and
// DoesNotExist take none; no other operator exists in a LabelSelector (Gt/Lt are node-selector only).
import type { LabelSelector, LabelSelectorRequirement, Labels, SelectorOperator } from './types.ts';
import { SELECTOR_OPERATORS } from './types.ts';
import type { DocumentField } from './document-field.ts';
import { labelKeyProblem, labelValueProblem } from './name-validation.ts';

/** A map of labels (metadata.labels, a Service selector, matchLabels); absent reads as `{}`. */
export function decodeLabels(field: DocumentField): Labels {
  const labels: Labels = {};
  for (const key of field.keys()) {
    const value = field.get(key);
    const problem = labelKeyProblem(key);
    if (problem) value.fail(problem);
    if (!value.present) value.fail(`label '${key}' needs a value (write "" for an empty one)`);
    // YAML reads `tier: 1` or `on: true` as non-strings; the API server rejects them too.
    labels[key] = value.check(labelValueProblem);
  }
  return labels;
}

export function requirementProblem(req: LabelSelectorRequirement): { field: string; problem: string } | undefined {
  const keyProblem = labelKeyProblem(req.key);
  if (keyProblem) return { field: 'key', problem: keyProblem };
  if (!(SELECTOR_OPERATORS as readonly string[]).includes(req.operator)) {
    return { field: 'operator', problem: `'${req.operator}' is not a valid selector operator: use one of ${SELECTOR_OPERATORS.join(', ')}` };
  }
  const values = req.values ?? [];
  if ((req.operator === 'In' || req.operator === 'NotIn') && values.length === 0) {
    return { field: 'values', problem: `must be specified when operator is '${req.operator}'` };
  }
  if ((req.operator === 'Exists' || req.operator === 'DoesNotExist') && values.length > 0) {
    return { field: 'values', problem: `may not be specified when operator is '${req.operator}'` };
  }
  for (const [i, v] of values.entries()) {
    const p = labelValueProblem(v);
    if (p) return { field: `values[${i}]`, problem: p };
  }
  return undefined;
}

/** A metav1.LabelSelector, kept as written (absent matchLabels stays absent, `{}` stays `{}`). */
export function decodeLabelSelector(field: DocumentField): LabelSelector {
  field.mapping();
  field.onlyKeys(['matchLabels', 'matchExpressions']);
  const selector: LabelSelector = {};
  const matchLabels = field.optional('matchLabels');
  if (matchLabels) selector.matchLabels = decodeLabels(matchLabels);
  const matchExpressions = field.optional('matchExpressions');
  if (matchExpressions) {
    selector.matchExpressions = matchExpressions.items().map((item) => {
      item.onlyKeys(['key', 'operator', 'values']);
      const req: LabelSelectorRequirement = {
        key: item.get('key').requiredString(),
        operator: item.get('operator').requiredString() as SelectorOperator,
      };
      const values = item.optional('values');
      if (values) req.values = values.items().map((v) => v.string());
      const problem = requirementProblem(req);
      if (problem) {
        const index = /^values\[(\d+)\]$/.exec(problem.field);
        (index ? item.get('values').items()[Number(index[1])] : item.get(problem.field)).fail(problem.problem);
      }
      return req;
    });
  }
  return selector;
}
