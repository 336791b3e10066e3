// ci/kind/run.mjs refuses what cannot work before it creates anything (exit 2, one line).
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'run.mjs');
const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, PATH: '/nonexistent' } });

describe('ci/kind/run.mjs', () => {
  it.each([
    [['--cni', 'weave'], 'ci/kind/run.mjs: --cni must be one of kindnet, calico, cilium, not weave'],
    [['--proxy-mode', 'ipvs'], 'ci/kind/run.mjs: --proxy-mode must be one of iptables, nftables, none, not ipvs'],
    [['--cni', 'calico', '--proxy-mode', 'none'], 'ci/kind/run.mjs: kube-proxy mode none needs a CNI that replaces kube-proxy; calico does not here (use cilium)'],
    [['--cni', 'kindnet'], 'ci/kind/run.mjs: docker is not installed (needed for kindnet)'],
  ])('%j exits 2: %s', (args, message) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(message);
  });
});
