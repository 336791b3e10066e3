import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kubectlTags, kubectlYaml } from './kubectl-yaml.ts';

describe('manifests written for kubectl', () => {
  it('quote every string go-yaml v2 reads as a boolean (the namespace y, a label value on), and read back as the same strings', () => {
    const object = { metadata: { name: 'y', namespace: 'n', labels: { a: 'on', b: 'off', c: 'yes', d: 'x' } } };
    const text = kubectlYaml(object);
    expect(text).toContain('name: "y"');
    expect(text).toContain('namespace: "n"');
    expect(text).toContain('d: x');
    expect(parse(text, { customTags: kubectlTags })).toEqual(object);
  });
});
