// Label matching exactly as apimachinery does it (labels/selector.go and metav1.LabelSelector).
// Shared by the reference model, the generators and the harnesses, so it lives with the types.
import type { LabelSelector, LabelSelectorRequirement, Labels, Namespace } from './types.ts';

/** The label the API server puts on every Namespace (since 1.21), whatever the manifest says. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

function has(labels: Labels, key: string): boolean {
  return Object.hasOwn(labels, key);
}

/** One matchExpressions requirement (apimachinery's Requirement.Matches). */
export function requirementMatches(req: LabelSelectorRequirement, labels: Labels): boolean {
  const present = has(labels, req.key);
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return present && values.includes(labels[req.key]);
    // NotIn matches an object that lacks the key altogether (the trap cyclonus falls into).
    case 'NotIn':
      return !present || !values.includes(labels[req.key]);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
  }
  // Validation (cluster/selector-validation.ts) admits only the four operators: anything else is a bug.
  throw new Error(`label selector operator ${JSON.stringify((req as { operator: unknown }).operator)} is not one of In, NotIn, Exists, DoesNotExist`);
}

/**
 * metav1.LabelSelector: every matchLabels pair and every matchExpressions requirement must hold
 * (they are ANDed); `{}` has no requirement and so matches everything.
 */
export function selectorMatches(sel: LabelSelector, labels: Labels): boolean {
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) {
    if (!has(labels, key) || labels[key] !== value) return false;
  }
  for (const req of sel.matchExpressions ?? []) {
    if (!requirementMatches(req, labels)) return false;
  }
  return true;
}

/**
 * A Service selector (a plain map): every pair must be on the pod. An empty or absent map selects
 * nothing: ServiceSpec says that without a selector (empty or not present) an external process
 * manages the endpoints, so the endpoint controllers leave the Service alone. Callers that must
 * tell "no selector" from "selects these" use hasServiceSelector().
 */
export function labelsMatch(selector: Labels, labels: Labels): boolean {
  if (!hasServiceSelector(selector)) return false;
  for (const [key, value] of Object.entries(selector)) {
    if (!has(labels, key) || labels[key] !== value) return false;
  }
  return true;
}

/** True when a Service selector selects pods at all (present and non-empty). */
export function hasServiceSelector(selector: Labels | undefined): selector is Labels {
  return selector !== undefined && Object.keys(selector).length > 0;
}

/** A Namespace's labels as selectors see them: as written, plus kubernetes.io/metadata.name. */
export function namespaceLabels(ns: Namespace): Labels {
  return { ...ns.labels, [NAMESPACE_NAME_LABEL]: ns.name };
}
