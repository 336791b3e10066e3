// deploy/rbac.yaml grants exactly what the harness uses: the preflight's list (connection.ts).
import { describe, it, expect } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { REQUIRED_PERMISSIONS, permissionText } from './connection.ts';
import { schemaErrors } from './schema.ts';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/rbac.yaml');

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

async function docs(): Promise<{ kind: string; rules?: Rule[] }[]> {
  return parseAllDocuments(await readFile(file, 'utf8')).map((d) => d.toJS());
}

describe('deploy/rbac.yaml', () => {
  it('is valid against the Kubernetes schema', async () => {
    const all = await docs();
    expect(all.map((d) => d.kind)).toEqual(['ClusterRole', 'ServiceAccount', 'ClusterRoleBinding']);
    expect(all.flatMap(schemaErrors)).toEqual([]);
  });

  it('grants every permission the harness checks for, and nothing else', async () => {
    const role = (await docs()).find((d) => d.kind === 'ClusterRole')!;
    const granted = new Set<string>();
    for (const rule of role.rules!) {
      for (const group of rule.apiGroups) for (const res of rule.resources) for (const verb of rule.verbs) {
        const [resource, subresource] = res.split('/');
        granted.add(permissionText({ verb, resource, group, ...(subresource ? { subresource } : {}) }));
      }
    }
    const required = new Set(REQUIRED_PERMISSIONS.map(permissionText));
    expect([...required].filter((p) => !granted.has(p))).toEqual([]);
    expect([...granted].filter((p) => !required.has(p))).toEqual([]);
    expect(granted.has('*')).toBe(false);
  });
});
