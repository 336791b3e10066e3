// apimachinery's name rules, by example at each boundary.
import { describe, expect, it } from 'vitest';
import {
  dns1035LabelProblem, dns1123LabelProblem, dns1123SubdomainProblem, ianaSvcNameProblem, labelKeyProblem, labelValueProblem,
} from './name-validation.ts';

const valid = (check: (s: string) => string | undefined, values: string[]) => values.forEach((v) => expect(check(v), v).toBeUndefined());
const invalid = (check: (s: string) => string | undefined, values: string[]) => values.forEach((v) => expect(check(v), v).toBeTypeOf('string'));

describe('name validation', () => {
  it('RFC 1123 label: lower-case alphanumerics and -, alphanumeric at both ends, at most 63', () => {
    valid(dns1123LabelProblem, ['a', '0', 'a-b', '1abc', 'a'.repeat(63)]);
    invalid(dns1123LabelProblem, ['', 'A', 'a.b', '-a', 'a-', 'a_b', 'a'.repeat(64)]);
  });
  it('RFC 1123 subdomain: dot-separated labels, at most 253', () => {
    valid(dns1123SubdomainProblem, ['a', 'a.b', 'web-1.example.com', `${'a'.repeat(63)}.${'b'.repeat(63)}`]);
    invalid(dns1123SubdomainProblem, ['', 'a..b', '.a', 'a.', 'A.b', 'a_b', 'a'.repeat(254)]);
  });
  it('RFC 1035 label: like 1123 but starting with a letter (Service names)', () => {
    valid(dns1035LabelProblem, ['a', 'web-1']);
    invalid(dns1035LabelProblem, ['1web', '', 'a.b', '-a']);
  });
  it('label keys: optional DNS-subdomain prefix, name part of at most 63 with - _ . inside', () => {
    valid(labelKeyProblem, ['app', 'A_b.c-D', 'example.com/app', 'kubernetes.io/metadata.name', 'a'.repeat(63)]);
    invalid(labelKeyProblem, ['', '/app', 'app/', 'Example.com/app', '-app', 'app-', 'a b', 'a/b/c', 'a'.repeat(64)]);
  });
  it('label values: empty, or at most 63 alphanumerics with - _ . inside', () => {
    valid(labelValueProblem, ['', 'web', 'v1.2_3-x', 'a'.repeat(63)]);
    invalid(labelValueProblem, ['-a', 'a-', 'a b', 'a/b', 'a'.repeat(64)]);
  });
  it('IANA_SVC_NAME: at most 15 lower-case alphanumerics and -, a letter, no --, no - at the ends', () => {
    valid(ianaSvcNameProblem, ['http', 'h2c', 'a-b', 'a'.repeat(15)]);
    invalid(ianaSvcNameProblem, ['', '80', 'HTTP', 'a--b', '-a', 'a-', 'a_b', 'a'.repeat(16)]);
  });
});
