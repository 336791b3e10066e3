// The full pod reachability matrix: every pod to every pod on every port the destination serves,
// the batch form of predict()'s policy verdict. Both read the same admissions (policy-index.ts):
// per destination column the sources its ingress admits, per source row the columns its egress
// admits, so a cell is two array reads and predict() and the matrix cannot disagree.
import type { ClusterState, Protocol, Verdict } from '../../cluster/types.ts';
import { podKey } from '../../cluster/types.ts';
import type { ModelIndex } from './model.ts';
import { admission, admitsHost, type PolicyIndex } from './policy-index.ts';
import { ALLOW, DENY, UNDEFINED, VERDICTS, type Party } from './policy-verdict.ts';

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

/**
 * Per source pod, the columns its egress admits (1) or not (0); undefined when not egress-isolated.
 * A row is made of the pod's admissions on each (port, protocol) of the columns, so pods with the
 * same admissions share one row.
 */
function egressRows(ix: PolicyIndex, columns: Column[]): (Uint8Array | undefined)[] {
  const portKeys = new Map<string, number>();
  const colPort = Int32Array.from(columns, (c) => {
    const k = `${c.port}/${c.protocol}`;
    let id = portKeys.get(k);
    if (id === undefined) portKeys.set(k, (id = portKeys.size));
    return id;
  });
  const ports = [...portKeys.keys()].map((k) => columns[colPort.indexOf(portKeys.get(k)!)]);
  const rows = new Map<string, Uint8Array>();
  return ix.pods.map((_, s) => {
    if (ix.egressOf[s].length === 0) return undefined;
    const adms = ports.map((col) => admission(ix, 'egress', s, col.port, col.protocol));
    const key = adms.map((a) => a.id).join(',');
    let row = rows.get(key);
    if (!row) {
      row = new Uint8Array(columns.length);
      for (let c = 0; c < columns.length; c++) {
        const col = columns[c];
        const adm = adms[colPort[c]];
        const d = col.party.pod;
        row[c] = (d >= 0 ? adm.peers[d] === 1 : admitsHost(ix, adm, col.party, col.port, col.protocol)) ? 1 : 0;
      }
      rows.set(key, row);
    }
    return row;
  });
}

/** The whole matrix of one model's state, through the model's admissions (policy-index.ts). */
export function matrixOf(model: ModelIndex): ReachabilityMatrix {
  const ix = model.policies;
  const state = model.state;
  const pods = state.pods;
  const parties = partiesOf(state);
  const columns: Column[] = [];
  pods.forEach((p, i) => {
    for (const cp of p.ports) columns.push({ pod: podKey(p), port: cp.containerPort, protocol: cp.protocol, party: parties[i] });
  });
  const n = columns.length;
  const cells = new Uint8Array(pods.length * n);
  // Per column, the sources its ingress admits: every source when the pod is not ingress-isolated.
  const everySource = new Uint8Array(pods.length).fill(1);
  const colAdmission = columns.map((col) => {
    const d = col.party.pod;
    return d < 0 || ix.ingressOf[d].length === 0 ? undefined : admission(ix, 'ingress', d, col.port, col.protocol);
  });
  const colSources = colAdmission.map((adm) => adm?.peers ?? everySource);
  const egress = egressRows(ix, columns);
  // Flat arrays for the hot loop: pod index (-1 for a host) and node number per row and column.
  const nodeNumber = new Map<string, number>();
  const nodeOf = (p: Party) => {
    let k = nodeNumber.get(p.node);
    if (k === undefined) nodeNumber.set(p.node, (k = nodeNumber.size));
    return k;
  };
  const colPod = Int32Array.from(columns, (c) => c.party.pod);
  const colNode = Int32Array.from(columns, (c) => nodeOf(c.party));
  const everyColumn = new Uint8Array(n).fill(1);
  for (let r = 0; r < pods.length; r++) {
    const src = parties[r];
    const s = src.pod;
    const sNode = nodeOf(src);
    const base = r * n;
    if (s >= 0) {
      // The rules of policy-verdict.ts, one array read per direction: a pod reaches itself; a host
      // destination is never isolated, so only the source's egress (own node always allowed, others
      // undefined unless admitted); a pod destination needs both ends to admit.
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
      // A host source: never egress-isolated; an isolated destination admits it from its own node
      // or through a rule open to every source.
      for (let c = 0; c < n; c++) {
        const adm = colAdmission[c];
        const ok = colPod[c] < 0 || adm === undefined || sNode === colNode[c] || admitsHost(ix, adm, src, columns[c].port, columns[c].protocol);
        cells[base + c] = ok ? ALLOW : UNDEFINED;
      }
    }
  }
  const counts = [0, 0, 0];
  for (let k = 0; k < cells.length; k++) counts[cells[k]]++;
  return {
    rows: pods.map(podKey),
    columns: columns.map(({ pod, port, protocol }) => ({ pod, port, protocol })),
    cells,
    counts: { allow: counts[ALLOW], deny: counts[DENY], undefined: counts[UNDEFINED] },
  };
}
