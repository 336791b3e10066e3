// The full pod reachability matrix: every pod to every pod on every port the destination serves.
// Judged column by column instead of cell by cell: per destination port, the sources its ingress
// rules admit (a union of the rules' peer sets); per set of egress policies, the destination ports
// they admit. A cell is then two array reads. The same rules as policy-verdict.ts (tests hold the
// two to each other on generated clusters).
import type { ClusterState, Protocol, Verdict } from '../../cluster/types.ts';
import { podKey } from '../../cluster/types.ts';
import { parseModelFault } from './faults.ts';
import { buildModelIndex } from './model.ts';
import { indexSet, unionInto, type CompiledRule, type PolicyIndex } from './policy-index.ts';
import { rulePortsMatch } from './policy-port.ts';
import { ALLOW, DENY, UNDEFINED, VERDICTS, connectionVerdict, type Party } from './policy-verdict.ts';

export interface MatrixColumn {
  pod: string;
  port: number;
  protocol: Protocol;
}

export interface ReachabilityMatrix {
  /** Row i: the pod `rows[i]` as the client. */
  rows: string[];
  /** Column j: a served port of a destination pod. */
  columns: MatrixColumn[];
  /** rows.length x columns.length verdict codes (0 allow, 1 deny, 2 undefined), row-major. */
  cells: Uint8Array;
  counts: Record<Verdict, number>;
}

export function verdictAt(m: ReachabilityMatrix, row: number, column: number): Verdict {
  return VERDICTS[m.cells[row * m.columns.length + column]];
}

interface Column extends MatrixColumn {
  party: Party;
}

function partiesOf(state: ClusterState): Party[] {
  return state.pods.map((p, i) => (p.hostNetwork ? { pod: -1, node: p.nodeName, ip: p.ip, hostPod: i } : { pod: i, node: p.nodeName, ip: p.ip }));
}

/** Per destination column: undefined when its pod is not ingress-isolated, else who its rules admit. */
function ingressColumns(ix: PolicyIndex, columns: Column[]): ({ all: boolean; sources: Uint8Array } | undefined)[] {
  const n = ix.pods.length;
  // Pods isolated by the same policies get the same answer for a port, unless a rule names a port
  // (resolved on each destination pod): share the work between them.
  const shared = new Map<string, { all: boolean; sources: Uint8Array }>();
  const named = (pi: number) => ix.policies[pi].ingressRules.some((r) => r.ports?.some((p) => typeof p.port === 'string'));
  return columns.map((col) => {
    const d = col.party.pod;
    if (d < 0 || ix.ingressOf[d].length === 0) return undefined;
    const policies = ix.ingressOf[d];
    const key = `${policies.join(',')}|${col.port}/${col.protocol}${policies.some(named) ? `|${d}` : ''}`;
    const hit = shared.get(key);
    if (hit) return hit;
    const sources = indexSet(n);
    let all = false;
    for (const pi of policies) {
      for (const rule of ix.policies[pi].ingressRules) {
        if (rule.ports !== undefined && !rulePortsMatch(rule.ports, col.port, col.protocol, ix.pods[d], ix.portOptions)) continue;
        if (rule.peerPods === undefined) all = true;
        else unionInto(sources, rule.peerPods);
      }
    }
    const answer = { all, sources };
    shared.set(key, answer);
    return answer;
  });
}

/** Per source pod: undefined when not egress-isolated, else the columns its egress rules admit. */
function egressRows(ix: PolicyIndex, columns: Column[]): (Uint8Array | undefined)[] {
  const ruleColumns = new Map<CompiledRule, Uint8Array>();
  const admitted = (rule: CompiledRule): Uint8Array => {
    let cols = ruleColumns.get(rule);
    if (cols) return cols;
    cols = indexSet(columns.length);
    columns.forEach((col, c) => {
      const dst = col.party;
      const peerOK = rule.peerPods === undefined || (dst.pod >= 0 && rule.peerPods[dst.pod] === 1);
      const namedPortPod = dst.pod >= 0 ? ix.pods[dst.pod] : dst.hostPod === undefined ? undefined : ix.pods[dst.hostPod];
      if (peerOK && (rule.ports === undefined || rulePortsMatch(rule.ports, col.port, col.protocol, namedPortPod, ix.portOptions))) cols[c] = 1;
    });
    ruleColumns.set(rule, cols);
    return cols;
  };
  const byPolicySet = new Map<string, Uint8Array>();
  return ix.egressOf.map((policies) => {
    if (policies.length === 0) return undefined;
    const key = policies.join(',');
    let row = byPolicySet.get(key);
    if (!row) {
      row = indexSet(columns.length);
      for (const pi of policies) for (const rule of ix.policies[pi].egressRules) {
        unionInto(row, admitted(rule));
      }
      byPolicySet.set(key, row);
    }
    return row;
  });
}

