// The syntax rules the API server applies to names, label keys and values, and port names
// (apimachinery pkg/util/validation). Each check returns the problem in words, or undefined when
// the value is valid, so the decoder can attach the file/document/field it came from.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const IANA_SVC_NAME_CHARS = /^[-a-z0-9]+$/;

/** RFC 1123 label: Namespace names, Service port names. At most 63 characters. */
export function dns1123LabelProblem(value: string): string | undefined {
  if (value.length > 63) return `'${value}' must be no more than 63 characters (RFC 1123 label)`;
  if (!DNS1123_LABEL.test(value)) {
    return `'${value}' must consist of lower case alphanumerics or '-', and start and end with an alphanumeric (RFC 1123 label)`;
  }
  return undefined;
}

/** RFC 1123 subdomain: Pod, Node and NetworkPolicy names, label-key prefixes. At most 253 characters. */
export function dns1123SubdomainProblem(value: string): string | undefined {
  if (value.length > 253) return `'${value}' must be no more than 253 characters (RFC 1123 subdomain)`;
  if (!value.split('.').every((part) => DNS1123_LABEL.test(part))) {
    return `'${value}' must consist of lower case alphanumerics, '-' or '.', and start and end with an alphanumeric (RFC 1123 subdomain)`;
  }
  return undefined;
}

/** RFC 1035 label: Service names (they become DNS names, so they must start with a letter). */
export function dns1035LabelProblem(value: string): string | undefined {
  if (value.length > 63) return `'${value}' must be no more than 63 characters (RFC 1035 label)`;
  if (!DNS1035_LABEL.test(value)) {
    return `'${value}' must consist of lower case alphanumerics or '-', start with a letter and end with an alphanumeric (RFC 1035 label)`;
  }
  return undefined;
}

/** A label key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    if (prefix.length === 0) return `label key '${key}': the prefix before '/' must not be empty`;
    const problem = dns1123SubdomainProblem(prefix);
    if (problem) return `label key '${key}': prefix ${problem}`;
  }
  if (name.length === 0) return `label key '${key}': the name part must not be empty`;
  if (name.length > 63) return `label key '${key}': the name part must be no more than 63 characters`;
  if (!QUALIFIED_NAME_PART.test(name)) {
    return `label key '${key}': the name part must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric`;
  }
  return undefined;
}

/** A label value: empty, or up to 63 alphanumerics, '-', '_', '.', starting and ending with an alphanumeric. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length === 0) return undefined;
  if (value.length > 63) return `label value '${value}' must be no more than 63 characters`;
  if (!QUALIFIED_NAME_PART.test(value)) {
    return `label value '${value}' must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric`;
  }
  return undefined;
}

/** IANA_SVC_NAME (RFC 6335): container port names and named targetPorts / policy ports. */
export function ianaSvcNameProblem(value: string): string | undefined {
  if (value.length === 0) return `a port name must not be empty`;
  if (value.length > 15) return `port name '${value}' must be no more than 15 characters (IANA_SVC_NAME)`;
  if (!IANA_SVC_NAME_CHARS.test(value)) {
    return `port name '${value}' must contain only lower case alphanumerics or '-' (IANA_SVC_NAME)`;
  }
  if (!/[a-z]/.test(value)) return `port name '${value}' must contain at least one letter (IANA_SVC_NAME)`;
  if (value.includes('--')) return `port name '${value}' must not contain '--' (IANA_SVC_NAME)`;
  if (value.startsWith('-') || value.endsWith('-')) {
    return `port name '${value}' must not begin or end with '-' (IANA_SVC_NAME)`;
  }
  return undefined;
}
