import { describe, it, expect } from 'vitest';
import { policyPortMatches, rulePortsMatch } from './policy-port.ts';
import type { Pod } from '../../cluster/types.ts';

const web: Pod = {
  namespace: 'x',
  name: 'web',
  labels: {},
  nodeName: 'n1',
  hostNetwork: false,
  ip: '10.244.1.2',
  ready: true,
  ports: [
    { name: 'http', containerPort: 80, protocol: 'TCP' },
    { name: 'dns', containerPort: 53, protocol: 'UDP' },
  ],
};

describe('NetworkPolicyPort (networking/v1 API reference)', () => {
  it('a port without protocol means TCP: {} admits every TCP port and no UDP or SCTP', () => {
    expect(policyPortMatches({}, 12345, 'TCP', web)).toBe(true);
    expect(policyPortMatches({}, 53, 'UDP', web)).toBe(false);
    expect(policyPortMatches({}, 53, 'SCTP', web)).toBe(false);
  });

  it('a protocol without port admits every port of that protocol only', () => {
    expect(policyPortMatches({ protocol: 'UDP' }, 9, 'UDP', web)).toBe(true);
    expect(policyPortMatches({ protocol: 'SCTP' }, 9, 'SCTP', web)).toBe(true);
    expect(policyPortMatches({ protocol: 'UDP' }, 9, 'TCP', web)).toBe(false);
  });

  it('a numeric port admits that port only', () => {
    expect(policyPortMatches({ port: 80 }, 80, 'TCP', web)).toBe(true);
    expect(policyPortMatches({ port: 80 }, 81, 'TCP', web)).toBe(false);
  });

  it('endPort admits the inclusive range [port, endPort]', () => {
    const pp = { port: 8000, endPort: 8002 };
    expect([7999, 8000, 8001, 8002, 8003].map((p) => policyPortMatches(pp, p, 'TCP', web))).toEqual([false, true, true, true, false]);
  });

  it('the ignore-endport fault admits only the first port of a range', () => {
    expect(policyPortMatches({ port: 8000, endPort: 8002 }, 8001, 'TCP', web, { ignoreEndPort: true })).toBe(false);
    expect(policyPortMatches({ port: 8000, endPort: 8002 }, 8000, 'TCP', web, { ignoreEndPort: true })).toBe(true);
  });

  it("a named port resolves on the destination pod's container port of that name and the policy's protocol", () => {
    expect(policyPortMatches({ port: 'http' }, 80, 'TCP', web)).toBe(true);
    expect(policyPortMatches({ port: 'http' }, 81, 'TCP', web)).toBe(false);
    // dns is a UDP container port: a named policy port defaulting to TCP does not resolve to it
    expect(policyPortMatches({ port: 'dns' }, 53, 'TCP', web)).toBe(false);
    expect(policyPortMatches({ port: 'dns', protocol: 'UDP' }, 53, 'UDP', web)).toBe(true);
    expect(policyPortMatches({ port: 'nope' }, 80, 'TCP', web)).toBe(false);
    expect(policyPortMatches({ port: 'http' }, 80, 'TCP', undefined)).toBe(false);
  });

  it('the ignore-policy-protocol fault admits every protocol', () => {
    expect(policyPortMatches({ port: 80 }, 80, 'UDP', web, { ignoreProtocol: true })).toBe(true);
    expect(policyPortMatches({ port: 'dns' }, 53, 'TCP', web, { ignoreProtocol: true })).toBe(true);
  });

  it('absent or empty ports admit every port of every protocol; a list is an OR', () => {
    expect(rulePortsMatch(undefined, 5, 'SCTP', web)).toBe(true);
    expect(rulePortsMatch([], 5, 'UDP', web)).toBe(true);
    expect(rulePortsMatch([{ port: 1 }, { port: 5, protocol: 'UDP' }], 5, 'UDP', web)).toBe(true);
    expect(rulePortsMatch([{ port: 1 }, { port: 5 }], 5, 'UDP', web)).toBe(false);
  });
});