export function podMatrix(state: ClusterState, options: { fault?: string; cellByCell?: boolean } = {}): ReachabilityMatrix {
  const ix = buildModelIndex(state, parseModelFault(options.fault)).policies;
  const pods = state.pods;
  const parties = partiesOf(state);
  const columns: Column[] = [];
  pods.forEach((p, i) => {
    for (const cp of p.ports) columns.push({ pod: podKey(p), port: cp.containerPort, protocol: cp.protocol, party: parties[i] });
  });
  const cells = new Uint8Array(pods.length * columns.length);
  const counts = [0, 0, 0];
  // named-port-on-source resolves ports on the source, so a column no longer has one answer.
  const slow = options.cellByCell || ix.fault === 'named-port-on-source';
  const ingress = slow ? [] : ingressColumns(ix, columns);
  const egress = slow ? [] : egressRows(ix, columns);
  if (slow) {
    for (let r = 0; r < pods.length; r++) {
      for (let c = 0; c < columns.length; c++) {
        const code = connectionVerdict(ix, parties[r], columns[c].party, columns[c].port, columns[c].protocol);
        cells[r * columns.length + c] = code;
        counts[code]++;
      }
    }
  } else {
    // Flat arrays for the hot loop: pod index (-1 for a host) and node number per row and column.
    const nodeNumber = new Map<string, number>();
    const nodeOf = (p: Party) => {
      let k = nodeNumber.get(p.node);
      if (k === undefined) nodeNumber.set(p.node, (k = nodeNumber.size));
      return k;
    };
    const colPod = Int32Array.from(columns, (c) => c.party.pod);
    const colNode = Int32Array.from(columns, (c) => nodeOf(c.party));
    // Open ends read as "every source admitted" / "every column admitted", so the loop has no branches on shape.
    const everySource = new Uint8Array(pods.length).fill(1);
    const colSources = ingress.map((col) => (col === undefined || col.all ? everySource : col.sources));
    const everyColumn = new Uint8Array(columns.length).fill(1);
    const n = columns.length;
    for (let r = 0; r < pods.length; r++) {
      const src = parties[r];
      const s = src.pod;
      const sNode = nodeOf(src);
      const base = r * n;
      if (s >= 0) {
        const egressRow = egress[s] ?? everyColumn;
        for (let c = 0; c < n; c++) {
          const d = colPod[c];
          let code: number;
          if (d === s) code = ALLOW;
          else if (d < 0) code = egressRow[c] === 1 || sNode === colNode[c] ? ALLOW : UNDEFINED;
          else code = egressRow[c] === 1 && colSources[c][s] === 1 ? ALLOW : DENY;
          cells[base + c] = code;
        }
      } else {
        // A host source: never egress-isolated; an isolated destination admits it only from its
        // own node or through a rule open to every source.
        for (let c = 0; c < n; c++) {
          const d = colPod[c];
          cells[base + c] = d < 0 || colSources[c] === everySource || sNode === colNode[c] ? ALLOW : UNDEFINED;
        }
      }
    }
    for (let k = 0; k < cells.length; k++) counts[cells[k]]++;
  }
  return {
    rows: pods.map(podKey),
    columns: columns.map(({ pod, port, protocol }) => ({ pod, port, protocol })),
    cells,
    counts: { allow: counts[ALLOW], deny: counts[DENY], undefined: counts[UNDEFINED] },
  };
}
