// The batch script run by real shells (dash as /bin/sh here; busybox's ash, the agnhost images'
// shell, where installed): every command's stdout, stderr and exit status come back exactly, in
// order, whatever the commands print.
import { describe, it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { BATCH_MARKER, batchCommand, batchOutput, execBatches, parseBatch, shellQuote, splitBatchOutput } from './probe-batch.ts';

const run = promisify(execFile);
const nonce = '0123456789abcdef';
const commands = [
  ['sh', '-c', 'echo out; echo err >&2; exit 3'],
  ['printf', "it's %s", 'quoted; $(not run) `nor this` "x"'],
  ['sh', '-c', 'sleep 0.2; printf "no newline"'],
  // A command printing what looks like a frame, with another nonce: it stays its own output.
  ['sh', '-c', "printf '\\nfedcba9876543210 0 x\\n9\\n'"],
  ['sh', '-c', 'exit 0'],
];
const expected = [
  { exitCode: 3, stdout: 'out\n', stderr: 'err\n' },
  { exitCode: 0, stdout: 'it\'s quoted; $(not run) `nor this` "x"', stderr: '' },
  { exitCode: 0, stdout: 'no newline', stderr: '' },
  { exitCode: 0, stdout: '\nfedcba9876543210 0 x\n9\n', stderr: '' },
  { exitCode: 0, stdout: '', stderr: '' },
];

const shells = ['/bin/sh', ...['/bin/busybox', '/usr/bin/busybox'].filter(existsSync).slice(0, 1).map((b) => `${b} sh`)];

describe('batchCommand', () => {
  for (const shell of shells) {
    it(`runs every command at once under ${shell} and frames each one's output`, async () => {
      const [, flag, script] = batchCommand(commands, nonce);
      const [bin, ...pre] = shell.split(' ');
      const { stdout } = await run(bin, [...pre, flag, script]);
      expect(splitBatchOutput(stdout, nonce, commands.length)).toEqual(expected);
      // Side by side, not one after another: three sleeps of 1 s in a row would take 3 s.
      const slow = batchCommand([['sleep', '1'], ['sleep', '1'], ['sleep', '1']], nonce);
      const t1 = performance.now();
      await run(bin, [...pre, slow[1], slow[2]]);
      expect(performance.now() - t1).toBeLessThan(2_500);
    });
  }

  it('refuses a nonce a probe could guess or that would need quoting', () => {
    expect(() => batchCommand(commands, 'abc')).toThrow(/16 or more hex digits/);
    expect(() => batchCommand(commands, "0123456789abcdef'")).toThrow(/hex digits/);
    expect(() => batchCommand([], nonce)).toThrow(/no commands/);
  });

  it('is read back by the fake API server as the commands it was given', () => {
    const [, , script] = batchCommand(commands, nonce);
    expect(script.startsWith(BATCH_MARKER)).toBe(true);
    expect(parseBatch(script)).toEqual({ nonce, commands });
    expect(parseBatch('echo hi')).toBeUndefined();
    expect(splitBatchOutput(batchOutput(expected, nonce), nonce, expected.length)).toEqual(expected);
  });
});

describe('splitBatchOutput', () => {
  it('a missing frame or exit status is a bug, named with the output', () => {
    const out = batchOutput(expected.slice(0, 2), nonce);
    expect(() => splitBatchOutput(out, nonce, 3)).toThrow(/no output frame for command 2 of 3/);
    expect(() => splitBatchOutput(out.replace(/\n3\n/, '\n\n'), nonce, 2)).toThrow(/command 0 of 2 \(exit status ""\)/);
  });
});

describe('execBatches', () => {
  it('groups probes by source in order, at most max per batch, leaving out those needing no exec', () => {
    expect(execBatches(['a', 'b', undefined, 'a', 'a', 'b', 'a'], 3)).toEqual([[0, 3, 4], [6], [1, 5]]);
    expect(execBatches(Array.from({ length: 40 }, () => 'p')).map((b) => b.length)).toEqual([16, 16, 8]);
    expect(execBatches([undefined])).toEqual([]);
  });
});

describe('shellQuote', () => {
  it('single-quotes, closing and escaping a quote inside', () => {
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
    expect(shellQuote('')).toBe("''");
  });
});
