// The full pod reachability matrix: every pod to every pod on every port the destination serves,
// judged by the same indexed policy verdicts as predict(). Used by the bench and by reports.
import type { ClusterState, Protocol, Verdict } from '../../cluster/types.ts';
import { podKey } from '../../cluster/types.ts';
import { parseModelFault } from './faults.ts';
import { buildModelIndex } from './model.ts';
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

export function podMatrix(state: ClusterState, options: { fault?: string } = {}): ReachabilityMatrix {
  const ix = buildModelIndex(state, parseModelFault(options.fault));
  const pods = state.pods;
  const parties: Party[] = pods.map((p, i) =>
    p.hostNetwork ? { pod: -1, node: p.nodeName, ip: p.ip, hostPod: i } : { pod: i, node: p.nodeName, ip: p.ip },
  );
  const columns: MatrixColumn[] = [];
  const columnParty: Party[] = [];
  pods.forEach((p, i) => {
    for (const cp of p.ports) {
      columns.push({ pod: podKey(p), port: cp.containerPort, protocol: cp.protocol });
      columnParty.push(parties[i]);
    }
  });
  const cells = new Uint8Array(pods.length * columns.length);
  const counts = [0, 0, 0];
  for (let r = 0; r < pods.length; r++) {
    const src = parties[r];
    const base = r * columns.length;
    for (let c = 0; c < columns.length; c++) {
      const code = connectionVerdict(ix.policies, src, columnParty[c], columns[c].port, columns[c].protocol);
      cells[base + c] = code;
      counts[code]++;
    }
  }
  return {
    rows: pods.map(podKey),
    columns,
    cells,
    counts: { allow: counts[ALLOW], deny: counts[DENY], undefined: counts[UNDEFINED] },
  };
}
