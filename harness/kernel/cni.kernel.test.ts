// The CNI execution protocol against recording plugins: the verb and container in the CNI_*
// environment, the configuration on stdin, prevResult chaining, ADD/CHECK in list order and DEL in
// reverse (CNI spec 1.0, "Execution of network configurations"), plugins run in the node namespace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cniAdd, cniCheck, cniDel, CniError, type CniConfig, type CniContainer } from './cni.ts';
import { DEFAULT_CNI_BIN_DIRS } from './cni-config.ts';
import { addNetns, deleteNetns } from './namespaces.ts';
import { missingPrerequisites } from './prerequisites.ts';
import { kernelRun, newRunId } from './run.ts';

const missing = await missingPrerequisites({ binDirs: DEFAULT_CNI_BIN_DIRS, plugins: [] });
const title = missing.length === 0 ? 'CNI execution protocol' : `CNI execution protocol (skipped: needs ${missing.join('; ')})`;

// A plugin that logs what it was given and answers like a plugin of the spec.
const PLUGIN = `#!${process.execPath}
const fs = require('node:fs');
const conf = JSON.parse(fs.readFileSync(0, 'utf8'));
const env = Object.fromEntries(['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH', 'CNI_ARGS'].map((k) => [k, process.env[k]]));
fs.appendFileSync(conf.log, JSON.stringify({ type: conf.type, env, prevResult: conf.prevResult, netns: fs.statSync('/proc/self/ns/net').ino, name: conf.name, cniVersion: conf.cniVersion }) + '\\n');
if (conf.fail) { process.stdout.write(JSON.stringify({ cniVersion: conf.cniVersion, code: 11, msg: 'no can do', details: conf.type })); process.exit(1); }
if (env.CNI_COMMAND === 'ADD') {
  const prev = conf.prevResult ?? { cniVersion: conf.cniVersion, interfaces: [{ name: 'eth0', sandbox: env.CNI_NETNS }], ips: [{ address: '10.9.0.2/24', interface: 0 }] };
  process.stdout.write(JSON.stringify({ ...prev, chain: [...(prev.chain ?? []), conf.type] }));
}
`;

describe.skipIf(missing.length > 0)(title, () => {
  const run = kernelRun(newRunId());
  const node = run.nodeNetns(0);
  const podNs = run.podNetns(0);
  let dir: string;
  let log: string;
  let config: CniConfig;
  const container = (): CniContainer => ({ containerId: 'c-1', netnsPath: `/run/netns/${podNs}`, ifName: 'eth0', args: { IgnoreUnknown: '1', K8S_POD_NAME: 'web' } });
  const entries = async () => (await readFile(log, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'netprops-cni-'));
    log = path.join(dir, 'log');
    for (const name of ['first', 'second']) {
      await writeFile(path.join(dir, name), PLUGIN);
      await chmod(path.join(dir, name), 0o755);
    }
    config = { cniVersion: '1.0.0', name: 'recorded', plugins: [{ type: 'first', log }, { type: 'second', log }] };
    await addNetns([node, podNs]);
  });
  afterAll(async () => {
    await deleteNetns([node, podNs]);
  });

  it('ADD runs the list in order inside the node namespace, passing each result on as prevResult', async () => {
    await writeFile(log, '');
    const result = await cniAdd(config, container(), [dir], node);
    expect(result.chain).toEqual(['first', 'second']);
    const [first, second] = await entries();
    expect(first.env).toEqual({
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'c-1',
      CNI_NETNS: `/run/netns/${podNs}`,
      CNI_IFNAME: 'eth0',
      CNI_PATH: dir,
      CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web',
    });
    expect([first.name, first.cniVersion]).toEqual(['recorded', '1.0.0']);
    expect(first.prevResult).toBeUndefined();
    expect(second.prevResult.chain).toEqual(['first']);
    expect(first.netns).toBe(statSync(`/run/netns/${node}`).ino);
  });

  it('CHECK runs the list in order and DEL in reverse order, both with the ADD result', async () => {
    const result = await cniAdd(config, container(), [dir], node);
    await writeFile(log, '');
    await cniCheck(config, container(), [dir], node, result);
    await cniDel(config, container(), [dir], node, result);
    const got = await entries();
    expect(got.map((e) => `${e.env.CNI_COMMAND} ${e.type}`)).toEqual(['CHECK first', 'CHECK second', 'DEL second', 'DEL first']);
    expect(got.every((e) => e.prevResult.chain.join() === 'first,second')).toBe(true);
  });

  it("reports a plugin's JSON error with its message and code", async () => {
    const failing: CniConfig = { cniVersion: '1.0.0', name: 'broken', type: 'first', log, fail: true };
    const err = await cniAdd(failing, container(), [dir], node).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).message).toMatch(/no can do: first/);
    expect((err as CniError).cniCode).toBe(11);
    expect((err as CniError).exitCode).toBe(3);
  });

  it('names a plugin missing from every directory', async () => {
    const err = await cniAdd({ cniVersion: '1.0.0', name: 'x', type: 'absent' }, container(), [dir], node).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/'absent' not found/);
  });
});
